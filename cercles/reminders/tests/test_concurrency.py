"""On PostgreSQL: two sweepers and 1,000 due reminders; the SMTP sink receives each Message-ID exactly once."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from cercles.meetings.models import Meeting
from cercles.notifications.models import Message
from cercles.notifications.tests.test_concurrency import sweep_in_parallel
from cercles.reminders.services import REMINDER, reminders_for_meetings
from tests.factories import make_circle, make_user, seat
from tests.smtp_sink import SinkHandler

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent sweepers")


def test_two_sweepers_send_a_thousand_reminders_exactly_once(sink: SinkHandler, settings) -> None:
    settings.SCHEDULER_RUN_ON_WAKE = False
    circle = make_circle(facilitators=(make_user("animatrice"),), capacity=60, title="Cercle des rappels")
    for _ in range(49):
        seat(circle, make_user())
    now = timezone.now()
    meetings = [
        Meeting.objects.create(
            circle=circle,
            starts_at=now + datetime.timedelta(days=10 + day),
            ends_at=now + datetime.timedelta(days=10 + day, hours=2),
            meeting_format="en_ligne",
            room_name=f"salon-{day}",
        )
        for day in range(10)
    ]
    reminders_for_meetings(circle, meetings)  # 10 meetings × 50 people × 2 reminders
    Message.objects.filter(kind=REMINDER).update(due_at=now)
    expected = list(Message.objects.filter(kind=REMINDER).values_list("message_id", flat=True))
    assert len(expected) == 1000
    assert sweep_in_parallel(2) == []
    assert sorted(sink.message_ids) == sorted(expected)  # each Message-ID exactly once
    assert not Message.objects.filter(kind=REMINDER, sent_at__isnull=True).exists()
