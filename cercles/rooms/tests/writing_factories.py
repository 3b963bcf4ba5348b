"""Rooms, meetings and client turns set up directly, for the writing and client-turn tests.

A room is opened by the room's own service (its plan frozen from the method, roles from the client
turns); its state is then put where a test needs it (a step, paused, ended) through the codec.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.utils import timezone

from cercles.circles.models import Membership, MembershipRole
from cercles.meetings.models import Meeting
from cercles.people.models import User
from cercles.rooms import codec
from cercles.rooms.models import Room
from cercles.rooms.services import room_open
from cercles.rooms.state import Status

# The steps of codéveloppement's usual meeting ("seance"), by index.
RETOUR, EXPOSE, CLARIFICATION, CONTRAT, CONSULTATION, SYNTHESE, APPRENTISSAGES = range(7)


def room_steps(protocol_key: str = "seance") -> list[dict[str, Any]]:
    """The plan's steps as the room freezes them (the snapshot's "steps")."""
    from cercles.methods.library import CODEVELOPPEMENT
    from cercles.methods.protocol import parse_method, plan_for
    from cercles.rooms.services import _step_document

    protocol = parse_method(CODEVELOPPEMENT).protocol(protocol_key)
    assert protocol is not None
    return [_step_document(step) for step in plan_for(protocol)]


def open_room(
    meeting: Meeting,
    *,
    status: str = "en_cours",
    step: int = 0,
    roles: dict[User, str] | None = None,
    protocol_key: str = "seance",
    steps: list[dict[str, Any]] | None = None,
) -> Room:
    facilitator = (
        Membership.objects.select_related("user").filter(circle=meeting.circle, role=MembershipRole.FACILITATOR).first()
    )
    assert facilitator is not None, "the circle needs a facilitator to open its room"
    room = room_open(meeting, opened_by=facilitator.user, variant=protocol_key)
    if steps is not None:
        room.steps = steps
    state = codec.decode(room.state)
    state = dataclasses.replace(state, roles={**state.roles, **{user.pk: role for user, role in (roles or {}).items()}})
    room.state = codec.encode(state)
    room.save()
    return move_room(room, status=status, step=step)


def move_room(room: Room, *, step: int | None = None, status: str | None = None) -> Room:
    """Put the room's state at ``step`` and ``status`` (running with its deadline ahead, or ended now)."""
    now = timezone.now()
    state = codec.decode(room.state)
    new_status = Status(status) if status is not None else state.status
    new_step = step if step is not None else state.step
    state = dataclasses.replace(
        state,
        status=new_status,
        step=new_step,
        deadline=now + datetime.timedelta(minutes=10) if new_status == Status.RUNNING else None,
        remaining=datetime.timedelta(minutes=10) if new_status == Status.PAUSED else None,
        ended_at=now if new_status == Status.ENDED else None,
        version=state.version + 1,
    )
    room.state = codec.encode(state)
    room.version = state.version
    room.ended_at = now if new_status == Status.ENDED else None
    room.save()
    return room
