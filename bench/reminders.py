"""Reminders benchmark: messages per second the sweeper sends from due reminders, rendering included
(French text, signed RSVP and unsubscribe links, the .ics attachment), and SQL queries per message.

    .venv/bin/python bench/reminders.py [--messages 10000] [--batches 50 100 500] [--sweepers 1 2]
                                        [--backends locmem smtp]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cercles_bench .venv/bin/python bench/reminders.py

Builds a throw-away database (SQLite file, or DATABASE_URL's server in a test database) with a circle of
100 members and 50 upcoming meetings, queues N due reminders and times ``outbox_sweep`` until they are
all sent, with Django's in-memory (locmem) backend and through a real SMTP server in another process
(aiosmtpd, the tests' sink), for each batch size and number of sweeper processes at once
(``--sweepers 1 2``: separate processes claiming disjoint batches, as several ``run_scheduler``
processes would). Prints msg/s, queries and the sweepers' own CPU per message (the figure a machine
shared with other work does not distort); the sink's CPU per message at the end. Queries per message
must not grow with the batch. The sweepers write each "sent" mark at once by default; run with
``OUTBOX_MARK_GROUP=20`` in the environment to measure grouped marks (docs/notifications.md, Throughput).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from outbox import run_bench  # sets up the scratch database's environment


def main() -> None:
    run_bench(
        __doc__ or "",
        populate=_populate,
        queue=_queue,
        description="due reminders, rendered when sent (with .ics)",
    )


def _populate() -> list[tuple[int, int, str, object]]:
    """A circle with a facilitator, 100 members and 50 upcoming meetings: (meeting, person, address, start)."""
    import datetime

    from django.utils import timezone

    from cercles.meetings.models import Meeting
    from tests.factories import make_circle, make_user, seat

    circle = make_circle(facilitators=(make_user("animatrice"),), capacity=120, title="Codéveloppement des cadres")
    people = [make_user() for _ in range(100)]
    for person in people:
        seat(circle, person)
    now = timezone.now()
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                circle=circle,
                starts_at=now + datetime.timedelta(days=30 + week * 7),
                ends_at=now + datetime.timedelta(days=30 + week * 7, hours=2),
                meeting_format="hybride",
                place="Salle Gérard-Philipe",
                room_name=f"bench-{week}",
            )
            for week in range(50)
        ]
    )
    return [(meeting.pk, person.pk, person.email, meeting.starts_at) for meeting in meetings for person in people]


def _queue(count: int, pairs: list[tuple[int, int, str, object]]) -> None:
    from django.core import mail
    from django.utils import timezone

    from cercles.notifications.models import Message
    from cercles.reminders.services import REMINDER

    mail.outbox = []
    Message.objects.all().delete()
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                message_id=f"<bench-{number}-{time.monotonic_ns()}@cercles.localhost>",
                kind=REMINDER,
                recipient_id=pairs[number % len(pairs)][1],
                address=pairs[number % len(pairs)][2],
                about={"meeting": pairs[number % len(pairs)][0], "before": 60},
                due_at=now,
                expires_at=pairs[number % len(pairs)][3],
            )
            for number in range(count)
        ],
        batch_size=1000,
    )


if __name__ == "__main__":
    main()
