"""The room's pure reducer: (state, command, now) → the new state, or a refusal with a code.

No Django, no database, no clock of its own (import-linter forbids them): the services load the
state under a row lock, call :func:`reduce` with the request's time, store the result and broadcast
after commit. Everything that depends on the clock is derived here from deadlines:

* :func:`settle` — a step that ends by itself (silent reading, journaling) is over at its deadline; the
  state read at ``now`` is already in the following step (deadlines chain, so a late reader lands on
  the right step). Other steps never advance alone: they run over, and :func:`view` says by how much.
* :func:`view` — what a client shows: the step, time left (never negative), overrun, projected end.

After every accepted command the state is *normalised* so that it stays valid whatever came before:
the round's order is a permutation of the present people who may speak in the step; the speaker is
present and may speak; raised hands exist only in free steps and belong to present people; nobody
speaks before the start, after the end, or in silence.

An accepted command that changes nothing (a second "deadline reached", a tab that was already
counted) is reported with ``changed=False``: nothing to store, no new version, no broadcast.
"""

from __future__ import annotations

import dataclasses
import datetime

from cercles.rooms.state import (
    Accepted,
    AddMinutes,
    AssignRole,
    Command,
    DeadlineReached,
    End,
    GiveWord,
    Join,
    Jump,
    Leave,
    LowerHand,
    Mode,
    Next,
    NextSpeaker,
    Outcome,
    PassTurn,
    Pause,
    PersonId,
    Previous,
    RaiseHand,
    Refusal,
    Refused,
    ReorderRound,
    Resume,
    RoomState,
    Start,
    Status,
    View,
)

MAX_ADDED_MINUTES = 120
MAX_CONNECTION_LENGTH = 64
_ZERO = datetime.timedelta(0)
_IN_PROGRESS = (Status.RUNNING, Status.PAUSED)
_FACILITATOR_COMMANDS = (
    Start,
    Next,
    Previous,
    Jump,
    End,
    AddMinutes,
    Pause,
    Resume,
    GiveWord,
    ReorderRound,
    AssignRole,
)


def reduce(state: RoomState, command: Command, now: datetime.datetime) -> Outcome:
    """Apply ``command`` at ``now``; the new state has the next version if anything changed."""
    now = _utc(now)
    settled = settle(state, now)
    result = _apply(settled, command, now)
    if isinstance(result, Refusal):
        return Refused(result)
    result = _normalise(result)
    if dataclasses.replace(result, version=state.version) == state:
        return Accepted(state, changed=False)
    return Accepted(dataclasses.replace(result, version=state.version + 1), changed=True)


def settle(state: RoomState, now: datetime.datetime) -> RoomState:
    """The state as it stands at ``now``: self-ending steps whose deadline passed are over."""
    now = _utc(now)
    while state.status == Status.RUNNING and state.current.advances_by_itself:
        deadline = state.deadline
        if deadline is None or deadline > now:
            break
        if state.step == len(state.plan) - 1:
            state = dataclasses.replace(state, status=Status.ENDED, ended_at=deadline, deadline=None)
        else:
            state = _enter(state, state.step + 1, start=deadline)
    return _normalise(state)


def view(state: RoomState, now: datetime.datetime) -> View:
    """What every client shows at ``now`` (derived, never stored)."""
    now = _utc(now)
    state = settle(state, now)
    rest = sum((step.duration for step in state.plan[state.step + 1 :]), _ZERO)
    if state.status == Status.RUNNING and state.deadline is not None:
        time_left = max(_ZERO, state.deadline - now)
        overrun = max(_ZERO, now - state.deadline)
        end = max(state.deadline, now) + rest
    elif state.status == Status.PAUSED and state.remaining is not None:
        time_left, overrun = state.remaining, _ZERO
        end = now + state.remaining + rest
    elif state.status == Status.ENDED and state.ended_at is not None:
        time_left, overrun, end = _ZERO, _ZERO, state.ended_at
    else:  # waiting: the whole plan, from now
        time_left, overrun = state.plan[0].duration, _ZERO
        end = now + sum((step.duration for step in state.plan), _ZERO)
    return View(
        status=state.status,
        step=state.step,
        time_left=time_left,
        overrun=overrun,
        projected_end=end,
        speaker=state.speaker,
        order=state.order,
        hands=state.hands,
        present=state.present,
        version=state.version,
    )


def _utc(now: datetime.datetime) -> datetime.datetime:
    # Arithmetic on a datetime in Europe/Paris is wall-clock arithmetic (45 minutes after 01:30 on
    # the night of the March change would read 02:15, an hour that does not exist): compute in UTC.
    if now.tzinfo is None:
        raise ValueError("the room's clock must be timezone-aware")
    return now.astimezone(datetime.UTC)


# --- commands ------------------------------------------------------------------------------------


def _apply(state: RoomState, command: Command, now: datetime.datetime) -> RoomState | Refusal:
    if isinstance(command, _FACILITATOR_COMMANDS) and command.actor not in state.facilitators:
        return Refusal.NOT_FACILITATOR
    match command:
        case Join(actor=actor, connection=connection) | Leave(actor=actor, connection=connection) if (
            not connection or len(connection) > MAX_CONNECTION_LENGTH
        ):
            return Refusal.BAD_CONNECTION
        case Join(actor=actor, connection=connection):
            return dataclasses.replace(state, connections=state.connections | {(actor, connection)})
        case Leave(actor=actor, connection=connection):
            return dataclasses.replace(state, connections=state.connections - {(actor, connection)})
        case AssignRole(person=person, role=role):
            return _assign_role(state, person, role)
        case Start():
            if state.status != Status.WAITING:
                return Refusal.ENDED if state.status == Status.ENDED else Refusal.ALREADY_STARTED
            return _enter(dataclasses.replace(state, status=Status.RUNNING), 0, start=now)
        case End():
            if state.status == Status.ENDED:
                return Refusal.ENDED
            return dataclasses.replace(state, status=Status.ENDED, ended_at=now, deadline=None, remaining=None)
        case DeadlineReached(step=step):
            return _deadline_reached(state, step, now)
    refusal = _in_progress_refusal(state)
    if refusal is not None:
        return refusal
    return _apply_in_progress(state, command, now)


def _apply_in_progress(state: RoomState, command: Command, now: datetime.datetime) -> RoomState | Refusal:
    match command:
        case Next():
            return _go_to(state, state.step + 1, now) if state.step + 1 < len(state.plan) else Refusal.LAST_STEP
        case Previous():
            return _go_to(state, state.step - 1, now) if state.step > 0 else Refusal.FIRST_STEP
        case Jump(step=step):
            return _go_to(state, step, now) if 0 <= step < len(state.plan) else Refusal.NO_SUCH_STEP
        case AddMinutes(minutes=minutes):
            return _add_minutes(state, minutes, now)
        case Pause():
            if state.status == Status.PAUSED or state.deadline is None:
                return Refusal.ALREADY_PAUSED
            remaining = max(_ZERO, state.deadline - now)
            return dataclasses.replace(state, status=Status.PAUSED, remaining=remaining, deadline=None)
        case Resume():
            if state.status != Status.PAUSED or state.remaining is None:
                return Refusal.NOT_PAUSED
            return dataclasses.replace(state, status=Status.RUNNING, deadline=now + state.remaining, remaining=None)
        case GiveWord(person=person):
            return _give_word(state, person)
        case NextSpeaker(actor=actor):
            return _next_speaker(state, actor)
        case ReorderRound(order=order):
            return _reorder(state, order)
        case PassTurn(actor=actor):
            return _pass_turn(state, actor)
        case RaiseHand(actor=actor):
            return _raise_hand(state, actor)
        case LowerHand(actor=actor):
            return dataclasses.replace(state, hands=tuple(p for p in state.hands if p != actor))
    raise TypeError(f"unknown room command {command!r}")


def _in_progress_refusal(state: RoomState) -> Refusal | None:
    if state.status == Status.WAITING:
        return Refusal.NOT_STARTED
    if state.status == Status.ENDED:
        return Refusal.ENDED
    return None


def _enter(state: RoomState, index: int, *, start: datetime.datetime) -> RoomState:
    """Begin step ``index`` at ``start`` (paused rooms stay paused, with the step's full time)."""
    step = state.plan[index]
    paused = state.status == Status.PAUSED
    entered = dataclasses.replace(
        state,
        step=index,
        deadline=None if paused else start + step.duration,
        remaining=step.duration if paused else None,
        speaker=None,
        order=(),
        done=frozenset(),
        passed=frozenset(),
        hands=(),
    )
    eligible = _eligible(entered)
    if step.mode == Mode.ROUND and eligible:
        entered = dataclasses.replace(entered, order=eligible, speaker=eligible[0])
    return entered


def _go_to(state: RoomState, index: int, now: datetime.datetime) -> RoomState:
    return _enter(state, index, start=now)


def _add_minutes(state: RoomState, minutes: int, now: datetime.datetime) -> RoomState | Refusal:
    if minutes == 0 or abs(minutes) > MAX_ADDED_MINUTES:
        return Refusal.BAD_MINUTES
    delta = datetime.timedelta(minutes=minutes)
    if state.status == Status.PAUSED and state.remaining is not None:
        return dataclasses.replace(state, remaining=max(_ZERO, state.remaining + delta))
    assert state.deadline is not None  # running
    # Taking away more time than is left ends the time now; it never puts the deadline in the past
    # (which would read as an overrun nobody caused).
    return dataclasses.replace(state, deadline=max(now, state.deadline + delta))


def _deadline_reached(state: RoomState, step: int, now: datetime.datetime) -> RoomState | Refusal:
    if not 0 <= step < len(state.plan):
        return Refusal.NO_SUCH_STEP
    # Already settled past that step, paused, ended: the first client's message did the work.
    if state.status != Status.RUNNING or step != state.step or state.deadline is None:
        return state
    if now < state.deadline:
        return Refusal.TOO_EARLY
    # A step that does not end by itself runs over; it is shown, never advanced here.
    return state


def _assign_role(state: RoomState, person: PersonId, role: str | None) -> RoomState | Refusal:
    if role is not None and role not in state.role_names:
        return Refusal.NO_SUCH_ROLE
    roles = dict(state.roles)
    if role is None:
        roles.pop(person, None)
    else:
        roles[person] = role
    return dataclasses.replace(state, roles=roles)


def _give_word(state: RoomState, person: PersonId | None) -> RoomState | Refusal:
    if person is None:
        return _after_turn(state, None)
    if person not in state.present:
        return Refusal.NOT_PRESENT
    if state.current.mode in (Mode.SILENCE, Mode.SUBGROUPS) or not state.may_speak(person):
        return Refusal.CANNOT_SPEAK
    state = _after_turn(state, person)
    return dataclasses.replace(state, hands=tuple(p for p in state.hands if p != person))


def _after_turn(state: RoomState, speaker: PersonId | None) -> RoomState:
    """The current speaker's turn is over (counted in a round); ``speaker`` holds the word."""
    done = state.done
    if state.current.mode == Mode.ROUND and state.speaker is not None:
        done = done | {state.speaker}
    return dataclasses.replace(state, speaker=speaker, done=done)


def _next_in_round(state: RoomState) -> PersonId | None:
    return next((person for person in state.order if person not in state.done), None)


def _next_speaker(state: RoomState, actor: PersonId) -> RoomState | Refusal:
    if actor not in state.facilitators and actor != state.speaker:
        return Refusal.NOT_SPEAKER
    if state.current.mode == Mode.ROUND:
        state = _after_turn(state, None)
        return dataclasses.replace(state, speaker=_next_in_round(state))
    if state.current.mode == Mode.FREE:
        following = state.hands[0] if state.hands else None
        return dataclasses.replace(state, speaker=following, hands=state.hands[1:])
    return Refusal.NOT_A_ROUND


def _reorder(state: RoomState, order: tuple[PersonId, ...]) -> RoomState | Refusal:
    if state.current.mode != Mode.ROUND:
        return Refusal.NOT_A_ROUND
    if len(order) != len(state.order) or set(order) != set(state.order):
        return Refusal.NOT_A_PERMUTATION
    return dataclasses.replace(state, order=tuple(order))


def _pass_turn(state: RoomState, actor: PersonId) -> RoomState | Refusal:
    if state.current.mode != Mode.ROUND:
        return Refusal.NOT_A_ROUND
    if actor not in state.order:
        return Refusal.NOT_IN_ROUND
    if actor in state.done:
        return Refusal.ALREADY_SPOKEN
    state = dataclasses.replace(state, done=state.done | {actor}, passed=state.passed | {actor})
    if state.speaker == actor:
        state = dataclasses.replace(state, speaker=_next_in_round(state))
    return state


def _raise_hand(state: RoomState, actor: PersonId) -> RoomState | Refusal:
    if state.current.mode != Mode.FREE:
        return Refusal.NOT_FREE
    if actor not in state.present:
        return Refusal.NOT_PRESENT
    if not state.may_speak(actor):
        return Refusal.CANNOT_SPEAK
    if actor in state.hands or actor == state.speaker:
        return state
    return dataclasses.replace(state, hands=(*state.hands, actor))


# --- invariants ----------------------------------------------------------------------------------


def _eligible(state: RoomState) -> tuple[PersonId, ...]:
    """Present people who may speak in the current step, in a stable order (by id)."""
    return tuple(sorted(person for person in state.present if state.may_speak(person)))


def _normalise(state: RoomState) -> RoomState:
    """Restore the invariants after presence, roles or the step changed (see the module docstring)."""
    if state.status not in _IN_PROGRESS:
        return dataclasses.replace(state, speaker=None, order=(), done=frozenset(), passed=frozenset(), hands=())
    eligible = _eligible(state)
    mode = state.current.mode
    speaker = state.speaker if state.speaker in eligible else None
    if mode == Mode.ROUND:
        kept = tuple(person for person in state.order if person in eligible)
        order = kept + tuple(person for person in eligible if person not in kept)
        if speaker is None and state.speaker is not None:
            # The speaker left or lost the word: the round goes on with the next one.
            state = dataclasses.replace(state, order=order)
            speaker = _next_in_round(state)
        return dataclasses.replace(state, order=order, speaker=speaker, hands=(), passed=state.passed & state.done)
    state = dataclasses.replace(state, order=(), done=frozenset(), passed=frozenset())
    if mode == Mode.SINGLE:
        # One voice: the present person whose role speaks (the first one if several).
        return dataclasses.replace(state, speaker=speaker if speaker is not None else _first(eligible), hands=())
    if mode == Mode.FREE:
        hands = tuple(dict.fromkeys(p for p in state.hands if p in eligible and p != speaker))
        return dataclasses.replace(state, speaker=speaker, hands=hands)
    return dataclasses.replace(state, speaker=None, hands=())


def _first(people: tuple[PersonId, ...]) -> PersonId | None:
    return people[0] if people else None
