"""Rooms, meetings and client turns set up directly, for the writing and client-turn tests."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from cercles.circles.models import Circle
from cercles.meetings.models import Meeting
from cercles.methods.library import CODEVELOPPEMENT
from cercles.methods.protocol import parse_method, plan_for
from cercles.people.models import User
from cercles.rooms.models import Room

_numbers = itertools.count(1)

# The steps of codéveloppement's usual meeting ("seance"), by index.
RETOUR, EXPOSE, CLARIFICATION, CONTRAT, CONSULTATION, SYNTHESE, APPRENTISSAGES = range(7)


def make_meeting(circle: Circle, *, in_days: float = 2, hours: float = 2) -> Meeting:
    starts = timezone.now() + datetime.timedelta(days=in_days)
    return Meeting.objects.create(
        circle=circle,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        meeting_format="en_ligne",
        room_name=f"salle-test-{next(_numbers)}",
    )


def room_steps(protocol_key: str = "seance") -> list[dict[str, Any]]:
    """The plan's steps as the room freezes them (the snapshot's "steps")."""
    protocol = parse_method(CODEVELOPPEMENT).protocol(protocol_key)
    assert protocol is not None
    return [
        {
            "key": step.phase.key,
            "name": step.phase.name,
            "instructions": step.phase.instructions,
            "minutes": step.minutes,
            "mode": step.phase.mode.value,
            "speakers": list(step.phase.speakers),
            "prompts": list(step.phase.prompts),
            "advances_by_itself": step.phase.advances_by_itself,
            "slots": [slot.model_dump(mode="json") for slot in step.phase.slots],
        }
        for step in plan_for(protocol)
    ]


def open_room(
    meeting: Meeting,
    *,
    status: str = "en_cours",
    step: int = 0,
    roles: dict[User, str] | None = None,
    protocol_key: str = "seance",
    steps: list[dict[str, Any]] | None = None,
) -> Room:
    return Room.objects.create(
        meeting=meeting,
        method_slug="codeveloppement",
        protocol_key=protocol_key,
        steps=steps if steps is not None else room_steps(protocol_key),
        state={"status": status, "step": step, "roles": {str(user.pk): role for user, role in (roles or {}).items()}},
    )


def move_room(room: Room, *, step: int | None = None, status: str | None = None) -> Room:
    state = dict(room.state)
    if step is not None:
        state["step"] = step
    if status is not None:
        state["status"] = status
    room.state = state
    if status == "terminee":
        room.ended_at = timezone.now()
    room.save()
    return room
