"""Writes of the rooms: the live state (first section), then what is written and the client turns.

A room's state changes only here, always the same way (docs/rooms.md):

1. the meeting's row is read and the policy asked (``rooms.enter``: an active member or facilitator);
2. the room's row is locked (``select_for_update``), its state decoded and *reconciled* with the circle
   as it is now (facilitators, people who left: see :func:`_reconcile`);
3. a command sent from an older version than the room's is refused (``stale_version``) unless it is
   idempotent — two facilitators pressing "next" at once move the meeting one step, not two;
4. the pure reducer applies the command at the request's time; a refusal is logged and raised
   (:class:`~cercles.rooms.refusals.RoomRefusal`), never a 500;
5. a change is stored with its version, and ``{"type": "room.version"}`` is sent to the room's
   Channels group *after commit*: ids and numbers only, never content.

When the meeting ends, the people connected at any moment prefill its attendance record (where
nothing was recorded yet); the facilitation confirms it on the attendance page.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.core.policy import require
from cercles.meetings.models import Meeting
from cercles.meetings.services import attendance_prefill
from cercles.methods.exceptions import MethodNotDescribed
from cercles.methods.protocol import Method, PlannedStep
from cercles.methods.selectors import circle_method
from cercles.people.models import User
from cercles.rooms import codec, refusals
from cercles.rooms.models import ClientTurn, Room
from cercles.rooms.reducer import MAX_CONNECTION_LENGTH, reduce, settle
from cercles.rooms.refusals import RoomRefusal
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
    PassTurn,
    Pause,
    Previous,
    RaiseHand,
    ReorderRound,
    Resume,
    RoomState,
    Start,
    Status,
    Step,
)

# --- room state

logger = logging.getLogger("cercles.rooms")

# The first meeting of a cycle runs this variant when the method has it (codéveloppement: the
# group's agreement comes before the first consultation); the others run the method's first variant.
FIRST_MEETING_VARIANT = "premiere_seance"
# Roles given by the client turns (codéveloppement), when the method has them.
CLIENT_ROLES = {1: "client", 2: "client_2"}
PREVIOUS_CLIENT_ROLE = "client_precedent"
# A meeting of a kind without a method: one free step as long as the meeting, everyone a participant.
PLAIN_ROLE = "participant"
PLAIN_FACILITATOR_ROLE = "animation"
MAX_ARGUMENT_CHARS = 12
MAX_ORDER = 100

# Commands that mean the same whatever version the sender saw: never refused as stale.
IDEMPOTENT_COMMANDS = frozenset({"deadline_reached", "raise_hand", "lower_hand", "pass"})
COMMAND_NAMES = frozenset(
    {
        "start",
        "next",
        "previous",
        "jump",
        "end",
        "add_minutes",
        "pause",
        "resume",
        "give_word",
        "next_speaker",
        "reorder",
        "pass",
        "raise_hand",
        "lower_hand",
        "assign_role",
        "deadline_reached",
    }
)


def room_group(meeting_id: int) -> str:
    """The Channels group of a meeting's room: every socket open on it."""
    return f"room-{meeting_id}"


def user_group(user_id: int) -> str:
    """The Channels group of one person's room sockets (to close them when they leave a circle)."""
    return f"room-user-{user_id}"


def connection_id(channel_name: str) -> str:
    """A socket's id in the state: its channel name, hashed when longer than the reducer accepts."""
    if channel_name and len(channel_name) <= MAX_CONNECTION_LENGTH:
        return channel_name
    return hashlib.sha256(channel_name.encode()).hexdigest()[:MAX_CONNECTION_LENGTH]


# --- opening a room --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Blueprint:
    """What a room is built from: the method's variant as the circle runs it."""

    method_slug: str
    protocol_key: str
    steps: list[PlannedStep]
    roles: list[dict[str, str]]
    default_role: str
    facilitator_role: str


def _is_first_of_cycle(meeting: Meeting) -> bool:
    return not Meeting.objects.filter(
        circle_id=meeting.circle_id, cancelled_at=None, starts_at__lt=meeting.starts_at
    ).exists()


def _blueprint(meeting: Meeting, user: User, variant: str | None) -> _Blueprint | None:
    """The circle's adapted variant (``variant``, or the default for this meeting); None without a method."""
    try:
        view = circle_method(circle_id=meeting.circle_id, user=user)
    except MethodNotDescribed:
        return None
    method: Method | None = view.kind_method.method
    assert method is not None  # circle_method raised MethodNotDescribed otherwise
    plans = {plan.protocol.key: plan for plan in view.plans}
    if variant is None:
        first = FIRST_MEETING_VARIANT in plans and _is_first_of_cycle(meeting)
        variant = FIRST_MEETING_VARIANT if first else method.protocols[0].key
    plan = plans.get(variant)
    if plan is None:
        raise RoomRefusal(refusals.NO_SUCH_VARIANT)
    return _Blueprint(
        method_slug=method.slug,
        protocol_key=plan.protocol.key,
        steps=plan.steps,
        roles=[{"key": role.key, "name": role.name} for role in method.roles],
        default_role=method.default_role,
        facilitator_role=method.facilitator_role,
    )


def _plain_steps(meeting: Meeting) -> list[dict[str, Any]]:
    minutes = min(max(meeting.duration_minutes, 1), 240)
    return [
        {
            "key": "rencontre",
            "name": gettext("Rencontre"),
            "instructions": "",
            "minutes": minutes,
            "mode": Mode.FREE.value,
            "speakers": [],
            "prompts": [],
            "advances_by_itself": False,
            "slots": [],
        }
    ]


def _step_document(planned: PlannedStep) -> dict[str, Any]:
    phase = planned.phase
    return {
        "key": phase.key,
        "name": phase.name,
        "instructions": phase.instructions,
        "minutes": planned.minutes,
        "mode": phase.mode.value,
        "speakers": list(phase.speakers),
        "prompts": list(phase.prompts),
        "advances_by_itself": phase.advances_by_itself,
        "slots": [
            {
                "key": slot.key,
                "name": slot.name,
                "visibility": slot.visibility.value,
                "help": slot.help,
                "writers": list(slot.writers),
            }
            for slot in phase.slots
        ],
    }


def _plan(step_documents: list[dict[str, Any]]) -> tuple[Step, ...]:
    return tuple(
        Step(
            key=document["key"],
            minutes=document["minutes"],
            mode=Mode(document["mode"]),
            speakers=frozenset(document["speakers"]),
            advances_by_itself=document["advances_by_itself"],
        )
        for document in step_documents
    )


def _people(circle_id: int) -> tuple[set[int], set[int]]:
    """The circle's active people and, among them, its facilitators (one query)."""
    people: set[int] = set()
    facilitators: set[int] = set()
    rows = Membership.objects.filter(circle_id=circle_id, status=MembershipStatus.ACTIVE).values_list("user_id", "role")
    for user_id, role in rows:
        people.add(user_id)
        if role == MembershipRole.FACILITATOR:
            facilitators.add(user_id)
    return people, facilitators


def _turn_roles(meeting: Meeting, role_names: Iterable[str]) -> dict[int, str]:
    """Roles the client turns give: this meeting's client(s), the previous meeting's client."""
    names = set(role_names)
    roles: dict[int, str] = {}
    previous = (
        Meeting.objects.filter(circle_id=meeting.circle_id, cancelled_at=None, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if previous is not None and PREVIOUS_CLIENT_ROLE in names:
        for person_id in ClientTurn.objects.filter(meeting_id=previous).values_list("person_id", flat=True):
            roles[person_id] = PREVIOUS_CLIENT_ROLE
    for person_id, position in ClientTurn.objects.filter(meeting=meeting).values_list("person_id", "position"):
        role = CLIENT_ROLES.get(position)
        if role in names:
            roles[person_id] = role  # type: ignore[index]
    return roles


def _new_state(meeting: Meeting, blueprint: _Blueprint | None, steps: list[dict[str, Any]]) -> RoomState:
    people, facilitators = _people(meeting.circle_id)
    if blueprint is None:
        role_names = frozenset({PLAIN_ROLE, PLAIN_FACILITATOR_ROLE})
        default_role, facilitator_role = PLAIN_ROLE, PLAIN_FACILITATOR_ROLE
    else:
        role_names = frozenset(role["key"] for role in blueprint.roles)
        default_role, facilitator_role = blueprint.default_role, blueprint.facilitator_role
    roles = dict.fromkeys(facilitators, facilitator_role) | _turn_roles(meeting, role_names)
    return RoomState(
        plan=_plan(steps),
        facilitators=frozenset(facilitators),
        role_names=role_names,
        default_role=default_role,
        roles={person: role for person, role in roles.items() if person in people},
    )


def _room_fields(meeting: Meeting, user: User, variant: str | None) -> dict[str, Any]:
    blueprint = _blueprint(meeting, user, variant)
    if blueprint is None:
        steps = _plain_steps(meeting)
        roles = [
            {"key": PLAIN_ROLE, "name": str(MembershipRole.PARTICIPANT.label)},
            {"key": PLAIN_FACILITATOR_ROLE, "name": str(MembershipRole.FACILITATOR.label)},
        ]
        method_slug, protocol_key = "", ""
    else:
        steps = [_step_document(planned) for planned in blueprint.steps]
        roles, method_slug, protocol_key = blueprint.roles, blueprint.method_slug, blueprint.protocol_key
    state = _new_state(meeting, blueprint, steps)
    return {
        "method_slug": method_slug,
        "protocol_key": protocol_key,
        "steps": steps,
        "roles": roles,
        "state": codec.encode(state),
        "version": state.version,
    }


def room_open(meeting: Meeting, *, opened_by: User, variant: str | None = None) -> Room:
    """The meeting's room, created on first use from the circle's method as the circle adapted it.

    The plan is frozen when the room opens: a method edited during the meeting never changes it.
    Raises PolicyDenied (not in the circle), RoomRefusal (unknown variant)."""
    require(opened_by, "rooms.enter", meeting.circle)
    room = Room.objects.filter(meeting=meeting).first()
    if room is not None:
        return room
    fields = _room_fields(meeting, opened_by, variant)
    try:
        with transaction.atomic():
            return Room.objects.create(meeting=meeting, **fields)
    except IntegrityError:  # opened at the same moment by someone else: theirs is the room
        return Room.objects.get(meeting=meeting)


@transaction.atomic
def room_choose_variant(meeting_id: int, variant: str, *, chosen_by: User, seen_version: int | None = None) -> Room:
    """Before the start, the facilitation picks another variant of the method (first meeting, two clients).

    Presence and roles stay; the plan is rebuilt. ``seen_version`` (from a form) must be the room's.
    Raises Http404, PolicyDenied, RoomRefusal."""
    meeting = _meeting(meeting_id)
    require(chosen_by, "rooms.facilitate", meeting.circle)
    room = _locked_room(meeting, chosen_by)
    if seen_version is not None and seen_version != room.version:
        _refuse(meeting_id, chosen_by, refusals.STALE_VERSION)
    state = codec.decode(room.state)
    if state.status != Status.WAITING:
        _refuse(meeting_id, chosen_by, refusals.NO_SUCH_VARIANT)
    fields = _room_fields(meeting, chosen_by, variant)
    fresh = codec.decode(fields["state"])
    chosen = dataclasses.replace(
        fresh,
        connections=state.connections,
        roles={**fresh.roles, **state.roles},
        version=state.version + 1,
    )
    for name in ("method_slug", "protocol_key", "steps", "roles"):
        setattr(room, name, fields[name])
    _store(room, state, settle(chosen, timezone.now()), fields=["method_slug", "protocol_key", "steps", "roles"])
    return room


# --- commands --------------------------------------------------------------------------------------


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("circle").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("meeting not found")
    return meeting


def _locked_room(meeting: Meeting, user: User) -> Room:
    room = Room.objects.select_for_update().filter(meeting=meeting).first()
    if room is None:
        room_open(meeting, opened_by=user)
        room = Room.objects.select_for_update().get(meeting=meeting)
    return room


def _refuse(meeting_id: int, actor: User | None, code: str) -> NoReturn:
    logger.info("room %s refused a command from %s: %s", meeting_id, getattr(actor, "pk", None), code)
    raise RoomRefusal(code)


def _integer(value: str | None) -> int:
    text = (value or "").strip()
    if not text or len(text) > MAX_ARGUMENT_CHARS:
        raise RoomRefusal(refusals.BAD_COMMAND)
    try:
        return int(text)
    except ValueError:
        raise RoomRefusal(refusals.BAD_COMMAND) from None


def _optional_person(value: str | None) -> int | None:
    return None if not (value or "").strip() else _integer(value)


def parse_command(name: str, arguments: Mapping[str, str], *, actor: int) -> Command:
    """The reducer's command for a form's ``command`` and arguments; raises RoomRefusal(bad_command)."""
    match name:
        case "start":
            return Start(actor=actor)
        case "next":
            return Next(actor=actor)
        case "previous":
            return Previous(actor=actor)
        case "jump":
            return Jump(actor=actor, step=_integer(arguments.get("step")))
        case "end":
            return End(actor=actor)
        case "add_minutes":
            return AddMinutes(actor=actor, minutes=_integer(arguments.get("minutes")))
        case "pause":
            return Pause(actor=actor)
        case "resume":
            return Resume(actor=actor)
        case "give_word":
            return GiveWord(actor=actor, person=_optional_person(arguments.get("person")))
        case "next_speaker":
            return NextSpeaker(actor=actor)
        case "reorder":
            parts = [part for part in (arguments.get("order") or "").split(",") if part.strip()]
            if len(parts) > MAX_ORDER:
                raise RoomRefusal(refusals.BAD_COMMAND)
            return ReorderRound(actor=actor, order=tuple(_integer(part) for part in parts))
        case "pass":
            return PassTurn(actor=actor)
        case "raise_hand":
            return RaiseHand(actor=actor)
        case "lower_hand":
            return LowerHand(actor=actor)
        case "assign_role":
            role = (arguments.get("role") or "").strip()[:40] or None
            return AssignRole(actor=actor, person=_integer(arguments.get("person")), role=role)
        case "deadline_reached":
            return DeadlineReached(actor=actor, step=_integer(arguments.get("step")))
    raise RoomRefusal(refusals.BAD_COMMAND)


def _reconcile(state: RoomState, people: set[int], facilitators: set[int], now: datetime.datetime) -> RoomState:
    """The state with the circle as it is now: who facilitates; people who left are out of the room
    (their tabs, roles, turns); self-ending steps past their deadline are over. Same version."""
    reconciled = dataclasses.replace(
        state,
        facilitators=frozenset(facilitators),
        connections=frozenset(pair for pair in state.connections if pair[0] in people),
        roles={person: role for person, role in state.roles.items() if person in people},
    )
    return settle(reconciled, now)


def _store(room: Room, before: RoomState, after: RoomState, *, fields: Iterable[str] = ()) -> None:
    """Save ``after`` (a new version when it differs from ``before``) and broadcast after commit."""
    if after == before and not fields:
        return
    if dataclasses.replace(after, version=before.version) != before and after.version == before.version:
        after = dataclasses.replace(after, version=before.version + 1)
    now = timezone.now()
    room.state = codec.encode(after)
    room.version = after.version
    room.updated_at = now
    ever = set(room.ever_present) | after.present
    room.ever_present = sorted(ever)
    if after.status != Status.WAITING and room.started_at is None:
        room.started_at = now
    ended_now = after.status == Status.ENDED and room.ended_at is None
    if ended_now:
        room.ended_at = after.ended_at or now
    room.save(update_fields=["state", "version", "updated_at", "ever_present", "started_at", "ended_at", *fields])
    if ended_now:
        attendance_prefill(meeting_id=room.meeting_id, present_ids=room.ever_present)
    meeting_id, version = room.meeting_id, room.version
    transaction.on_commit(lambda: broadcast_version(meeting_id, version))


@transaction.atomic
def room_command(
    meeting_id: int,
    command: str,
    *,
    actor: User,
    seen_version: int | None,
    arguments: Mapping[str, str] | None = None,
) -> Room:
    """Apply one command from ``actor`` to the meeting's room; returns the room as stored.

    Raises Http404 (no such meeting), PolicyDenied (not in the circle), RoomRefusal (with its code)."""
    meeting = _meeting(meeting_id)
    require(actor, "rooms.enter", meeting.circle)
    if command not in COMMAND_NAMES:
        _refuse(meeting_id, actor, refusals.BAD_COMMAND)
    parsed = parse_command(command, arguments or {}, actor=actor.pk)
    room = _locked_room(meeting, actor)
    stored = codec.decode(room.state)
    people, facilitators = _people(meeting.circle_id)
    now = timezone.now()
    current = _reconcile(stored, people, facilitators, now)
    if command not in IDEMPOTENT_COMMANDS and seen_version != room.version:
        _refuse(meeting_id, actor, refusals.STALE_VERSION)
    if isinstance(parsed, Start):
        # The client turns chosen since the room opened give their roles now (explicit ones stay).
        current = dataclasses.replace(current, roles={**_turn_roles(meeting, current.role_names), **current.roles})
    outcome = reduce(current, parsed, now)
    if not isinstance(outcome, Accepted):
        _refuse(meeting_id, actor, outcome.code)
    _store(room, stored, outcome.state)
    return room


# --- presence (the WebSocket consumer) -----------------------------------------------------------


@transaction.atomic
def room_presence_join(meeting_id: int, user: User, connection: str) -> tuple[int, int]:
    """A socket of ``user`` opened on the room; returns (circle id, version).

    Raises Http404, PolicyDenied (not in the circle: the consumer closes with 4403)."""
    meeting = _meeting(meeting_id)
    require(user, "rooms.enter", meeting.circle)
    room = _locked_room(meeting, user)
    stored = codec.decode(room.state)
    people, facilitators = _people(meeting.circle_id)
    now = timezone.now()
    current = _reconcile(stored, people, facilitators, now)
    outcome = reduce(current, Join(actor=user.pk, connection=connection_id(connection)), now)
    after = outcome.state if isinstance(outcome, Accepted) else current
    _store(room, stored, after)
    return meeting.circle_id, room.version


@transaction.atomic
def room_presence_leave(meeting_id: int, user_id: int, connection: str) -> None:
    """A socket closed (whoever it was: someone who left the circle leaves the room too)."""
    room = Room.objects.select_for_update().filter(meeting_id=meeting_id).first()
    if room is None:
        return
    stored = codec.decode(room.state)
    outcome = reduce(stored, Leave(actor=user_id, connection=connection_id(connection)), timezone.now())
    if isinstance(outcome, Accepted) and outcome.changed:
        _store(room, stored, outcome.state)


# --- membership changes --------------------------------------------------------------------------


def room_membership_changed(event: str, membership: Membership) -> None:
    """Circles' hook, inside the membership change's transaction: the rooms of the circle that have not
    ended follow the circle (facilitators, people who left); someone no longer active is disconnected
    from every socket of theirs on the circle's rooms, after commit."""
    circle_id = membership.circle_id
    if membership.status != MembershipStatus.ACTIVE:
        user_id = membership.user_id
        transaction.on_commit(lambda: send_leave(user_id, circle_id))
    rooms = list(Room.objects.select_for_update(of=("self",)).filter(meeting__circle_id=circle_id, ended_at=None))
    if not rooms:
        return
    people, facilitators = _people(circle_id)
    now = timezone.now()
    for room in rooms:
        stored = codec.decode(room.state)
        _store(room, stored, _reconcile(stored, people, facilitators, now))


# --- broadcasting --------------------------------------------------------------------------------


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The change is committed; clients that miss the push re-read on their next poll or reconnect.
        logger.exception("room event to %s not sent", group)


def broadcast_version(meeting_id: int, version: int) -> None:
    """Tell every socket of the room that version ``version`` exists (they re-read the snapshot)."""
    _group_send(room_group(meeting_id), {"type": "room.version", "version": version})


def send_leave(user_id: int, circle_id: int) -> None:
    """Close the person's sockets on the rooms of ``circle_id`` (they left it or were removed)."""
    _group_send(user_group(user_id), {"type": "room.leave", "circle": circle_id})
