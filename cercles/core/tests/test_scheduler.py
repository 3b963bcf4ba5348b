"""The scheduler: each periodic job runs at its turn, in one scheduler at a time, and early when woken."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator

import pytest
import time_machine

from cercles.core import scheduler
from cercles.core.models import ScheduledJob
from cercles.core.scheduler import Scheduler, periodic_job

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
runs: list[str] = []


@pytest.fixture(autouse=True)
def only_test_jobs(monkeypatch) -> Iterator[None]:
    # The project's own jobs (the mail sweeper) stay out of these tests.
    monkeypatch.setattr(scheduler, "_jobs", {})
    runs.clear()
    periodic_job(name="tests.tick", interval=datetime.timedelta(minutes=10))(lambda: runs.append("tick"))
    yield
    scheduler._woken.clear()
    scheduler._wakeup.clear()


def test_a_job_runs_at_its_turn_and_not_before() -> None:
    with time_machine.travel(START, tick=False) as clock:
        assert Scheduler(worker="a").run_due() == ["tests.tick"]
        clock.shift(datetime.timedelta(minutes=9))
        assert Scheduler(worker="a").run_due() == []
        clock.shift(datetime.timedelta(minutes=1))
        assert Scheduler(worker="a").run_due() == ["tests.tick"]
    job = ScheduledJob.objects.get(name="tests.tick")
    assert (job.lease_until, job.leased_by, job.next_run_at) == (None, "", START + datetime.timedelta(minutes=20))


def test_two_schedulers_never_run_the_same_turn() -> None:
    with time_machine.travel(START, tick=False):
        ScheduledJob.objects.create(name="tests.tick", next_run_at=START)
        first, second = Scheduler(worker="a"), Scheduler(worker="b")
        assert first._claim(scheduler._jobs["tests.tick"], early=False)
        assert not second._claim(scheduler._jobs["tests.tick"], early=False)
        assert not second._claim(scheduler._jobs["tests.tick"], early=True)  # even woken, the lease holds


def test_a_dead_schedulers_turn_is_taken_once_its_lease_expires() -> None:
    with time_machine.travel(START, tick=False) as clock:
        ScheduledJob.objects.create(name="tests.tick", next_run_at=START)
        assert Scheduler(worker="killed")._claim(scheduler._jobs["tests.tick"], early=False)
        clock.shift(scheduler._jobs["tests.tick"].lease + datetime.timedelta(seconds=1))
        assert Scheduler(worker="b").run_due() == ["tests.tick"]


def test_a_woken_job_runs_before_its_turn(settings) -> None:
    settings.SCHEDULER_RUN_ON_WAKE = False
    with time_machine.travel(START, tick=False):
        Scheduler(worker="a").run_due()
        scheduler.wake("tests.tick")
        assert scheduler._wakeup.is_set()
        assert Scheduler(worker="a").run_due() == ["tests.tick"]
    assert runs == ["tick", "tick"]


def test_a_failing_job_is_recorded_and_the_others_still_run() -> None:
    def fail() -> None:
        raise RuntimeError("the database is away")

    periodic_job(name="tests.a_failing", interval=datetime.timedelta(minutes=1))(fail)
    assert Scheduler(worker="a").run_due() == ["tests.a_failing", "tests.tick"]
    assert ScheduledJob.objects.get(name="tests.a_failing").last_error == "RuntimeError: the database is away"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_runs_until_stopped() -> None:
    # Transactional: the loop closes its connection between ticks, as a thread of its own does.
    stop = threading.Event()
    periodic_job(name="tests.stop", interval=datetime.timedelta(minutes=1))(stop.set)
    Scheduler(worker="a", tick=0).run_forever(stop)
    assert runs == ["tick"]
    assert set(ScheduledJob.objects.values_list("name", flat=True)) == {"tests.tick", "tests.stop"}


def test_a_job_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        periodic_job(name="tests.tick", interval=datetime.timedelta(minutes=1))(lambda: None)
