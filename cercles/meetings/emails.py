"""How the meetings' e-mails are rendered (queued by cercles/meetings/services.py, one per person and change).

A change e-mail carries one iCalendar invitation per meeting it touches (``METHOD:REQUEST``, or
``METHOD:CANCEL`` for a cancelled meeting), built when the message is sent, so that it says what is
true then: a meeting moved twice before the sweep leaves with its latest time and SEQUENCE.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from cercles.meetings.calendar import EventData, calendar_bytes
from cercles.meetings.models import Meeting
from cercles.meetings.services import ATTENDANCE_NUDGE, MEETINGS_CHANGED
from cercles.notifications.models import Message
from cercles.notifications.registry import Attachment, Rendered, message_kind, render_templates


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def event_data(meeting: Meeting) -> EventData:
    """What a calendar entry says of a meeting: discreet (the circle's title only), the join address inside."""
    lines = []
    if meeting.is_online:
        lines.append(f"Rejoindre la séance : {absolute(reverse('meetings:join', args=[meeting.pk]))}")
    lines.append(f"Les séances du cercle : {absolute(reverse('meetings:circle', args=[meeting.circle_id]))}")
    return EventData(
        uid=str(meeting.uid),
        sequence=meeting.sequence,
        summary=meeting.circle.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        cancelled=meeting.cancelled_at is not None,
        location=meeting.place if meeting.has_place else "",
        description="\n".join(lines),
        updated_at=meeting.updated_at,
    )


def invitation_attachment(meeting: Meeting, *, attendee: str) -> Attachment:
    method = "CANCEL" if meeting.cancelled_at is not None else "REQUEST"
    content = calendar_bytes([event_data(meeting)], method=method, attendee=attendee)
    filename = "annulation.ics" if method == "CANCEL" else "invitation.ics"
    return Attachment(f"seance-{meeting.pk}-{filename}", content, f"text/calendar; method={method}")


@message_kind(MEETINGS_CHANGED)
def render_meetings_changed(message: Message) -> Rendered | None:
    ids = [int(part) for part in message.payload.get("meetings", "").split(",") if part.isdigit()]
    meetings = list(Meeting.objects.select_related("circle").filter(pk__in=ids).order_by("starts_at"))
    if not meetings or message.recipient is None:
        return None
    circle = meetings[0].circle
    context = {
        "circle": circle,
        "person": message.recipient,
        "meetings": meetings,
        "change": message.payload.get("change"),
        "path": absolute(reverse("meetings:circle", args=[circle.pk])),
    }
    rendered = render_templates("meetings/email/changed", context)
    attachments = tuple(invitation_attachment(meeting, attendee=message.address) for meeting in meetings)
    return Rendered(subject=rendered.subject, body=rendered.body, headers=rendered.headers, attachments=attachments)


@message_kind(ATTENDANCE_NUDGE)
def render_attendance_nudge(message: Message) -> Rendered | None:
    meeting = Meeting.objects.select_related("circle").filter(pk=message.about.get("meeting")).first()
    if meeting is None or meeting.attendance_recorded_at is not None or meeting.cancelled_at is not None:
        return None  # recorded meanwhile: nothing to ask any more
    context = {
        "meeting": meeting,
        "circle": meeting.circle,
        "path": absolute(reverse("meetings:attendance", args=[meeting.pk])),
    }
    return render_templates("meetings/email/attendance_nudge", context)
