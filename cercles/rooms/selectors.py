"""Reads of the rooms, with the permission checks built in: the live room first, then what is written.

The snapshot is what a client draws the room from: everything about the room's state at the server's
``now`` (the step a self-ending phase has reached, the time left, the overrun, the projected end), the
plan's steps, roles and the circle's active people. It is read by active members and facilitators only
(``rooms.enter``): a coordinator, an observer or an outsider gets PolicyDenied and nothing of the room.

Its number of queries does not grow with the number of people or steps (tested).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.http import Http404

from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.core.policy import allows, require
from cercles.meetings.models import Meeting
from cercles.people.models import User
from cercles.rooms import codec
from cercles.rooms.models import Room
from cercles.rooms.reducer import settle, view
from cercles.rooms.state import RoomState, Status

# --- room


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(datetime.UTC).isoformat()


def room_meeting(*, meeting_id: int, user: User) -> Meeting:
    """The meeting of a room the person may enter. Raises Http404, PolicyDenied."""
    meeting = Meeting.objects.select_related("circle").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("meeting not found")
    require(user, "rooms.enter", meeting.circle)
    return meeting


def room_may_enter(*, meeting_id: int, user: User) -> bool:
    """Whether the person is (still) an active member or facilitator of the meeting's circle."""
    meeting = Meeting.objects.select_related("circle").filter(pk=meeting_id).first()
    return meeting is not None and allows(user, "rooms.enter", meeting.circle)


def _people(meeting: Meeting, state: RoomState) -> list[dict[str, Any]]:
    memberships = (
        Membership.objects.filter(circle_id=meeting.circle_id, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .only("user_id", "role", "user__first_name", "user__last_name", "user__erased_at")
        .order_by("user__first_name", "user__last_name", "user_id")
    )
    present = state.present
    return [
        {
            "id": membership.user_id,
            "name": membership.user.display_name,
            "role": state.role_of(membership.user_id),
            "is_facilitator": membership.role == MembershipRole.FACILITATOR,
            "present": membership.user_id in present,
        }
        for membership in memberships
    ]


def _step(document: dict[str, Any]) -> dict[str, Any]:
    keys = ("key", "name", "instructions", "minutes", "mode", "speakers", "prompts", "advances_by_itself", "slots")
    return {key: document.get(key) for key in keys}


def room_snapshot_of(room: Room, meeting: Meeting, user: User, now: datetime.datetime) -> dict[str, Any]:
    """The snapshot of a room already read with its meeting (the permission is the caller's)."""
    state = settle(codec.decode(room.state), now)
    seen = view(state, now)
    people = _people(meeting, state)
    me = next((person for person in people if person["id"] == user.pk), None)
    snapshot: dict[str, Any] = {
        "meeting": meeting.pk,
        "server_now": _iso(now),
        "version": room.version,
        "status": seen.status.value,
        "step": seen.step,
        "deadline": _iso(state.deadline) if state.status == Status.RUNNING else None,
        "time_left": math.ceil(seen.time_left.total_seconds()),
        "overrun": math.floor(seen.overrun.total_seconds()),
        "projected_end": _iso(seen.projected_end),
        "starts_at": _iso(meeting.starts_at),
        "ends_at": _iso(meeting.ends_at),
        "variant": room.protocol_key,
        "steps": [_step(document) for document in room.steps],
        "roles": [{"key": role["key"], "name": role["name"]} for role in room.roles],
        "default_role": state.default_role,
        "people": people,
        "speaker": state.speaker,
        "order": list(state.order),
        "done": sorted(state.done),
        "hands": list(state.hands),
        "me": {
            "id": user.pk,
            "name": me["name"] if me else user.display_name,
            "role": state.role_of(user.pk),
            "is_facilitator": user.pk in state.facilitators,
        },
    }
    snapshot["writing"] = room_writing_for(room, user, seen)
    return snapshot


def room_snapshot(meeting_id: int, user: User, now: datetime.datetime) -> dict[str, Any]:
    """The room as ``user`` sees it at ``now`` (see the module's doc). Raises Http404, PolicyDenied.

    The room must have been opened (``services.room_open``); until then it is a 404."""
    meeting = room_meeting(meeting_id=meeting_id, user=user)
    room = Room.objects.filter(meeting=meeting).first()
    if room is None:
        raise Http404("room not opened")
    return room_snapshot_of(room, meeting, user, now)


# --- writing


def room_writing_for(room: Room, user: User, state_view: Any) -> dict[str, Any]:
    """What the person may read and write in the room now (replaced by the writing section)."""
    return {"slots": [], "pinned": [], "retour": []}
