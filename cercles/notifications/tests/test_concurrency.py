"""Two sweepers at once on PostgreSQL: every message arrives exactly once, none is lost.

Real concurrent transactions (two threads, two connections) against a real SMTP server; a sweeper
killed after claiming is simulated by rows left claimed with an expired lease.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from cercles.notifications.models import Lane, Message
from cercles.notifications.services import LEASE, outbox_sweep
from cercles.notifications.tests.conftest import NOTE
from tests.smtp_sink import SinkHandler

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent sweepers")


def queue(count: int, **fields: object) -> list[str]:
    now = timezone.now()
    rows = [
        Message(message_id=f"<race-{number}@cercles.localhost>", kind=NOTE, address=f"membre{number}@exemple.fr")
        for number in range(count)
    ]
    for row in rows:
        row.due_at = now
        for name, value in fields.items():
            setattr(row, name, value)
    Message.objects.bulk_create(rows)
    return [row.message_id for row in rows]


def sweep_in_parallel(workers: int) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def sweep(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            outbox_sweep(worker=name, batch_size=50)
        except BaseException as error:  # reported to the test, which fails on any
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep, args=(f"sweeper-{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_two_sweepers_send_a_thousand_messages_exactly_once(sink: SinkHandler, settings) -> None:
    settings.SCHEDULER_RUN_ON_WAKE = False
    expected = queue(1000)
    assert sweep_in_parallel(2) == []
    assert sorted(sink.message_ids) == sorted(expected)  # each Message-ID exactly once
    assert Message.objects.filter(sent_at__isnull=True).count() == 0
    assert sink.connections >= 2  # both took part


def test_rows_left_by_a_killed_sweeper_are_sent_by_the_next(sink: SinkHandler, settings) -> None:
    settings.SCHEDULER_RUN_ON_WAKE = False
    expired_lease = timezone.now() - datetime.timedelta(seconds=1)
    orphans = queue(20, lease_until=expired_lease, claimed_by="killed/abc", attempts=1)
    Message.objects.create(
        message_id="<held@cercles.localhost>",
        kind=NOTE,
        address="tenue@exemple.fr",
        lane=Lane.URGENT,
        lease_until=timezone.now() + LEASE,
        claimed_by="alive/def",
    )
    assert sweep_in_parallel(2) == []
    assert sorted(sink.message_ids) == sorted(orphans)  # the live sweeper's row is left alone
