"""What a valid room state is, stated once for the property and example tests."""

from __future__ import annotations

import datetime

from cercles.rooms.state import Mode, RoomState, Status


def problems(state: RoomState) -> list[str]:
    """Every way ``state`` breaks the room's invariants (empty when valid)."""
    found = []
    present = state.present
    if not 0 <= state.step < len(state.plan):
        found.append("step out of the plan")
        return found
    if state.status == Status.RUNNING and (state.deadline is None or state.remaining is not None):
        found.append("running without exactly a deadline")
    if state.status == Status.PAUSED and (state.remaining is None or state.deadline is not None):
        found.append("paused without exactly a time left")
    if state.remaining is not None and state.remaining < datetime.timedelta(0):
        found.append("negative time left")
    if state.status == Status.ENDED and state.ended_at is None:
        found.append("ended without an end time")
    if state.status in (Status.WAITING, Status.ENDED) and (state.speaker or state.order or state.hands):
        found.append("someone speaks outside the meeting")
    eligible = {p for p in present if state.may_speak(p)}
    mode = state.current.mode
    if state.status in (Status.RUNNING, Status.PAUSED):
        if mode == Mode.ROUND:
            if sorted(state.order) != sorted(eligible):
                found.append("the round's order is not a permutation of the present speakers")
            if state.speaker is not None and state.speaker not in state.order:
                found.append("the round's speaker is not in the round")
        elif state.order:
            found.append("an order outside a round")
        if state.speaker is not None and state.speaker not in eligible:
            found.append("the speaker is absent or may not speak")
        if mode in (Mode.SILENCE, Mode.SUBGROUPS) and state.speaker is not None:
            found.append("someone speaks in silence")
        if mode == Mode.SINGLE and eligible and state.speaker is None:
            found.append("nobody speaks in a single-speaker step whose speaker is here")
        if mode != Mode.FREE and state.hands:
            found.append("raised hands outside a free step")
        if len(set(state.hands)) != len(state.hands) or not set(state.hands) <= eligible:
            found.append("hands duplicated or raised by absent people")
        if state.speaker is not None and state.speaker in state.hands:
            found.append("the speaker still raises a hand")
    if not state.passed <= state.done:
        found.append("passed without being counted")
    if any(role not in state.role_names for role in state.roles.values()):
        found.append("unknown role")
    if len(state.order) != len(set(state.order)):
        found.append("someone twice in the round")
    return found
