"""Writes of the rooms: the live state (first section), then what is written and the client turns.

A room's state changes only here, always the same way (docs/rooms.md):

1. the meeting's row is read and the policy asked (``rooms.enter``: an active member or facilitator);
2. the room's row is locked (``select_for_update``), its state decoded and *reconciled* with the circle
   as it is now (facilitators, people who left: see :func:`_reconcile`);
3. a command sent from a version older than the meeting's last change is refused (``stale_version``)
   unless it is idempotent — two facilitators pressing "next" at once move the meeting one step, not
   two; people arriving, leaving or raising a hand since do not make it stale (``_seen_is_current``);
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
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.core.checks import IN_MEMORY_LAYER
from cercles.core.policy import PolicyDenied, allows, require
from cercles.meetings.models import Meeting
from cercles.meetings.services import attendance_prefill
from cercles.methods.exceptions import MethodNotDescribed
from cercles.methods.protocol import Method, PlannedStep
from cercles.methods.selectors import circle_method
from cercles.notifications.services import message_enqueue
from cercles.people.models import User
from cercles.rooms import codec, refusals
from cercles.rooms import exceptions as errors
from cercles.rooms.exceptions import ArtefactConflict, ClientTurnError, WritingError, WritingNotAllowed
from cercles.rooms.models import ARTEFACT_MAX_CHARS, Artefact, ArtefactVisibility, ClientTurn, Commitment, Room
from cercles.rooms.reducer import MAX_CONNECTION_LENGTH, reduce, settle
from cercles.rooms.refusals import RoomRefusal
from cercles.rooms.selectors import (
    CLIENT_SUBJECT_MAX_CHARS,
    commitments_of,
    is_codeveloppement,
    room_progress,
    room_slot,
    still_writable,
    writing_role,
)
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
                # Kept in view for the rest of the meeting; holding the action plan's commitments.
                "pinned": slot.pinned,
                "commitments": slot.commitments,
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
    if seen_version is not None and not _seen_is_current(room, seen_version):
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


def _reconcile(
    state: RoomState,
    people: set[int],
    facilitators: set[int],
    now: datetime.datetime,
    *,
    meeting_id: int,
    poll_marks: Mapping[str, float],
) -> RoomState:
    """The state with the circle as it is now: who facilitates; people who left are out of the room
    (their tabs, roles, turns), and so are tabs that stopped polling and sockets of a process that
    stopped (see ``_sockets_here``); self-ending steps past their deadline are over. Same version."""
    fresh_polls = _fresh_poll_keys(poll_marks, now)
    reconciled = dataclasses.replace(
        state,
        facilitators=frozenset(facilitators),
        connections=frozenset(
            (person, connection)
            for person, connection in state.connections
            if person in people
            and (
                _poll_key(person, connection) in fresh_polls
                if connection.startswith(POLL_CONNECTION_PREFIX)
                else _socket_is_live(meeting_id, person, connection)
            )
        ),
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
    if not _only_presence_changed(before, after):
        room.meeting_version = after.version
    room.state = codec.encode(after)
    room.version = after.version
    room.updated_at = now
    ever = set(room.ever_present) | after.present
    room.ever_present = sorted(ever)
    # Marks of polling tabs that are no longer in the room go with them.
    room.poll_marks = {
        _poll_key(person, connection): room.poll_marks[_poll_key(person, connection)]
        for person, connection in after.connections
        if _poll_key(person, connection) in room.poll_marks
    }
    _record_step_time(room, before, after, now)
    if after.status != Status.WAITING and room.started_at is None:
        room.started_at = now
    ended_now = after.status == Status.ENDED and room.ended_at is None
    if ended_now:
        room.ended_at = after.ended_at or now
    room.save(
        update_fields=[
            "state",
            "version",
            "meeting_version",
            "updated_at",
            "ever_present",
            "poll_marks",
            "step_times",
            "started_at",
            "ended_at",
            *fields,
        ]
    )
    if ended_now:
        attendance_prefill(meeting_id=room.meeting_id, present_ids=room.ever_present)
    meeting_id, version = room.meeting_id, room.version
    transaction.on_commit(lambda: broadcast_version(meeting_id, version))


def _only_presence_changed(before: RoomState, after: RoomState) -> bool:
    """Whether ``after`` differs from ``before`` only in who is connected and whose hand is up."""
    return (
        dataclasses.replace(after, connections=before.connections, hands=before.hands, version=before.version) == before
    )


def _seen_is_current(room: Room, seen_version: int | None) -> bool:
    """Whether a command sent from ``seen_version`` was decided on the meeting as it is: someone arriving,
    leaving or raising a hand since does not change what a facilitator's "next" means."""
    return seen_version is not None and room.meeting_version <= seen_version <= room.version


def _record_step_time(room: Room, before: RoomState, after: RoomState, now: datetime.datetime) -> None:
    """Close the running step's stretch and open the next one when the step or the status changes (a
    pause closes it, resuming opens another). A step that ends by itself is recorded when the change is
    stored (the clients' "deadline reached", within a second of it while anyone is connected)."""
    if (before.status, before.step) == (after.status, after.step):
        return
    stamp = round(now.timestamp(), 1)
    stretches = [list(stretch) for stretch in room.step_times]
    if stretches and stretches[-1][2] is None:
        stretches[-1][2] = stamp
    if after.status == Status.RUNNING:
        stretches.append([after.step, stamp, None])
    room.step_times = stretches


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
    if meeting.is_cancelled:
        _refuse(meeting_id, actor, refusals.MEETING_CANCELLED)
    parsed = parse_command(command, arguments or {}, actor=actor.pk)
    room = _locked_room(meeting, actor)
    stored = codec.decode(room.state)
    people, facilitators = _people(meeting.circle_id)
    now = timezone.now()
    current = _reconcile(stored, people, facilitators, now, meeting_id=room.meeting_id, poll_marks=room.poll_marks)
    if command not in IDEMPOTENT_COMMANDS and not _seen_is_current(room, seen_version):
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


# The sockets open in this process: (meeting id, person, connection id). With the in-memory channel
# layer every socket of every room lives in this one process (the system check cercles.E001), so a socket
# connection in a room's state that is not here was left by a process that stopped without closing it (a
# restart during a meeting): reconciling drops it. With Redis, other processes hold sockets too, and this
# process cannot tell theirs from the dead ones: nothing is dropped (docs/rooms.md, known limits).
_sockets_here: set[tuple[int, int, str]] = set()
_sockets_here_lock = threading.Lock()


def _all_sockets_are_here() -> bool:
    return settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND") == IN_MEMORY_LAYER


def _socket_is_live(meeting_id: int, person: int, connection: str) -> bool:
    if connection.startswith(POLL_CONNECTION_PREFIX) or not _all_sockets_are_here():
        return True
    with _sockets_here_lock:
        return (meeting_id, person, connection) in _sockets_here


def room_presence_join(meeting_id: int, user: User, connection: str) -> tuple[int, int]:
    """A socket of ``user`` opened on the room; returns (circle id, version).

    Raises Http404, PolicyDenied (not in the circle: the consumer closes with 4403)."""
    # Known here before the room's row is locked: a join or command reconciling meanwhile keeps it.
    socket = (meeting_id, user.pk, connection_id(connection))
    with _sockets_here_lock:
        _sockets_here.add(socket)
    try:
        return _presence_join(meeting_id, user, connection)
    except BaseException:
        with _sockets_here_lock:
            _sockets_here.discard(socket)
        raise


@transaction.atomic
def _presence_join(meeting_id: int, user: User, connection: str) -> tuple[int, int]:
    meeting = _meeting(meeting_id)
    require(user, "rooms.enter", meeting.circle)
    room = _locked_room(meeting, user)
    stored = codec.decode(room.state)
    people, facilitators = _people(meeting.circle_id)
    now = timezone.now()
    current = _reconcile(stored, people, facilitators, now, meeting_id=room.meeting_id, poll_marks=room.poll_marks)
    outcome = reduce(current, Join(actor=user.pk, connection=connection_id(connection)), now)
    after = outcome.state if isinstance(outcome, Accepted) else current
    _store(room, stored, after)
    return meeting.circle_id, room.version


@transaction.atomic
def room_presence_leave(meeting_id: int, user_id: int, connection: str) -> None:
    """A socket closed (whoever it was: someone who left the circle leaves the room too)."""
    with _sockets_here_lock:
        _sockets_here.discard((meeting_id, user_id, connection_id(connection)))
    room = Room.objects.select_for_update().filter(meeting_id=meeting_id).first()
    if room is None:
        return
    stored = codec.decode(room.state)
    outcome = reduce(stored, Leave(actor=user_id, connection=connection_id(connection)), timezone.now())
    if isinstance(outcome, Accepted) and outcome.changed:
        _store(room, stored, outcome.state)


# --- presence of tabs that poll (no WebSocket) ----------------------------------------------------

# A polling tab's connection id in the state: the prefix tells it from a socket's channel name.
POLL_CONNECTION_PREFIX = "poll-"
POLL_CONNECTION_ID = re.compile(r"[A-Za-z0-9-]{8,40}")
# A polling tab asks every 5 s (room.js); its mark is rewritten at most this often, so that polls cost
# one read, not a write...
POLL_MARK_REWRITE = datetime.timedelta(seconds=20)
# ...and a tab unheard of for this long has gone (closed, asleep, offline): out of the room.
POLL_PRESENCE_TIMEOUT = datetime.timedelta(seconds=60)


def _poll_key(person: int, connection: str) -> str:
    return f"{person}/{connection}"


def _fresh_poll_keys(poll_marks: Mapping[str, float], now: datetime.datetime) -> set[str]:
    oldest = now.timestamp() - POLL_PRESENCE_TIMEOUT.total_seconds()
    return {key for key, seen in poll_marks.items() if seen >= oldest}


def room_presence_poll(meeting_id: int, user: User, tab: str = "") -> None:
    """A sign of life from a tab of ``user`` on the room.

    ``tab`` names a tab that follows the room by polling the snapshot (its WebSocket cannot open): the
    person is present while that tab polls, as with an open socket. Empty for a socket's ping (a socket's
    presence is the socket itself). Either way, tabs that stopped polling leave the room. Costs one read;
    writes only when someone arrives or leaves, or a tab's mark gets old. A malformed ``tab`` counts for
    nothing. Raises Http404, PolicyDenied when it has to write."""
    if tab and not POLL_CONNECTION_ID.fullmatch(tab):
        tab = ""
    now = timezone.now()
    marks = Room.objects.filter(meeting_id=meeting_id).values_list("poll_marks", flat=True).first()
    if marks is None:
        return
    key = _poll_key(user.pk, POLL_CONNECTION_PREFIX + tab) if tab else ""
    mark_is_recent = not key or marks.get(key, 0) >= now.timestamp() - POLL_MARK_REWRITE.total_seconds()
    if mark_is_recent and len(_fresh_poll_keys(marks, now)) == len(marks):
        return
    _presence_poll_store(meeting_id, user, POLL_CONNECTION_PREFIX + tab if tab else "", now)


@transaction.atomic
def _presence_poll_store(meeting_id: int, user: User, connection: str, now: datetime.datetime) -> None:
    meeting = _meeting(meeting_id)
    require(user, "rooms.enter", meeting.circle)
    room = _locked_room(meeting, user)
    stored = codec.decode(room.state)
    people, facilitators = _people(meeting.circle_id)
    current = _reconcile(stored, people, facilitators, now, meeting_id=room.meeting_id, poll_marks=room.poll_marks)
    if connection:
        outcome = reduce(current, Join(actor=user.pk, connection=connection), now)
        if isinstance(outcome, Accepted):
            current = outcome.state
            room.poll_marks = {**room.poll_marks, _poll_key(user.pk, connection): now.timestamp()}
    _store(room, stored, current, fields=["poll_marks"])


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
        _store(
            room,
            stored,
            _reconcile(stored, people, facilitators, now, meeting_id=room.meeting_id, poll_marks=room.poll_marks),
        )


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


# --- writing -----------------------------------------------------------------------------------------

MAX_COMMITMENTS = 20
COMMITMENT_MAX_CHARS = 300
COMMITMENT_HORIZON = datetime.timedelta(days=730)


@dataclass(frozen=True)
class CommitmentDraft:
    """One line of an action plan as typed: the text and the due date (ISO or jj/mm/aaaa, may be empty)."""

    text: str
    due: str = ""


@dataclass(frozen=True)
class SavedArtefact:
    artefact: Artefact
    version: int
    changed: bool  # False when the text was already the stored one (a repeated save)


def _parse_day(value: str) -> datetime.date | None:
    """A date typed as ISO (a date field) or as jj/mm/aaaa (typed by hand); None when it is neither."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    parts = value.split("/")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        try:
            return datetime.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return None
    return None


def _checked_commitments(drafts: Sequence[CommitmentDraft], meeting: Meeting) -> list[tuple[str, datetime.date | None]]:
    """The plan's lines, empty ones dropped; raises WritingError naming the faulty line (counted from 1)."""
    meeting_day = timezone.localdate(meeting.starts_at)
    checked: list[tuple[str, datetime.date | None]] = []
    for number, draft in enumerate(drafts, start=1):
        text, due_typed = draft.text.strip(), draft.due.strip()
        if not text and not due_typed:
            continue
        if not text:
            raise WritingError(errors.COMMITMENT_WITHOUT_TEXT.format(number=number), code="bad_commitment")
        if len(text) > COMMITMENT_MAX_CHARS:
            raise WritingError(
                errors.COMMITMENT_TOO_LONG.format(number=number, max=COMMITMENT_MAX_CHARS), code="bad_commitment"
            )
        due = None
        if due_typed:
            due = _parse_day(due_typed)
            if due is None:
                raise WritingError(errors.COMMITMENT_BAD_DATE.format(number=number), code="bad_commitment")
            if due < meeting_day:
                raise WritingError(
                    errors.COMMITMENT_DATE_BEFORE.format(number=number, date=meeting_day.strftime("%d/%m/%Y")),
                    code="bad_commitment",
                )
            if due > meeting_day + COMMITMENT_HORIZON:
                raise WritingError(errors.COMMITMENT_DATE_TOO_FAR.format(number=number), code="bad_commitment")
        checked.append((text, due))
    if len(checked) > MAX_COMMITMENTS:
        raise WritingError(errors.TOO_MANY_COMMITMENTS.format(max=MAX_COMMITMENTS), code="bad_commitment")
    return checked


def _room_for_writing(meeting_id: int) -> Room:
    room = Room.objects.select_related("meeting__circle__kind").filter(meeting_id=meeting_id).first()
    if room is None:
        if not Meeting.objects.filter(pk=meeting_id).exists():
            raise errors.MeetingNotFound()
        raise errors.RoomNotOpen()
    return room


def _check_may_write(room: Room, *, author: User, step: int, slot_key: str) -> dict[str, object]:
    """The slot's document if ``author`` may write in it now; raises PolicyDenied or WritingError."""
    circle = room.meeting.circle
    if not allows(author, "rooms.enter", circle):
        raise PolicyDenied("rooms.enter")
    slot = room_slot(room, step, slot_key)
    if slot is None:
        raise WritingError(errors.NO_SUCH_SLOT, code="no_such_slot")
    progress = room_progress(room)
    if not progress.has_reached(step):
        raise WritingError(errors.STEP_NOT_REACHED, code="step_not_reached")
    if not still_writable(room, progress):
        raise WritingError(errors.WRITING_CLOSED, code="writing_closed")
    writers = slot.get("writers") or []
    if writers and writing_role(room, author) not in writers:
        raise WritingNotAllowed(errors.NOT_A_WRITER, code="not_a_writer")
    return slot


@transaction.atomic
def artefact_save(
    meeting_id: int,
    *,
    author: User,
    step: int,
    slot_key: str,
    text: str,
    seen_version: int,
    commitments: Sequence[CommitmentDraft] | None = None,
) -> SavedArtefact:
    """Save ``author``'s draft in a slot of a step the meeting has reached (as they type; no broadcast).

    ``seen_version`` is the version the text was typed on (0 for a first save). A save on another
    version is refused with ArtefactConflict carrying the stored text and version, so that the page can
    show both and nothing is silently overwritten — unless the text (and plan) is already the stored one.
    ``commitments`` (for an action-plan slot) replaces the plan's lines. The artefact keeps the slot's
    visibility. Raises PolicyDenied, RoomNotOpen, WritingError, WritingNotAllowed, ArtefactConflict.
    """
    room = _room_for_writing(meeting_id)
    slot = _check_may_write(room, author=author, step=step, slot_key=slot_key)
    text = text.replace("\r\n", "\n")
    if len(text) > ARTEFACT_MAX_CHARS:
        raise WritingError(errors.TEXT_TOO_LONG.format(max=ARTEFACT_MAX_CHARS, count=len(text)), code="too_long")
    if commitments is not None and not slot.get("commitments"):
        raise WritingError(errors.NO_COMMITMENTS_HERE, code="no_commitments")
    lines = _checked_commitments(commitments, room.meeting) if commitments is not None else None
    now = timezone.now()
    artefact = (
        Artefact.objects.select_for_update().filter(room=room, step=step, slot_key=slot_key, author=author).first()
    )
    if artefact is None:
        if seen_version != 0:
            # Saved by no one yet, but the page believed there was a version: a stale page of an erased draft.
            raise ArtefactConflict(text="", version=0)
        try:
            with transaction.atomic():
                artefact = Artefact.objects.create(
                    room=room,
                    step=step,
                    phase_key=str(room.steps[step].get("key", "")),
                    slot_key=slot_key,
                    author=author,
                    visibility=str(slot.get("visibility") or ArtefactVisibility.AUTHOR),
                    text=text,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            # Another tab created it at the same moment: same treatment as any other stale save.
            stored = Artefact.objects.get(room=room, step=step, slot_key=slot_key, author=author)
            raise ArtefactConflict(
                text=stored.text, version=stored.version, commitments=commitments_of(stored)
            ) from None
        if lines:
            _replace_commitments(artefact, lines)
        return SavedArtefact(artefact=artefact, version=artefact.version, changed=True)
    same_plan = lines is None or [(c["text"], c["due_on"]) for c in commitments_of(artefact)] == [
        (text_, due.isoformat() if due else "") for text_, due in lines
    ]
    if artefact.text == text and same_plan:
        return SavedArtefact(artefact=artefact, version=artefact.version, changed=False)
    if artefact.version != seen_version:
        raise ArtefactConflict(text=artefact.text, version=artefact.version, commitments=commitments_of(artefact))
    artefact.text = text
    artefact.version += 1
    artefact.updated_at = now
    artefact.save(update_fields=["text", "version", "updated_at"])
    if lines is not None:
        _replace_commitments(artefact, lines)
    return SavedArtefact(artefact=artefact, version=artefact.version, changed=True)


def _replace_commitments(artefact: Artefact, lines: list[tuple[str, datetime.date | None]]) -> None:
    Commitment.objects.filter(artefact=artefact).delete()
    Commitment.objects.bulk_create(
        Commitment(artefact=artefact, position=position, text=text, due_on=due)
        for position, (text, due) in enumerate(lines)
    )


class ShareWhat:
    CIRCLE = "cercle"
    PUBLICATION = "publication"


@transaction.atomic
def artefact_share(
    meeting_id: int, *, author: User, step: int, slot_key: str, what: str = ShareWhat.CIRCLE
) -> Artefact:
    """The author widens their writing to the circle (``cercle``), or consents to its publication
    (``publication``, for a "publiable" slot). Repeating either changes nothing.

    Raises PolicyDenied, RoomNotOpen, WritingError (nothing written yet, already visible, not publishable).
    """
    room = _room_for_writing(meeting_id)
    if not allows(author, "rooms.enter", room.meeting.circle):
        raise PolicyDenied("rooms.enter")
    if what not in (ShareWhat.CIRCLE, ShareWhat.PUBLICATION):
        raise WritingError(errors.SHARE_WHAT_UNKNOWN, code="bad_share")
    artefact = (
        Artefact.objects.select_for_update().filter(room=room, step=step, slot_key=slot_key, author=author).first()
    )
    if artefact is None or (not artefact.text.strip() and not artefact.commitments.exists()):
        raise WritingError(errors.NOTHING_TO_SHARE, code="nothing_to_share")
    now = timezone.now()
    if what == ShareWhat.PUBLICATION:
        if artefact.visibility != ArtefactVisibility.PUBLISHABLE:
            raise WritingError(errors.NOT_PUBLISHABLE, code="not_publishable")
        if artefact.publication_consent_at is None:
            artefact.publication_consent_at = now
            artefact.save(update_fields=["publication_consent_at"])
        return artefact
    if artefact.visibility in (ArtefactVisibility.CIRCLE, ArtefactVisibility.PUBLISHABLE):
        raise WritingError(errors.ALREADY_VISIBLE, code="already_visible")
    if artefact.shared_at is None:
        artefact.shared_at = now
        artefact.save(update_fields=["shared_at"])
    return artefact


# --- client turns ------------------------------------------------------------------------------------

CLIENT_CHOSEN = "rooms.client_chosen"


def _meeting_for_turns(meeting_id: int, *, lock: bool = True) -> Meeting:
    query = Meeting.objects.select_related("circle__kind")
    if lock:
        query = query.select_for_update(of=("self",))
    meeting = query.filter(pk=meeting_id).first()
    if meeting is None:
        raise errors.MeetingNotFound()
    return meeting


def _check_turns_editable(meeting: Meeting, actor: User) -> None:
    if not allows(actor, "rooms.choose_client", meeting.circle):
        raise PolicyDenied("rooms.choose_client")
    if not is_codeveloppement(meeting.circle):
        raise ClientTurnError(errors.NOT_A_CODEVELOPPEMENT)
    if meeting.cancelled_at is not None:
        raise ClientTurnError(errors.MEETING_CANCELLED)
    if meeting.ends_at <= timezone.now():
        raise ClientTurnError(errors.MEETING_OVER)


def _tell_client(meeting: Meeting, person: User) -> None:
    # Only ahead of the meeting: a client replaced in the room at the start is told there, not by e-mail.
    if meeting.starts_at > timezone.now():
        message_enqueue(kind=CLIENT_CHOSEN, recipient=person, about={"meeting": meeting.pk, "person": person.pk})


def _room_roles_follow_turns(meeting: Meeting, actor: User, before: dict[int, int], after: dict[int, int]) -> None:
    """When the meeting's room is open, give the client roles to the new clients and take them back from
    the former ones, through the reducer (AssignRole by the facilitator), so that the room, its speaking
    order and what each may write follow the choice at once. ``before``/``after``: person -> position."""
    room = Room.objects.select_for_update().filter(meeting=meeting).first()
    if room is None:
        return
    try:
        stored = codec.decode(room.state)
    except codec.CodecError:
        return
    people, facilitators = _people(meeting.circle_id)
    now = timezone.now()
    state = _reconcile(stored, people, facilitators, now, meeting_id=room.meeting_id, poll_marks=room.poll_marks)
    changes: list[Command] = [
        AssignRole(actor=actor.pk, person=person, role=None)
        for person, position in before.items()
        if after.get(person) != position and state.roles.get(person) == CLIENT_ROLES.get(position)
    ]
    changes += [
        AssignRole(actor=actor.pk, person=person, role=CLIENT_ROLES[position])
        for person, position in after.items()
        if CLIENT_ROLES.get(position) in state.role_names and state.roles.get(person) != CLIENT_ROLES[position]
    ]
    for change in changes:
        outcome = reduce(state, change, now)
        if isinstance(outcome, Accepted):
            state = outcome.state
    _store(room, stored, state)


@transaction.atomic
def client_turns_choose(meeting_id: int, *, chosen_by: User, people: Sequence[int]) -> list[ClientTurn]:
    """Make ``people`` (one, or two for the two-client variant) the meeting's clients, in that order.

    A facilitator's choice, before the meeting or during it (an absent client replaced at the start).
    Each must be an active member who is not a facilitator. A person who stays client keeps the subject
    they prepared; a person newly chosen is told by e-mail (before the meeting only). Records an audit row.
    Raises PolicyDenied, DomainNotFound, ClientTurnError.
    """
    meeting = _meeting_for_turns(meeting_id)
    _check_turns_editable(meeting, chosen_by)
    if not 1 <= len(people) <= 2:
        raise ClientTurnError(errors.CLIENT_COUNT)
    if len(set(people)) != len(people):
        raise ClientTurnError(errors.CLIENT_TWICE)
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.select_related("user").filter(circle=meeting.circle, user_id__in=people)
    }
    for field, person_id in zip(("client", "client_2"), people, strict=False):
        membership = memberships.get(person_id)
        if membership is None or membership.status != MembershipStatus.ACTIVE or not membership.user.is_active:
            raise ClientTurnError(errors.CLIENT_NOT_MEMBER, field=field)
        if membership.role == MembershipRole.FACILITATOR:
            raise ClientTurnError(errors.CLIENT_IS_FACILITATOR, field=field)
    previous = {turn.person_id: turn for turn in ClientTurn.objects.filter(meeting=meeting)}
    before = {person_id: turn.position for person_id, turn in previous.items()}
    ClientTurn.objects.filter(meeting=meeting).delete()
    now = timezone.now()
    turns = []
    for position, person_id in enumerate(people, start=1):
        kept = previous.get(person_id)
        turns.append(
            ClientTurn.objects.create(
                meeting=meeting,
                person_id=person_id,
                position=position,
                subject=kept.subject if kept else "",
                chosen_by=chosen_by,
                chosen_at=kept.chosen_at if kept else now,
                updated_at=now,
            )
        )
        if kept is None:
            _tell_client(meeting, memberships[person_id].user)
    _room_roles_follow_turns(meeting, chosen_by, before, {turn.person_id: turn.position for turn in turns})
    for turn in turns:  # one row per person chosen: the log is read person by person
        audit_record(
            actor=chosen_by,
            action=AuditAction.CLIENT_CHOOSE,
            person=turn.person_id,
            circle=meeting.circle,
            object_kind="meeting",
            object_id=meeting.pk,
            changes=["client" if turn.position == 1 else "client_2"],
        )
    return turns


@transaction.atomic
def client_turns_swap(meeting_id: int, other_meeting_id: int, *, swapped_by: User) -> tuple[ClientTurn, ClientTurn]:
    """Swap the (first) clients of two future meetings of a circle; each keeps the subject they prepared.

    Both clients are told by e-mail of their new date. Records an audit row.
    Raises PolicyDenied, DomainNotFound, ClientTurnError.
    """
    if meeting_id == other_meeting_id:
        raise ClientTurnError(errors.SWAP_SAME_MEETING, field="other_meeting")
    # Locked in id order, so that two swaps of the same pair never wait on each other.
    first_id, second_id = sorted((meeting_id, other_meeting_id))
    locked = {first_id: _meeting_for_turns(first_id), second_id: _meeting_for_turns(second_id)}
    meeting, other = locked[meeting_id], locked[other_meeting_id]
    _check_turns_editable(meeting, swapped_by)
    if other.circle_id != meeting.circle_id:
        raise ClientTurnError(errors.SWAP_OTHER_CIRCLE, field="other_meeting")
    now = timezone.now()
    if meeting.starts_at <= now or other.starts_at <= now or other.cancelled_at is not None:
        raise ClientTurnError(errors.SWAP_PAST, field="other_meeting")
    turn = ClientTurn.objects.select_related("person").filter(meeting=meeting, position=1).first()
    other_turn = ClientTurn.objects.select_related("person").filter(meeting=other, position=1).first()
    if turn is None or other_turn is None:
        raise ClientTurnError(errors.SWAP_NEEDS_CLIENTS, field="other_meeting")
    if ClientTurn.objects.filter(meeting=meeting, person=other_turn.person).exclude(pk=turn.pk).exists() or (
        ClientTurn.objects.filter(meeting=other, person=turn.person).exclude(pk=other_turn.pk).exists()
    ):
        raise ClientTurnError(errors.CLIENT_TWICE, field="other_meeting")
    person, subject = turn.person, turn.subject
    other_person, other_subject = other_turn.person, other_turn.subject
    ClientTurn.objects.filter(pk__in=[turn.pk, other_turn.pk]).delete()
    swapped = (
        ClientTurn.objects.create(
            meeting=meeting,
            person=other_person,
            position=1,
            subject=other_subject,
            chosen_by=swapped_by,
            updated_at=now,
        ),
        ClientTurn.objects.create(
            meeting=other, person=person, position=1, subject=subject, chosen_by=swapped_by, updated_at=now
        ),
    )
    _tell_client(meeting, other_person)
    _tell_client(other, person)
    _room_roles_follow_turns(meeting, swapped_by, {person.pk: 1}, {other_person.pk: 1})
    _room_roles_follow_turns(other, swapped_by, {other_person.pk: 1}, {person.pk: 1})
    for moved in swapped:  # one row per person whose date changed
        audit_record(
            actor=swapped_by,
            action=AuditAction.CLIENT_SWAP,
            person=moved.person_id,
            circle=meeting.circle,
            object_kind="meeting",
            object_id=moved.meeting_id,
            changes=["client"],
        )
    return swapped


@transaction.atomic
def client_subject_save(
    meeting_id: int, *, client: User, subject: str, seen_updated_at: datetime.datetime | None = None
) -> ClientTurn:
    """The client writes the subject they will bring (read by them and the circle's facilitators only).

    ``seen_updated_at`` is when the subject the page showed was saved: a save over a newer one (another
    tab) is refused with SubjectConflict carrying the stored text, unless the texts are the same.
    Raises PolicyDenied (not the client), DomainNotFound, ClientTurnError (too long, meeting over).
    """
    meeting = _meeting_for_turns(meeting_id, lock=False)
    turn = (
        ClientTurn.objects.select_for_update(of=("self",))
        .select_related("meeting__circle")
        .filter(meeting=meeting, person=client)
        .first()
    )
    if turn is None or not allows(client, "rooms.prepare_subject", turn):
        raise PolicyDenied("rooms.prepare_subject")
    subject = subject.replace("\r\n", "\n").strip()
    if len(subject) > CLIENT_SUBJECT_MAX_CHARS:
        raise ClientTurnError(errors.SUBJECT_TOO_LONG.format(max=CLIENT_SUBJECT_MAX_CHARS), field="subject")
    if meeting.ends_at <= timezone.now():
        raise ClientTurnError(errors.MEETING_OVER, field="subject")
    if turn.subject == subject:
        return turn
    if seen_updated_at is not None and seen_updated_at != turn.updated_at:
        raise errors.SubjectConflict(stored=turn.subject)
    turn.subject = subject
    turn.updated_at = timezone.now()
    turn.save(update_fields=["subject", "updated_at"])
    return turn
