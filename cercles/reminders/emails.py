"""How reminders and facilitators' messages are rendered, when they are sent.

A reminder says what is true at send time: it is not sent (the row is marked cancelled) when the meeting
was cancelled, the person said they will not come, turned reminders off or left the circle. The batch's
meetings, answers, memberships, settings and opt-outs are loaded once per batch (``preload_reminders``),
so that the queries per message do not grow with the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.urls import reverse

from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.meetings.calendar import EventData, calendar_bytes
from cercles.meetings.emails import absolute, event_data
from cercles.meetings.models import Meeting, Rsvp, RsvpAnswer
from cercles.notifications.models import Message
from cercles.notifications.registry import (
    Attachment,
    Rendered,
    message_kind,
    preloaded,
    preloaded_set,
    render_templates,
)
from cercles.people.models import User
from cercles.reminders.models import ReminderOptOut, ReminderSettings
from cercles.reminders.services import CIRCLE_MESSAGE, REMINDER, rsvp_token, unsubscribe_token


@dataclass(frozen=True)
class ReminderFacts:
    meeting: Meeting | None
    person: User | None
    membership: Membership | None
    answer: str
    opted_out: bool
    settings: ReminderSettings | None
    ics: bytes = b""
    links: _Links | None = None


def _calendar_entry(meeting: Meeting) -> bytes:
    """The meeting for the person's calendar: same UID and SEQUENCE as its invitations, so that it updates
    the entry in place. Without METHOD nor ATTENDEE, hence the same for every member."""
    return _calendar_of(event_data(meeting))


@lru_cache(maxsize=256)
def _calendar_of(data: EventData) -> bytes:
    # Building an iCalendar object costs more than rendering a reminder: built once per version of the
    # meeting (what it says is the whole key: a moved or renamed meeting is built again), not per batch.
    return calendar_bytes([data])


def preload_reminders(messages: Sequence[Message]) -> None:
    """Six queries for the whole batch, whatever its size."""
    meeting_ids = {int(message.about.get("meeting", 0)) for message in messages}
    user_ids = {message.recipient_id for message in messages if message.recipient_id}
    meetings = Meeting.objects.select_related("circle").in_bulk(meeting_ids)
    circle_ids = {meeting.circle_id for meeting in meetings.values()}
    people = User.objects.in_bulk(user_ids)
    answers: dict[tuple[int, int | None], str] = {
        (rsvp.meeting_id, rsvp.user_id): rsvp.answer
        for rsvp in Rsvp.objects.filter(meeting_id__in=meeting_ids, user_id__in=user_ids)
    }
    memberships: dict[tuple[int | None, int | None], Membership] = {
        (membership.circle_id, membership.user_id): membership
        for membership in Membership.objects.filter(
            circle_id__in=circle_ids, user_id__in=user_ids, status=MembershipStatus.ACTIVE
        )
    }
    opted_out = set(ReminderOptOut.objects.filter(user_id__in=user_ids).values_list("user_id", "circle_id"))
    settings = {item.circle_id: item for item in ReminderSettings.objects.filter(circle_id__in=circle_ids)}
    entries = {meeting.pk: _calendar_entry(meeting) for meeting in meetings.values() if meeting.cancelled_at is None}
    links = _Links.resolve()
    for message in messages:
        meeting = meetings.get(int(message.about.get("meeting", 0)))
        user_id = message.recipient_id
        circle_id = meeting.circle_id if meeting else None
        preloaded_set(
            message,
            ReminderFacts(
                meeting=meeting,
                person=people.get(user_id) if user_id else None,
                membership=memberships.get((circle_id, user_id)),
                answer=answers.get((meeting.pk, user_id), "") if meeting else "",
                opted_out=(user_id, None) in opted_out or (user_id, circle_id) in opted_out,
                settings=settings.get(circle_id) if circle_id else None,
                ics=entries.get(meeting.pk, b"") if meeting else b"",
                links=links,
            ),
        )


_SLOT = "0000slot0000"


@dataclass(frozen=True)
class _Links:
    """The reminder's addresses, resolved once per batch: only the signed token differs between messages
    (resolving a URL name costs more than signing the token)."""

    rsvp: tuple[str, str]
    unsubscribe: tuple[str, str]
    mine: str

    @classmethod
    def resolve(cls) -> _Links:
        def around_token(name: str) -> tuple[str, str]:
            before, _, after = absolute(reverse(name, args=[_SLOT])).partition(_SLOT)
            return before, after

        return cls(
            rsvp=around_token("reminders:rsvp"),
            unsubscribe=around_token("reminders:unsubscribe"),
            mine=absolute(reverse("reminders:mine")),
        )


def _with(link: tuple[str, str], token: str) -> str:
    # Signed tokens are URL-safe (base64 and ":"): reverse() would not have quoted any of their characters.
    return f"{link[0]}{token}{link[1]}"


@message_kind(REMINDER, preload=preload_reminders)
def render_reminder(message: Message) -> Rendered | None:
    facts: ReminderFacts | None = preloaded(message)
    if facts is None:
        preload_reminders([message])
        facts = preloaded(message)
    meeting, person = facts.meeting, facts.person
    if (
        meeting is None
        or person is None
        or meeting.cancelled_at is not None
        or facts.membership is None
        or facts.answer == RsvpAnswer.NO
        or facts.opted_out
    ):
        return None  # nothing to remind any more
    circle = meeting.circle
    may_answer = facts.membership.role == MembershipRole.PARTICIPANT
    settings = facts.settings
    word = settings.word if settings and settings.word and settings.word_meeting_id == meeting.pk else ""
    links = facts.links or _Links.resolve()
    unsubscribe_circle = _with(links.unsubscribe, unsubscribe_token(user_id=person.pk, circle_id=circle.pk))

    def rsvp(answer: str) -> str:
        if not may_answer:
            return ""
        return _with(links.rsvp, rsvp_token(meeting_id=meeting.pk, user_id=person.pk, answer=answer))

    context = {
        "meeting": meeting,
        "circle": circle,
        "person": person,
        "coming": facts.answer == RsvpAnswer.YES,
        "may_answer": may_answer,
        "rsvp_yes": rsvp("oui"),
        "rsvp_no": rsvp("non"),
        "join": absolute(reverse("meetings:join", args=[meeting.pk])) if meeting.is_online else "",
        "word": word,
        "unsubscribe_circle": unsubscribe_circle,
        "unsubscribe_all": _with(links.unsubscribe, unsubscribe_token(user_id=person.pk, circle_id=None)),
        "my_reminders": links.mine,
    }
    # The subject says the circle and the date only: the same for every member, rendered once a batch.
    rendered = render_templates(
        "reminders/email/reminder", context, subject_key=(meeting.pk, circle.title, meeting.starts_at)
    )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_circle}>",
        # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" to the address above.
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Rendered(
        subject=rendered.subject,
        body=rendered.body,
        headers=headers,
        attachments=(Attachment(f"seance-{meeting.pk}.ics", facts.ics, "text/calendar; charset=utf-8"),),
    )


@message_kind(CIRCLE_MESSAGE)
def render_circle_message(message: Message) -> Rendered | None:
    subject, body = message.payload.get("subject", ""), message.payload.get("body", "")
    if not subject or not body:
        return None
    context = {
        "subject": subject,
        "text": body,
        "author": message.payload.get("author", ""),
        "person": message.recipient,
        "circle_id": message.about.get("circle"),
    }
    return render_templates("reminders/email/circle_message", context)
