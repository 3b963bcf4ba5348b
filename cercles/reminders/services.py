"""Writes of reminders: compute the reminder rows, settings, turning reminders off, answers from an e-mail.

Reminders are outbox rows (kind ``reminders.meeting``) due ``first_before`` / ``second_before`` minutes
before each meeting, one per active member and offset. They are recomputed inside the transaction of
whatever changes them: a meeting planned, moved or cancelled (``cercles.meetings.hooks``), a person joining
or leaving (``cercles.circles.hooks``), new settings, a person turning them off. What is only known at send
time (an RSVP "no", a cancellation committed meanwhile) is checked again by the renderer (emails.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Circle, Membership, MembershipStatus
from cercles.core.exceptions import DomainPermissionDenied
from cercles.core.policy import require
from cercles.meetings.exceptions import MeetingError
from cercles.meetings.models import Meeting, Rsvp, RsvpAnswer
from cercles.meetings.services import rsvp_set
from cercles.notifications.models import PENDING, Message
from cercles.notifications.services import Queued, message_enqueue, message_enqueue_many
from cercles.people.models import User
from cercles.people.services import person_activity_record
from cercles.reminders import exceptions as errors
from cercles.reminders.exceptions import ReminderError, ReminderSettingsConflict
from cercles.reminders.models import ReminderOptOut, ReminderSettings

REMINDER = "reminders.meeting"
CIRCLE_MESSAGE = "reminders.circle_message"
RSVP_SALT = "reminders.rsvp"
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
MAX_BEFORE = 14 * 24 * 60


def settings_for(circle_id: int) -> ReminderSettings:
    """The circle's settings, or the defaults (2 days and 1 hour) when nobody changed them (not saved)."""
    return ReminderSettings.objects.filter(circle_id=circle_id).first() or ReminderSettings(circle_id=circle_id)


def _pending_reminders(meeting_ids: Iterable[int]) -> Q:
    now = timezone.now()
    # A row a sweeper holds right now is left to it: its renderer reads the meeting as it is then.
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return PENDING & free & Q(kind=REMINDER, about__meeting__in=list(meeting_ids))


def _sync(circle_id: int, meetings: list[Meeting], user_ids: list[int] | None = None) -> int:
    """Replace the pending reminders of ``meetings`` (of ``user_ids`` only, if given) by freshly computed ones."""
    if not meetings:
        return 0
    now = timezone.now()
    stale = Message.objects.filter(_pending_reminders(meeting.pk for meeting in meetings))
    if user_ids is not None:
        stale = stale.filter(recipient_id__in=user_ids)
    stale.update(cancelled_at=now)
    upcoming = [meeting for meeting in meetings if meeting.cancelled_at is None and meeting.starts_at > now]
    if not upcoming:
        return 0
    offsets = settings_for(circle_id).offsets
    members = Membership.objects.filter(circle_id=circle_id, status=MembershipStatus.ACTIVE, user__is_active=True)
    if user_ids is not None:
        members = members.filter(user_id__in=user_ids)
    opted_out = ReminderOptOut.objects.filter(Q(circle_id=circle_id) | Q(circle__isnull=True)).values("user_id")
    people = list(User.objects.filter(pk__in=members.values("user_id")).exclude(pk__in=opted_out).order_by("pk"))
    declined = set(Rsvp.objects.filter(meeting__in=upcoming, answer=RsvpAnswer.NO).values_list("meeting_id", "user_id"))
    queued = [
        Queued(
            recipient=person,
            about={"meeting": meeting.pk, "before": minutes},
            due_at=meeting.starts_at - datetime.timedelta(minutes=minutes),
            expires_at=meeting.starts_at,
        )
        for meeting in upcoming
        for person in people
        if (meeting.pk, person.pk) not in declined
        for minutes in offsets
        if meeting.starts_at - datetime.timedelta(minutes=minutes) > now
    ]
    return message_enqueue_many(kind=REMINDER, messages=queued)


def reminders_for_meetings(circle: Circle, meetings: list[Meeting]) -> None:
    """Hook of meetings (planned, added, moved, cancelled): recompute these meetings' reminders."""
    _sync(circle.pk, meetings)


def _upcoming(circle_id: int) -> list[Meeting]:
    return list(Meeting.objects.filter(circle_id=circle_id, cancelled_at=None, starts_at__gt=timezone.now()))


def reminders_for_membership(event: str, membership: Membership) -> None:
    """Hook of circles (joined, left, promoted…): recompute this person's reminders in the circle."""
    _sync(membership.circle_id, _upcoming(membership.circle_id), user_ids=[membership.user_id])


@dataclass(frozen=True)
class ReminderChanges:
    first_before: int
    second_before: int
    word: str = ""


@transaction.atomic
def reminder_settings_set(*, circle_id: int, editor: User, version: int, changes: ReminderChanges) -> ReminderSettings:
    """Set when the circle's reminders leave and the word for the next one; recompute the reminders.

    The word goes with the reminders of the next meeting (not cancelled, not started). Raises
    PolicyDenied (``reminders.configure``), ReminderSettingsConflict (older ``version``), ReminderError.
    """
    circle = Circle.objects.select_for_update().get(pk=circle_id)
    require(editor, "reminders.configure", circle)
    for minutes in (changes.first_before, changes.second_before):
        if not 0 <= minutes <= MAX_BEFORE:
            raise ReminderError(errors.OFFSET_INVALID)
    current, _ = ReminderSettings.objects.select_for_update().get_or_create(circle=circle)
    if current.version != version:
        raise ReminderSettingsConflict()
    upcoming = _upcoming(circle.pk)
    before = (current.first_before, current.second_before, current.word)
    current.first_before = changes.first_before
    current.second_before = changes.second_before
    current.word = changes.word.strip()
    current.word_meeting = upcoming[0] if current.word and upcoming else None
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    after = (current.first_before, current.second_before, current.word)
    audit_record(
        actor=editor,
        action=AuditAction.REMINDER_SETTINGS,
        circle=circle,
        object_kind="reminder_settings",
        object_id=current.pk,
        # The facilitator's word is named when it changed, never written here.
        changes=[name for name, old, new in zip(REMINDER_FIELDS, before, after, strict=True) if old != new],
    )
    _sync(circle.pk, upcoming)
    return current


REMINDER_FIELDS = ("first_before", "second_before", "word")


@transaction.atomic
def reminders_turn_off(*, user: User, circle_id: int | None) -> bool:
    """Turn reminders off for one circle (``circle_id``) or everywhere (None); their pending rows go.

    Returns False when they were already off (nothing changes).
    """
    already = ReminderOptOut.objects.filter(user=user).filter(Q(circle__isnull=True) | Q(circle_id=circle_id))
    if already.exists():
        return False
    ReminderOptOut.objects.create(user=user, circle_id=circle_id)
    pending = Message.objects.filter(PENDING, kind=REMINDER, recipient=user)
    if circle_id is not None:
        pending = pending.filter(
            about__meeting__in=list(Meeting.objects.filter(circle_id=circle_id).values_list("pk", flat=True))
        )
    pending.update(cancelled_at=timezone.now())
    return True


@dataclass(frozen=True)
class ReminderPreferences:
    """What a person chose on "Mes rappels": everywhere on or off, and on or off circle by circle."""

    everywhere: bool
    circles: Mapping[int, bool]


@transaction.atomic
def reminder_preferences_set(*, user: User, preferences: ReminderPreferences) -> list[int]:
    """Turn reminders back on (or off) from the site: everywhere, and for each of the person's circles.

    The circles are those where the person is an active member or facilitator; choosing for another
    circle raises ReminderError. Reminders turned back on are computed again at once for the upcoming
    meetings (those turned off lose their pending rows). A person's own choice: no audit row. Returns
    the ids of the circles whose reminders come back.
    """
    # Two tabs saving at once queue behind each other instead of racing on the unique constraints.
    User.objects.select_for_update().filter(pk=user.pk).first()
    mine = set(Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values_list("circle_id", flat=True))
    if not set(preferences.circles) <= mine:
        raise ReminderError(errors.NOT_YOUR_CIRCLE)
    before = _receiving(user, mine)
    rows = ReminderOptOut.objects.filter(user=user)
    if preferences.everywhere:
        rows.filter(circle__isnull=True).delete()
    elif not rows.filter(circle__isnull=True).exists():
        ReminderOptOut.objects.create(user=user, circle=None)
    for circle_id, wanted in preferences.circles.items():
        if wanted:
            rows.filter(circle_id=circle_id).delete()
        elif not rows.filter(circle_id=circle_id).exists():
            ReminderOptOut.objects.create(user=user, circle_id=circle_id)
    after = _receiving(user, mine)
    stopped = sorted(before - after)
    if stopped:
        Message.objects.filter(
            PENDING,
            kind=REMINDER,
            recipient=user,
            about__meeting__in=list(Meeting.objects.filter(circle_id__in=stopped).values_list("pk", flat=True)),
        ).update(cancelled_at=timezone.now())
    back = sorted(after - before)
    for circle_id in back:
        _sync(circle_id, _upcoming(circle_id), user_ids=[user.pk])
    return back


def _receiving(user: User, circle_ids: set[int]) -> set[int]:
    """The circles among ``circle_ids`` whose reminders the person gets now."""
    off = set(ReminderOptOut.objects.filter(user=user).values_list("circle_id", flat=True))
    if None in off:
        return set()
    return circle_ids - off


# Links in the e-mail: signed, so that nobody can forge one for someone else.


def rsvp_token(*, meeting_id: int, user_id: int, answer: str) -> str:
    return signing.dumps([meeting_id, user_id, answer], salt=RSVP_SALT, compress=True)


def unsubscribe_token(*, user_id: int, circle_id: int | None) -> str:
    return signing.dumps([user_id, circle_id or 0], salt=UNSUBSCRIBE_SALT, compress=True)


@dataclass(frozen=True)
class RsvpLink:
    meeting: Meeting
    user: User
    answer: str

    @property
    def coming(self) -> bool:
        return self.answer == RsvpAnswer.YES


def rsvp_link_read(token: str) -> RsvpLink:
    """What an RSVP link says, checked. Raises ReminderError (tampered, expired: meeting started/cancelled)."""
    try:
        meeting_id, user_id, answer = signing.loads(token, salt=RSVP_SALT)
        meeting = Meeting.objects.select_related("circle").get(pk=int(meeting_id))
        user = User.objects.get(pk=int(user_id), is_active=True)
    except (signing.BadSignature, ValueError, TypeError, Meeting.DoesNotExist, User.DoesNotExist):
        raise ReminderError(errors.LINK_INVALID) from None
    if answer not in RsvpAnswer.values:
        raise ReminderError(errors.LINK_INVALID)
    if meeting.cancelled_at is not None or meeting.starts_at <= timezone.now():
        raise ReminderError(errors.LINK_EXPIRED)
    return RsvpLink(meeting=meeting, user=user, answer=answer)


@transaction.atomic
def rsvp_from_link(*, token: str, signed_in: User | None = None) -> Rsvp:
    """Record the answer an RSVP link carries (by POST only). Raises ReminderError with a French message.

    A link used again (the same answer already recorded) changes nothing; someone signed in as another
    person cannot use it.
    """
    link = rsvp_link_read(token)
    if signed_in is not None and signed_in.is_authenticated and signed_in.pk != link.user.pk:
        raise ReminderError(errors.LINK_NOT_YOURS)
    if Rsvp.objects.filter(meeting=link.meeting, user=link.user, answer=link.answer).exists():
        raise ReminderError(errors.LINK_ALREADY_USED)
    try:
        rsvp = rsvp_set(meeting_id=link.meeting.pk, user=link.user, answer=link.answer)
    except (MeetingError, DomainPermissionDenied):
        raise ReminderError(errors.RSVP_NOT_POSSIBLE) from None
    # An answer from the e-mail is a sign of life: the inactivity retention must not count this person out.
    person_activity_record(user_id=link.user.pk)
    return rsvp


@dataclass(frozen=True)
class UnsubscribeLink:
    user: User
    circle: Circle | None


def unsubscribe_link_read(token: str) -> UnsubscribeLink:
    """What an unsubscribe link says, checked (no expiry). Raises ReminderError when tampered."""
    try:
        user_id, circle_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(user_id), is_active=True)
        circle = Circle.objects.get(pk=int(circle_id)) if circle_id else None
    except (signing.BadSignature, ValueError, TypeError, User.DoesNotExist, Circle.DoesNotExist):
        raise ReminderError(errors.LINK_INVALID) from None
    return UnsubscribeLink(user=user, circle=circle)


@transaction.atomic
def unsubscribe_from_link(*, token: str, signed_in: User | None = None) -> UnsubscribeLink:
    """Turn reminders off as an unsubscribe link says (POST, including one-click RFC 8058).

    Raises ReminderError: tampered link, signed in as someone else, already off.
    """
    link = unsubscribe_link_read(token)
    if signed_in is not None and signed_in.is_authenticated and signed_in.pk != link.user.pk:
        raise ReminderError(errors.LINK_NOT_YOURS)
    if not reminders_turn_off(user=link.user, circle_id=link.circle.pk if link.circle else None):
        raise ReminderError(errors.ALREADY_OFF)
    return link


@transaction.atomic
def circle_message_send(*, circle_id: int, author: User, subject: str, body: str) -> int:
    """A facilitator writes to the circle's active members: one outbox message each (nobody sees the others'
    addresses). Raises PolicyDenied (``reminders.write_members``), ReminderError. Returns how many."""
    circle = Circle.objects.select_for_update().get(pk=circle_id)
    require(author, "reminders.write_members", circle)
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ReminderError(errors.MESSAGE_EMPTY)
    recipients = list(
        User.objects.filter(memberships__circle=circle, memberships__status=MembershipStatus.ACTIVE, is_active=True)
        .exclude(pk=author.pk)
        .order_by("pk")
    )
    if not recipients:
        raise ReminderError(errors.NOBODY_TO_WRITE_TO)
    # What the facilitator typed cannot be read again: it travels as the payload, wiped once sent.
    payload = {"subject": subject, "body": body, "author": author.get_full_name() or author.get_short_name()}
    for user in recipients:
        message_enqueue(kind=CIRCLE_MESSAGE, recipient=user, about={"circle": circle.pk}, payload=payload)
    # That the facilitator wrote, and to how many: never the subject or the words.
    audit_record(actor=author, action=AuditAction.CIRCLE_MESSAGE, circle=circle, count=len(recipients))
    return len(recipients)
