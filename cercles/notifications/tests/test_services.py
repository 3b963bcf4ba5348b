"""The outbox: queued in the caller's transaction, claimed with a lease, sent once, retried with backoff."""

from __future__ import annotations

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercles.core import scheduler
from cercles.core.policy import PolicyDenied
from cercles.notifications import services
from cercles.notifications.exceptions import EXPIRED_BEFORE_SENDING
from cercles.notifications.models import Lane, Message
from cercles.notifications.registry import UnknownMessageKind
from cercles.notifications.services import message_enqueue, message_retry, outbox_sweep, retry_delay
from cercles.notifications.tests.conftest import NOTE
from cercles.people.models import User
from tests.smtp_sink import SinkHandler, free_port

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def note(address: str = "agnes@exemple.fr", **kwargs: object) -> Message:
    return message_enqueue(kind=NOTE, address=address, **kwargs)  # type: ignore[arg-type]


def reload(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


class TestEnqueue:
    def test_it_writes_nothing_when_the_callers_transaction_rolls_back(
        self, django_capture_on_commit_callbacks
    ) -> None:
        def change_then_fail() -> None:
            with transaction.atomic():
                note()
                raise RuntimeError("the change fails")

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            change_then_fail()
        assert not Message.objects.exists()
        assert mail.outbox == []

    def test_it_sends_nothing_inside_the_transaction_and_sweeps_after_commit(
        self, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            message = note()
        assert mail.outbox == []
        assert len(callbacks) == 1
        callbacks[0]()  # the commit: the test settings run the woken sweeper at once
        assert [m.to for m in mail.outbox] == [["agnes@exemple.fr"]]
        assert reload(message).sent_at is not None

    def test_it_wakes_the_scheduler_thread_after_commit(self, manual_sweep, django_capture_on_commit_callbacks) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            note(lane=Lane.URGENT)
        assert scheduler._wakeup.is_set()
        assert services.SWEEP_JOB in scheduler._woken
        assert services.urgent_waiting.is_set()
        assert mail.outbox == []  # the scheduler's thread sends, not the committing one

    def test_it_addresses_a_person_at_their_address(self, bob: User) -> None:
        message = message_enqueue(kind=NOTE, recipient=bob, about={"circle": 3})
        assert (message.address, message.recipient_id, message.about) == (bob.email, bob.pk, {"circle": 3})
        assert message.message_id.startswith("<")
        assert message.message_id.endswith("@cercles.localhost>")

    def test_it_refuses_an_unknown_kind(self) -> None:
        with pytest.raises(UnknownMessageKind):
            message_enqueue(kind="circles.typo", address="agnes@exemple.fr")

    def test_it_refuses_a_message_without_address(self) -> None:
        with pytest.raises(ValueError, match="address"):
            message_enqueue(kind=NOTE)


class TestSweep:
    def test_it_sends_due_messages_once_and_keeps_only_metadata(self) -> None:
        message = note(payload={"text": "Votre code : 123456"})
        later = note(due_at=timezone.now() + datetime.timedelta(hours=1))
        report = outbox_sweep()
        assert report.sent == 1
        assert "Votre code : 123456" in mail.outbox[0].body
        assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id
        sent = reload(message)
        assert sent.sent_at is not None
        assert sent.payload == {}  # the code left with the message
        assert (sent.lease_until, sent.claimed_by, sent.attempts) == (None, "", 1)
        assert reload(later).sent_at is None
        assert outbox_sweep().sent == 0  # nothing twice

    def test_it_sends_the_urgent_lane_first(self) -> None:
        for number in range(3):
            note(address=f"lot{number}@exemple.fr")
        note(address="code@exemple.fr", lane=Lane.URGENT)
        outbox_sweep(batch_size=2)
        assert mail.outbox[0].to == ["code@exemple.fr"]
        assert len(mail.outbox) == 4

    def test_a_bulk_batch_gives_way_to_an_urgent_message_queued_meanwhile(self) -> None:
        first = note(address="lot1@exemple.fr")
        note(address="lot2@exemple.fr")
        original = services.renderer_for(NOTE)

        def render_and_queue_a_code(message: Message):  # type: ignore[no-untyped-def]
            if message.pk == first.pk:
                note(address="code@exemple.fr", lane=Lane.URGENT)
                services.urgent_waiting.set()  # what the code's commit does in this process
            return original(message)

        from cercles.notifications import registry

        registry._renderers[NOTE] = render_and_queue_a_code
        try:
            outbox_sweep(batch_size=10)
        finally:
            registry._renderers[NOTE] = original
        assert [m.to[0] for m in mail.outbox] == ["lot1@exemple.fr", "code@exemple.fr", "lot2@exemple.fr"]
        assert Message.objects.get(address="lot2@exemple.fr").attempts == 1  # given back, not counted twice

    def test_a_sweep_stops_at_its_time_budget_between_batches(self) -> None:
        for number in range(3):
            note(address=f"lot{number}@exemple.fr")
        assert outbox_sweep(batch_size=1, max_seconds=0).sent == 1
        assert outbox_sweep().sent == 2  # the next turn goes on

    def test_it_cancels_a_message_about_something_gone(self) -> None:
        message = note(about={"gone": 1})
        assert outbox_sweep().cancelled == 1
        assert reload(message).cancelled_at is not None
        assert mail.outbox == []

    def test_a_renderer_bug_is_retried_later(self) -> None:
        with time_machine.travel(START, tick=False):
            message = note(about={"broken": 1})
            assert outbox_sweep().retried == 1
            retried = reload(message)
        assert retried.due_at == START + retry_delay(1)
        assert "RuntimeError" in retried.last_error


class TestLeases:
    def test_rows_claimed_by_a_dead_sweeper_are_sent_once_the_lease_expires(self) -> None:
        with time_machine.travel(START, tick=False) as clock:
            message = note()
            services._claim(lane=Lane.BULK, worker="killed", size=10)  # claimed, then the sweeper died
            assert outbox_sweep().sent == 0  # its lease still holds
            clock.shift(services.LEASE + datetime.timedelta(seconds=1))
            assert outbox_sweep().sent == 1
        assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id
        assert reload(message).attempts == 2

    def test_a_sweeper_does_not_send_past_its_lease(self) -> None:
        with time_machine.travel(START, tick=False) as clock:
            note()
            batch = services._claim(lane=Lane.BULK, worker="slow", size=10)
            clock.shift(services.LEASE - services.LEASE_MARGIN)
            report = services.SweepReport()
            services._send_batch(batch, report)
        assert report.sent == 0
        assert mail.outbox == []
        assert reload(batch[0]).claimed_by == ""  # given back for the next sweep


class TestSmtpErrors:
    def test_a_transient_error_is_retried_with_growing_delays(self, sink: SinkHandler) -> None:
        sink.data_failures = 2
        with time_machine.travel(START, tick=False) as clock:
            message = note()
            assert outbox_sweep().retried == 1
            assert reload(message).due_at == START + datetime.timedelta(minutes=1)
            assert reload(message).last_error.startswith("451")
            clock.shift(datetime.timedelta(seconds=59))
            assert outbox_sweep().retried == 0  # not due yet
            clock.shift(datetime.timedelta(seconds=1))
            assert outbox_sweep().retried == 1
            assert reload(message).due_at == timezone.now() + datetime.timedelta(minutes=2)
            clock.shift(datetime.timedelta(minutes=2))
            assert outbox_sweep().sent == 1
        assert sink.attempted_ids == [message.message_id] * 3  # the same Message-ID each time
        assert sink.message_ids == [message.message_id]

    def test_a_refused_recipient_fails_for_good(self, sink: SinkHandler) -> None:
        sink.refuse["inconnue@exemple.fr"] = "550 5.1.1 Mailbox unknown"
        refused = note(address="inconnue@exemple.fr")
        fine = note(address="agnes@exemple.fr")
        report = outbox_sweep()
        assert (report.sent, report.failed) == (1, 1)
        failed = reload(refused)
        assert failed.failed_at is not None
        assert failed.last_error == "550 5.1.1 Mailbox unknown"
        assert reload(fine).sent_at is not None
        assert outbox_sweep().failed == 0  # not tried again

    def test_a_greylisting_recipient_is_retried(self, sink: SinkHandler) -> None:
        sink.refuse["lente@exemple.fr"] = "450 4.2.0 Greylisted"
        message = note(address="lente@exemple.fr")
        assert outbox_sweep().retried == 1
        assert reload(message).failed_at is None

    def test_an_unreachable_server_stops_the_sweep_and_loses_nothing(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens there
        first, second = note(), note()
        report = outbox_sweep()
        assert report.interrupted
        assert report.retried == 1
        assert reload(first).due_at > timezone.now()
        waiting = reload(second)
        assert (waiting.attempts, waiting.claimed_by, waiting.sent_at) == (0, "", None)

    def test_it_gives_up_after_too_many_attempts(self, sink: SinkHandler) -> None:
        sink.data_failures = 100
        message = note()
        Message.objects.filter(pk=message.pk).update(attempts=services.MAX_ATTEMPTS - 1)
        assert outbox_sweep().failed == 1
        assert reload(message).failed_at is not None

    def test_one_connection_carries_the_whole_batch(self, sink: SinkHandler) -> None:
        for number in range(12):
            note(address=f"membre{number}@exemple.fr")
        assert outbox_sweep(batch_size=5).sent == 12
        assert sink.connections == 3  # three batches of at most five


class TestExpiry:
    def test_an_expired_login_code_is_never_sent(self) -> None:
        with time_machine.travel(START, tick=False) as clock:
            message = note(
                lane=Lane.URGENT, payload={"text": "123456"}, expires_at=START + datetime.timedelta(minutes=3)
            )
            clock.shift(datetime.timedelta(minutes=4))
            assert outbox_sweep().failed == 1
        expired = reload(message)
        assert mail.outbox == []
        assert expired.last_error == str(EXPIRED_BEFORE_SENDING)
        assert expired.payload == {}

    def test_a_code_is_not_retried_past_its_expiry(self, sink: SinkHandler) -> None:
        sink.data_failures = 1
        with time_machine.travel(START, tick=False):
            message = note(lane=Lane.URGENT, expires_at=START + datetime.timedelta(seconds=30))
            assert outbox_sweep().failed == 1
        assert str(EXPIRED_BEFORE_SENDING) in reload(message).last_error


class TestRetry:
    def test_a_coordinator_sends_failed_messages_again(self, claire: User, sink: SinkHandler) -> None:
        sink.refuse["pleine@exemple.fr"] = "552 5.2.2 Mailbox full"
        message = note(address="pleine@exemple.fr")
        outbox_sweep()
        del sink.refuse["pleine@exemple.fr"]
        assert message_retry(message_ids=[message.pk], retried_by=claire) == 1
        assert outbox_sweep().sent == 1
        assert sink.message_ids == [message.message_id]

    def test_expired_codes_are_not_sent_again(self, claire: User) -> None:
        message = note(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        outbox_sweep()
        assert message_retry(message_ids=[message.pk], retried_by=claire) == 0

    def test_only_coordinators_may_retry(self, alice: User) -> None:
        message = note()
        with pytest.raises(PolicyDenied):
            message_retry(message_ids=[message.pk], retried_by=alice)


def test_smtp_errors_are_told_apart() -> None:
    assert services._is_permanent(smtplib.SMTPRecipientsRefused({"a@exemple.fr": (550, b"no")}))
    assert not services._is_permanent(smtplib.SMTPRecipientsRefused({"a@exemple.fr": (450, b"later")}))
    assert services._is_permanent(smtplib.SMTPDataError(554, b"rejected"))
    assert not services._is_permanent(smtplib.SMTPDataError(421, b"busy"))


def test_the_platform_notices_carry_the_programme_name_in_subject_and_signature(settings) -> None:
    from cercles.notifications.registry import render_templates

    settings.PROGRAMME_NAME = "Cercles Normandie"
    rendered = render_templates("circles/email/facilitator_invitation", {"invitation": None})
    assert rendered.subject.startswith("[Cercles Normandie] ")
    assert "Cercles Normandie — apprentissage et entraide entre pairs" in rendered.body
    assert "[Cercles]" not in rendered.subject


class _Killed(BaseException):
    """A sweeper process killed mid-batch: nothing after it runs, not even its ``finally`` writes."""


GROUP = 20


class TestGroupedMarks:
    @pytest.fixture(autouse=True)
    def _grouped(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.OUTBOX_MARK_GROUP = GROUP

    def test_sent_marks_are_written_a_group_at_a_time_so_queries_do_not_grow_with_the_batch(self) -> None:
        def queries_to_send(count: int) -> int:
            for number in range(count):
                note(address=f"membre{number}@exemple.fr")
            with CaptureQueriesContext(connection) as queries:
                assert outbox_sweep(batch_size=count).sent == count
            return len(queries)

        one_group = queries_to_send(GROUP)
        three_groups = queries_to_send(3 * GROUP)
        assert three_groups == one_group + 2  # one UPDATE per group of marks, not per message
        assert not Message.objects.filter(sent_at__isnull=True).exists()
        assert not Message.objects.exclude(claimed_by="").exists()

    def test_a_sweeper_killed_mid_batch_repeats_at_most_one_group_with_the_same_message_ids(self, monkeypatch) -> None:
        with time_machine.travel(START, tick=False):  # queued at the clock the sweeps run at
            messages = [note(address=f"membre{number}@exemple.fr") for number in range(30)]
        sent_ids: list[str] = []
        write_marks = services._GroupedMarks.flush
        killed = False

        def send_then_die(self, outgoing):  # type: ignore[no-untyped-def]
            nonlocal killed
            if len(sent_ids) == GROUP + 5:
                killed = True
                raise _Killed()
            sent_ids.extend(message.extra_headers["Message-ID"] for message in outgoing)
            return len(outgoing)

        def flush_unless_dead(self):  # type: ignore[no-untyped-def]
            if not killed:
                write_marks(self)

        monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", send_then_die)
        monkeypatch.setattr(services._GroupedMarks, "flush", flush_unless_dead)
        with time_machine.travel(START, tick=False) as clock, pytest.raises(_Killed):
            outbox_sweep(batch_size=30)
        monkeypatch.undo()
        assert Message.objects.filter(sent_at__isnull=False).count() == GROUP  # the first group
        with time_machine.travel(START, tick=False) as clock:
            assert outbox_sweep().sent == 0  # the rest is still leased to the dead sweeper
            clock.shift(services.LEASE + datetime.timedelta(seconds=1))
            assert outbox_sweep().sent == 30 - GROUP
        again = [message.extra_headers["Message-ID"] for message in mail.outbox]
        repeated = set(sent_ids) & set(again)
        assert repeated == set(sent_ids[GROUP:])  # sent but not yet marked: 5, same ids
        assert len(repeated) <= GROUP
        assert set(sent_ids) | set(again) == {message.message_id for message in messages}  # none lost


class TestMarksOneByOne:
    def test_by_default_a_sweeper_killed_mid_batch_repeats_nothing_it_had_sent(self, monkeypatch) -> None:
        with time_machine.travel(START, tick=False):  # queued at the clock the sweeps run at
            messages = [note(address=f"membre{number}@exemple.fr") for number in range(10)]
        sent_ids: list[str] = []

        def send_then_die(self, outgoing):  # type: ignore[no-untyped-def]
            if len(sent_ids) == 6:
                raise _Killed()  # dies while sending the seventh: that one is in flight
            sent_ids.extend(message.extra_headers["Message-ID"] for message in outgoing)
            return len(outgoing)

        monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", send_then_die)
        with time_machine.travel(START, tick=False), pytest.raises(_Killed):
            outbox_sweep(batch_size=10)
        monkeypatch.undo()
        assert Message.objects.filter(sent_at__isnull=False).count() == 6  # every mark written at once
        with time_machine.travel(START, tick=False) as clock:
            clock.shift(services.LEASE + datetime.timedelta(seconds=1))
            assert outbox_sweep().sent == 4
        again = [message.extra_headers["Message-ID"] for message in mail.outbox]
        assert not set(sent_ids) & set(again)
        assert set(sent_ids) | set(again) == {message.message_id for message in messages}


class TestSeveralSweepers:
    def test_each_sweeper_job_is_held_by_one_scheduler_so_two_processes_sweep_side_by_side(self) -> None:
        from cercles.core.scheduler import PeriodicJob, Scheduler
        from cercles.notifications.jobs import sweep_job_names, sweep_outbox

        names = sweep_job_names(2)
        assert names == ["notifications.sweep", "notifications.sweep.2"]
        first, second = (
            PeriodicJob(name=name, interval=datetime.timedelta(seconds=2), run=sweep_outbox) for name in names
        )
        one, other = Scheduler(worker="process-1"), Scheduler(worker="process-2")
        assert one._claim(first, early=True)
        assert not other._claim(first, early=True)  # one job, one place at a time
        assert other._claim(second, early=True)  # the second sweeper runs elsewhere meanwhile

    def test_by_default_one_sweeper_job_is_registered(self) -> None:
        names = {job.name for job in scheduler.registered_jobs()}
        assert "notifications.sweep" in names
        assert "notifications.sweep.2" not in names
