"""A reminder through a real SMTP server (aiosmtpd): headers, French accents, the .ics attachment."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from cercles.circles.models import Circle, MeetingFormat
from cercles.meetings.planning import PARIS
from cercles.meetings.services import meeting_add
from cercles.notifications.models import Message
from cercles.notifications.services import outbox_sweep
from cercles.people.models import User
from cercles.reminders.services import REMINDER
from tests.smtp_sink import SinkHandler

pytestmark = pytest.mark.django_db


def test_a_reminder_arrives_readable_with_one_click_unsubscribe_and_its_ics(
    circle: Circle, alice: User, bob: User, sink: SinkHandler
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS), tick=False):
        meeting = meeting_add(
            circle_id=circle.pk,
            added_by=alice,
            day=datetime.date(2026, 3, 10),
            start_time=datetime.time(18, 0),
            duration_minutes=120,
            meeting_format=MeetingFormat.HYBRID,
            place="Salle Gérard-Philipe, 2ᵉ étage",
        )
    Message.objects.exclude(kind=REMINDER).update(cancelled_at=meeting.created_at)  # only the reminders here
    with time_machine.travel(datetime.datetime(2026, 3, 8, 18, 1, tzinfo=PARIS), tick=False):
        outbox_sweep()
    arrived = {message["To"]: message for message in sink.received}
    assert set(arrived) == {alice.email, bob.email}
    to_bob = arrived[bob.email]
    sent = Message.objects.get(kind=REMINDER, recipient=bob, sent_at__isnull=False)
    assert to_bob["Message-ID"] == sent.message_id
    assert " ".join(to_bob["Subject"].split()) == (
        "[Cercles] Rappel : séance du cercle « Codéveloppement des cadres », "
        "mardi 10 mars 2026 à 18:00 (heure de Paris)"
    )
    # Folded on a continuation line by Python's e-mail policy; readers strip the leading space.
    unsubscribe = to_bob["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<http")
    assert "/e/rappels/" in unsubscribe
    assert to_bob["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = to_bob.get_body(preferencelist=("plain",)).get_content()
    assert "Lieu : Salle Gérard-Philipe, 2ᵉ étage" in body
    assert "Je ne viens pas :" in body
    [calendar] = list(to_bob.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    ics = calendar.get_content()
    text = ics if isinstance(ics, str) else ics.decode()
    assert f"UID:{meeting.uid}" in text
    assert "LOCATION:Salle Gérard-Philipe\\, 2ᵉ étage" in text
