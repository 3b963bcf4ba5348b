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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Prefetch
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cercles.circles.models import Circle, Membership, MembershipRole, MembershipStatus
from cercles.core.policy import PolicyDenied, allows, require
from cercles.meetings.models import Meeting, Rsvp, RsvpAnswer
from cercles.methods.library import CLIENT_ROLES, CODEVELOPPEMENT_SLUG, PREVIOUS_CLIENT_ROLE, SUBJECT_SLOTS
from cercles.people.models import User
from cercles.rooms import codec
from cercles.rooms.exceptions import MeetingNotFound
from cercles.rooms.models import Artefact, ArtefactVisibility, ClientTurn, Commitment, Room
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
    room.meeting = meeting  # the writing part reads the circle (and its policy cache) through it
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


# --- writing -----------------------------------------------------------------------------------------

# People finish their learnings after the meeting; a day later what was written stays as it is.
WRITING_GRACE = datetime.timedelta(days=1)
CLIENT_SUBJECT_MAX_CHARS = 4000


def visibility_label(visibility: str, *, shared: bool = False) -> str:
    """Who reads a writing, said to its author."""
    if shared or visibility == ArtefactVisibility.CIRCLE:
        return _("Visible par le cercle")
    if visibility == ArtefactVisibility.PUBLISHABLE:
        return _("Visible par le cercle ; publiable seulement avec votre accord")
    if visibility == ArtefactVisibility.AUTHOR_AND_FACILITATORS:
        return _("Visible par vous et l'animation")
    return _("Visible par vous seul·e")


@dataclass(frozen=True)
class RoomProgress:
    """Where the meeting is: its status and the index of its current step."""

    status: str
    step: int

    @property
    def started(self) -> bool:
        return self.status != "attente"

    @property
    def ended(self) -> bool:
        return self.status == "terminee"

    def has_reached(self, step: int) -> bool:
        return self.ended or (self.started and step <= self.step)


def _decoded(room: Room) -> RoomState | None:
    """The room's stored state, or None when the document is not one the codec wrote (never a 500)."""
    try:
        return codec.decode(room.state)
    except codec.CodecError:
        return None


def room_progress(room: Room, state_view: Any = None) -> RoomProgress:
    """The room's status and step now, from the derived view when the caller has one (the snapshot)."""
    if state_view is None:
        state = _decoded(room)
        if state is None:
            return RoomProgress(status=Status.WAITING.value, step=0)
        now = timezone.now()
        state_view = view(settle(state, now), now)
    return RoomProgress(status=str(state_view.status), step=int(state_view.step))


def still_writable(room: Room, progress: RoomProgress) -> bool:
    """Whether drafts may still be saved: until a day after the end (learnings finished late)."""
    if not progress.ended:
        return True
    ended_at = room.ended_at or room.meeting.ends_at
    return timezone.now() <= ended_at + WRITING_GRACE


def _present(room: Room) -> frozenset[int]:
    state = _decoded(room)
    return state.present if state is not None else frozenset()


def _state_roles(room: Room) -> dict[int, str]:
    """The roles the room's state gives (the client turns' when it opened, the facilitator's choices)."""
    state = _decoded(room)
    return dict(state.roles) if state is not None else {}


def room_slot(room: Room, step: int, slot_key: str) -> dict[str, Any] | None:
    """The slot ``slot_key`` of the room's step ``step`` (as frozen when the room opened), or None."""
    steps = room.steps if isinstance(room.steps, list) else []
    if not 0 <= step < len(steps):
        return None
    return next((slot for slot in _slots(steps[step]) if slot.get("key") == slot_key), None)


def _slots(step: Any) -> list[dict[str, Any]]:
    slots = step.get("slots") if isinstance(step, dict) else None
    return [slot for slot in slots or [] if isinstance(slot, dict)]


def _is_retour_step(step: Any) -> bool:
    """The step where the previous client reports back: their role speaks or writes in it."""
    if not isinstance(step, dict):
        return False
    return PREVIOUS_CLIENT_ROLE in (step.get("speakers") or []) or any(
        PREVIOUS_CLIENT_ROLE in (slot.get("writers") or []) for slot in _slots(step)
    )


def is_codeveloppement(circle: Circle) -> bool:
    return bool(circle.kind.slug == CODEVELOPPEMENT_SLUG)


@dataclass(frozen=True)
class RoleContext:
    """Roles for writing: the room's state (the client turns' roles given when it opened or when the
    client changed, the facilitator's assignments), else the method's default role."""

    assigned: dict[int, str]
    previous_clients: frozenset[int]
    default_role: str

    def role_of(self, person_id: int) -> str:
        return self.assigned.get(person_id, self.default_role)


def _previous_turns(meeting: Meeting) -> list[ClientTurn]:
    """The client turns of the circle's latest meeting before this one that had a client (one query)."""
    turns = list(
        ClientTurn.objects.filter(
            meeting__circle_id=meeting.circle_id, meeting__cancelled_at=None, meeting__starts_at__lt=meeting.starts_at
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at", "-meeting_id", "position")[:4]
    )
    return [turn for turn in turns if turn.meeting_id == turns[0].meeting_id] if turns else []


def role_context(room: Room) -> RoleContext:
    state = _decoded(room)
    assigned = dict(state.roles) if state is not None else {}
    # The previous client: the last meeting with a client turn, or whoever holds that role in the room.
    previous = {turn.person_id for turn in _previous_turns(room.meeting)}
    previous |= {person for person, role in assigned.items() if role == PREVIOUS_CLIENT_ROLE}
    return RoleContext(
        assigned=assigned,
        previous_clients=frozenset(previous),
        default_role=state.default_role if state is not None else "",
    )


def writing_role(room: Room, person: User) -> str:
    return role_context(room).role_of(person.pk)


def commitments_of(artefact: Artefact) -> list[dict[str, str]]:
    """An action plan's lines as the page shows them (uses a prefetch when there is one)."""
    return [
        {
            "text": commitment.text,
            "due_on": commitment.due_on.isoformat() if commitment.due_on else "",
            "due_on_display": commitment.due_on.strftime("%d/%m/%Y") if commitment.due_on else "",
        }
        for commitment in artefact.commitments.all()
    ]


def _author_name(artefact: Artefact) -> str:
    return artefact.author.get_full_name() or _("Un·e membre")


def _readable(user: User, artefacts: Iterable[Artefact]) -> list[Artefact]:
    return [artefact for artefact in artefacts if allows(user, "rooms.read_artefact", artefact)]


def _artefacts_of(room: Room) -> list[Artefact]:
    artefacts = list(
        Artefact.objects.filter(room=room)
        .select_related("author")
        .prefetch_related(Prefetch("commitments", queryset=Commitment.objects.order_by("position", "id")))
    )
    for artefact in artefacts:
        artefact.room = room  # the policy reads the circle through it: no query per artefact
    return artefacts


def _path(name: str, meeting_id: int) -> str:
    try:
        return reverse(name, args=[meeting_id])
    except NoReverseMatch:  # pragma: no cover - the page is another part of the room (merged separately)
        return ""


def room_writing_for(room: Room, user: User, state_view: Any = None) -> dict[str, Any]:
    """What ``user`` writes and reads in the room now, for the snapshot's "writing" key.

    ``slots``: the current step's slots the person may write (their own text, version, plan) or read
    (others' texts they may read); ``pinned``: what pinned slots of earlier steps hold (the client's
    subject and request, kept in view during the consultation); ``retour``: at the previous client's
    report, that client's action plan, to whoever may read it. Ids and texts only for what the policy
    lets ``user`` read. A constant number of queries whatever the number of writings.
    """
    progress = room_progress(room, state_view)
    steps = room.steps if isinstance(room.steps, list) else []
    writing: dict[str, Any] = {
        "save_url": _path("rooms:write", room.meeting_id),
        "share_url": _path("rooms:share", room.meeting_id),
        "slots": [],
        "pinned": [],
        "retour": [],
        "client": {"turns": [], "absent": [], "page_url": ""},
    }
    if not allows(user, "rooms.enter", room.meeting.circle):
        return writing
    present = getattr(state_view, "present", None)
    writing["client"] = room_client_for(room, user, present if present is not None else _present(room))
    if not progress.started or not steps:
        return writing
    current = min(progress.step, len(steps) - 1)
    writable = still_writable(room, progress)
    context = role_context(room)
    my_role = context.role_of(user.pk)
    readable = _readable(user, _artefacts_of(room))
    mine = {(a.step, a.slot_key): a for a in readable if a.author_id == user.pk}
    prepared = _prepared_subjects(room, user, _slots(steps[current]), mine, current)
    for slot in _slots(steps[current]):
        writers = slot.get("writers") or []
        can_write = writable and (not writers or my_role in writers)
        key = str(slot.get("key", ""))
        others = [
            _item(artefact)
            for artefact in readable
            if artefact.step == current and artefact.slot_key == key and artefact.author_id != user.pk
        ]
        if not can_write and not others and (current, key) not in mine:
            continue
        item = _slot_for(slot, current, mine.get((current, key)), can_write, others)
        if can_write and key in prepared:
            item["text"] = prepared[key]  # a first save (version 0) keeps it
        writing["slots"].append(item)
    if not progress.ended:
        pinned_keys = {
            (index, str(slot.get("key")))
            for index, step in enumerate(steps[:current])
            for slot in _slots(step)
            if slot.get("pinned")
        }
        writing["pinned"] = [
            {**_item(artefact), "step": artefact.step, "slot": artefact.slot_key, "name": _slot_name(steps, artefact)}
            for artefact in readable
            if (artefact.step, artefact.slot_key) in pinned_keys and artefact.text.strip()
        ]
    if _is_retour_step(steps[current]):
        writing["retour"] = _previous_plans(room, context, user)
    return writing


def _prepared_subjects(
    room: Room, user: User, slots: list[dict[str, Any]], mine: dict[tuple[int, str], Artefact], step: int
) -> dict[str, str]:
    """The subject the client prepared ahead, for their subject slot not yet written (slot key -> text)."""
    wanted = {
        str(slot.get("key")): SUBJECT_SLOTS[str(slot.get("key"))]
        for slot in slots
        if slot.get("key") in SUBJECT_SLOTS and (step, slot.get("key")) not in mine
    }
    if not wanted:
        return {}
    subjects = dict(
        ClientTurn.objects.filter(meeting_id=room.meeting_id, person=user).values_list("position", "subject")
    )
    return {key: subjects[position] for key, position in wanted.items() if subjects.get(position)}


def _slot_name(steps: list[Any], artefact: Artefact) -> str:
    slots = _slots(steps[artefact.step]) if 0 <= artefact.step < len(steps) else []
    slot = next((s for s in slots if s.get("key") == artefact.slot_key), None)
    return str(slot.get("name", artefact.slot_key)) if slot else artefact.slot_key


def _item(artefact: Artefact) -> dict[str, Any]:
    return {
        "author": _author_name(artefact),
        "author_id": artefact.author_id,
        "text": artefact.text,
        "plan": commitments_of(artefact),
        "shared": artefact.shared_at is not None,
    }


def _slot_for(
    slot: dict[str, Any], step: int, artefact: Artefact | None, can_write: bool, others: list[dict[str, Any]]
) -> dict[str, Any]:
    visibility = str(slot.get("visibility", ArtefactVisibility.AUTHOR))
    shared = artefact is not None and artefact.shared_at is not None
    private = visibility in (ArtefactVisibility.AUTHOR, ArtefactVisibility.AUTHOR_AND_FACILITATORS)
    return {
        "step": step,
        "key": str(slot.get("key", "")),
        "name": str(slot.get("name", "")),
        "help": str(slot.get("help", "")),
        "visibility": visibility,
        "visibility_label": visibility_label(visibility, shared=shared),
        "pinned": bool(slot.get("pinned")),
        "holds_commitments": bool(slot.get("commitments")),
        "can_write": can_write,
        "text": artefact.text if artefact else "",
        "version": artefact.version if artefact else 0,
        "saved_at": artefact.updated_at.isoformat() if artefact else None,
        "saved_at_display": timezone.localtime(artefact.updated_at).strftime("%H:%M") if artefact else "",
        "plan": commitments_of(artefact) if artefact else [],
        "shared": shared,
        "can_share": artefact is not None and private and not shared,
        "can_consent": artefact is not None
        and visibility == ArtefactVisibility.PUBLISHABLE
        and artefact.publication_consent_at is None,
        "others": others,
    }


def _previous_plans(room: Room, context: RoleContext, user: User) -> list[dict[str, Any]]:
    """The previous client's action plans (slots holding commitments) that ``user`` may read."""
    if not context.previous_clients:
        return []
    previous_meeting_ids = ClientTurn.objects.filter(person_id__in=context.previous_clients).values("meeting_id")
    previous_room = (
        Room.objects.filter(
            meeting__circle_id=room.meeting.circle_id,
            meeting__starts_at__lt=room.meeting.starts_at,
            meeting_id__in=previous_meeting_ids,
        )
        .select_related("meeting")
        .order_by("-meeting__starts_at")
        .first()
    )
    if previous_room is None:
        return []
    previous_room.meeting.circle = room.meeting.circle  # the same circle: its policy cache is reused
    steps = previous_room.steps if isinstance(previous_room.steps, list) else []
    plan_slots = {
        (index, str(slot.get("key")))
        for index, step in enumerate(steps)
        for slot in _slots(step)
        if slot.get("commitments")
    }
    plans = [
        artefact
        for artefact in _artefacts_of(previous_room)
        if (artefact.step, artefact.slot_key) in plan_slots and artefact.author_id in context.previous_clients
    ]
    return [{**_item(artefact), "name": _slot_name(steps, artefact)} for artefact in _readable(user, plans)]


# --- client turns ------------------------------------------------------------------------------------

TWO_CLIENTS_PROTOCOL = "deux_clients"


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("circle__kind").filter(pk=meeting_id).first()
    if meeting is None:
        raise MeetingNotFound()
    return meeting


def ranked_candidates(meeting: Meeting) -> list[User]:
    """The circle's members who may be the meeting's client, fairest first (four queries).

    Active members who are not facilitators and have not said they will not come; ordered by the
    number of turns they had in the circle's other meetings (so that everyone is client once per cycle
    before anyone twice), then the longest since their last turn, then who joined first.
    """
    memberships = list(
        Membership.objects.select_related("user")
        .filter(
            circle_id=meeting.circle_id,
            status=MembershipStatus.ACTIVE,
            role=MembershipRole.PARTICIPANT,
            user__is_active=True,
        )
        .order_by("joined_at", "requested_at", "user_id")
    )
    declined = set(Rsvp.objects.filter(meeting=meeting, answer=RsvpAnswer.NO).values_list("user_id", flat=True))
    turns = {
        row["person_id"]: (row["count"], row["last"])
        for row in ClientTurn.objects.filter(meeting__circle_id=meeting.circle_id, meeting__cancelled_at=None)
        .exclude(meeting=meeting)
        .values("person_id")
        .annotate(count=Count("id"), last=Max("meeting__starts_at"))
    }
    never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    ranked = sorted(
        (membership for membership in memberships if membership.user_id not in declined),
        key=lambda membership: (
            turns.get(membership.user_id, (0, None))[0],
            turns.get(membership.user_id, (0, None))[1] or never,
        ),
    )
    return [membership.user for membership in ranked]


@dataclass(frozen=True)
class TurnLine:
    position: int
    person: User
    subject: str | None  # None: this reader may not read it
    is_me: bool


@dataclass(frozen=True)
class SwapOption:
    meeting: Meeting
    client: User


@dataclass
class ClientPage:
    meeting: Meeting
    is_codeveloppement: bool
    turns: list[TurnLine]
    can_choose: bool
    editable: bool
    proposals: list[User] = field(default_factory=list)
    candidates: list[User] = field(default_factory=list)
    swap_options: list[SwapOption] = field(default_factory=list)
    my_turn: ClientTurn | None = None
    wants_two: bool = False


def client_page(*, meeting_id: int, user: User) -> ClientPage:
    """Who is the meeting's client, and for facilitators the fair proposal and the swaps possible.

    Members see who the client is; the subject is read by the client and the facilitators only.
    Raises MeetingNotFound, PolicyDenied (coordinators, observers, outsiders).
    """
    meeting = _meeting(meeting_id)
    require(user, "rooms.enter", meeting.circle)
    codev = is_codeveloppement(meeting.circle)
    turns = list(ClientTurn.objects.select_related("person").filter(meeting=meeting).order_by("position"))
    for turn in turns:
        turn.meeting = meeting  # the policy reads the circle through it
    lines = [
        TurnLine(
            position=turn.position,
            person=turn.person,
            subject=turn.subject if allows(user, "rooms.read_client_subject", turn) else None,
            is_me=turn.person_id == user.pk,
        )
        for turn in turns
    ]
    now = timezone.now()
    page = ClientPage(
        meeting=meeting,
        is_codeveloppement=codev,
        turns=lines,
        can_choose=codev and allows(user, "rooms.choose_client", meeting.circle),
        editable=meeting.cancelled_at is None and meeting.ends_at > now,
        my_turn=next((turn for turn in turns if turn.person_id == user.pk), None),
    )
    if page.can_choose and page.editable:
        room = Room.objects.filter(meeting=meeting).only("protocol_key").first()
        page.wants_two = len(turns) > 1 or (room is not None and room.protocol_key == TWO_CLIENTS_PROTOCOL)
        page.candidates = ranked_candidates(meeting)
        page.proposals = page.candidates[: 2 if page.wants_two else 1]
        if meeting.starts_at > now:
            page.swap_options = _swap_options(meeting, now)
    return page


def _swap_options(meeting: Meeting, now: datetime.datetime) -> list[SwapOption]:
    others = (
        ClientTurn.objects.select_related("meeting", "person")
        .filter(
            meeting__circle_id=meeting.circle_id, meeting__cancelled_at=None, meeting__starts_at__gt=now, position=1
        )
        .exclude(meeting=meeting)
        .order_by("meeting__starts_at")
    )
    return [SwapOption(meeting=turn.meeting, client=turn.person) for turn in others]


def _clients_in_state(room: Room) -> list[tuple[int, int]]:
    """(position, person) of the clients as the room's state has them (its roles follow the turns)."""
    roles = _state_roles(room)
    return sorted(
        (position, person)
        for person, role in roles.items()
        for position, client_role in enumerate(CLIENT_ROLES, start=1)
        if role == client_role
    )


def client_absent_proposal(room: Room, user: User, present: Iterable[int]) -> list[dict[str, Any]]:
    """At the start, for the facilitators: each client who is not present, and a present member to
    propose instead (the fairest, who is not already a client). Empty for anyone else, and without a
    query when every client is there."""
    here = set(present)
    clients = _clients_in_state(room)
    absent = [(position, person) for position, person in clients if person not in here]
    if (
        not absent
        or room.method_slug != CODEVELOPPEMENT_SLUG
        or not allows(user, "rooms.choose_client", room.meeting.circle)
    ):
        return []
    full_names = {person.pk: person.display_name for person in User.objects.filter(pk__in=[p for _, p in absent])}
    taken = {person for _, person in clients}
    available = [person for person in ranked_candidates(room.meeting) if person.pk in here and person.pk not in taken]
    proposals = []
    for position, person in absent:
        proposed = available.pop(0) if available else None
        proposals.append(
            {
                "position": position,
                "absent": {"id": person, "name": full_names.get(person, "")},
                "proposed": {"id": proposed.pk, "name": proposed.display_name} if proposed else None,
            }
        )
    return proposals


def room_client_for(room: Room, user: User, present: Iterable[int] = ()) -> dict[str, Any]:
    """The snapshot's client part: the clients by position with their names (one query when there are
    clients, none otherwise) and, for facilitators, whom to propose when a client is absent."""
    clients = _clients_in_state(room)
    names = (
        {person.pk: person.display_name for person in User.objects.filter(pk__in=[p for _, p in clients])}
        if clients
        else {}
    )
    return {
        "turns": [{"position": position, "id": person, "name": names.get(person, "")} for position, person in clients],
        "absent": client_absent_proposal(room, user, present),
        "page_url": _path("rooms:client", room.meeting_id),
    }


# --- summary -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryItem:
    author: str
    is_mine: bool
    name: str
    text: str
    plan: list[dict[str, str]]
    visibility: str


@dataclass(frozen=True)
class SummaryStep:
    index: int
    name: str
    minutes: int
    items: list[SummaryItem]
    # How long the step really ran, pauses excluded; None when it never ran (skipped, or not reached).
    seconds_run: int | None = None

    @property
    def minutes_run(self) -> int | None:
        return None if self.seconds_run is None else round(self.seconds_run / 60)


def seconds_run_by_step(room: Room, now: datetime.datetime) -> dict[int, int]:
    """Seconds each step ran (pauses excluded), from the room's stretches; a running step counts to now."""
    totals: dict[int, float] = {}
    for stretch in room.step_times if isinstance(room.step_times, list) else []:
        step, began, ended = stretch
        totals[step] = totals.get(step, 0.0) + max(0.0, (ended if ended is not None else now.timestamp()) - began)
    return {step: round(seconds) for step, seconds in totals.items()}


@dataclass(frozen=True)
class MeetingSummary:
    meeting: Meeting
    room: Room | None
    steps: list[SummaryStep]
    clients: list[User]
    ended: bool


def meeting_summary(*, meeting_id: int, user: User) -> MeetingSummary:
    """The meeting as ``user`` may read it afterwards: each step, and in it what they may read (their
    own writings, the circle's, the action plan if shared or if they are its client or facilitate).

    Coordinators and observers are refused: they see that a meeting took place and how many were
    present on the meetings' pages, never what was said. Raises MeetingNotFound, PolicyDenied.
    """
    meeting = _meeting(meeting_id)
    if not allows(user, "rooms.enter", meeting.circle):
        raise PolicyDenied("rooms.enter")
    clients = [turn.person for turn in ClientTurn.objects.select_related("person").filter(meeting=meeting)]
    room = Room.objects.filter(meeting=meeting).first()
    if room is None:
        return MeetingSummary(
            meeting=meeting, room=None, steps=[], clients=clients, ended=meeting.ends_at <= timezone.now()
        )
    room.meeting = meeting
    steps = room.steps if isinstance(room.steps, list) else []
    readable = _readable(user, _artefacts_of(room))
    seconds_run = seconds_run_by_step(room, timezone.now())
    summary_steps = []
    for index, step in enumerate(steps):
        items = [
            SummaryItem(
                author=_author_name(artefact),
                is_mine=artefact.author_id == user.pk,
                name=_slot_name(steps, artefact),
                text=artefact.text,
                plan=commitments_of(artefact),
                visibility=visibility_label(artefact.visibility, shared=artefact.shared_at is not None),
            )
            for artefact in readable
            if artefact.step == index and (artefact.text.strip() or artefact.commitments.all())
        ]
        summary_steps.append(
            SummaryStep(
                index=index,
                name=str(step.get("name", "")) if isinstance(step, dict) else "",
                minutes=int(step.get("minutes", 0)) if isinstance(step, dict) else 0,
                items=items,
                seconds_run=seconds_run.get(index),
            )
        )
    return MeetingSummary(
        meeting=meeting, room=room, steps=summary_steps, clients=clients, ended=room_progress(room).ended
    )
