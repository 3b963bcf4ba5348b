"""Writes on rooms: what is written in a meeting's slots, and codéveloppement's client turns.

Every service runs in one transaction and checks the policy itself; e-mails are outbox rows written in
the same transaction (sent after commit by the sweeper).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.core.policy import PolicyDenied, allows
from cercles.meetings.models import Meeting
from cercles.notifications.services import message_enqueue
from cercles.people.models import User
from cercles.rooms import exceptions as errors
from cercles.rooms.exceptions import ArtefactConflict, ClientTurnError, WritingError, WritingNotAllowed
from cercles.rooms.models import ARTEFACT_MAX_CHARS, Artefact, ArtefactVisibility, ClientTurn, Commitment, Room
from cercles.rooms.selectors import (
    CLIENT_SUBJECT_MAX_CHARS,
    commitments_of,
    is_codeveloppement,
    room_progress,
    room_slot,
    still_writable,
    writing_role,
)

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
    audit_record(
        actor=chosen_by,
        action=AuditAction.CLIENT_CHOOSE,
        person=people[0],
        circle=meeting.circle,
        object_kind="meeting",
        object_id=meeting.pk,
        changes=["client_2"] if len(people) > 1 else ["client"],
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
    audit_record(
        actor=swapped_by,
        action=AuditAction.CLIENT_SWAP,
        person=person,
        circle=meeting.circle,
        object_kind="meeting",
        object_id=meeting.pk,
        changes=["client"],
    )
    return swapped


@transaction.atomic
def client_subject_save(meeting_id: int, *, client: User, subject: str) -> ClientTurn:
    """The client writes the subject they will bring (read by them and the circle's facilitators only).

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
    turn.subject = subject
    turn.updated_at = timezone.now()
    turn.save(update_fields=["subject", "updated_at"])
    return turn
