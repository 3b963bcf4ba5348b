"""One small scheduler of periodic jobs for the whole project.

django-tasks has no periodic jobs, cannot abort a running task and leaves a killed task marked running,
so periodic work does not go through it. Apps register jobs with an interval (``@periodic_job``); a
scheduler runs each job when its turn comes. Several schedulers may run (one thread of ``manage.py
serve`` in the embedded mode, ``manage.py run_scheduler`` processes in the scale-out mode): each job
claims its turn with a lease on its ``ScheduledJob`` row (a conditional UPDATE), so one job runs in one
place at a time, and a scheduler that died loses its turn only until the lease expires.

Jobs must be safe to run twice (the outbox sweeper claims its own rows): the lease spreads the work, it
does not make a job exactly-once. ``wake(name)`` asks for a job to run now instead of at its next turn
(the outbox does after a commit that queued a message), in this process.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from cercles.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: datetime.timedelta
    run: Callable[[], object]
    # Longer than any run: a job still running when its lease ends may be started elsewhere too.
    lease: datetime.timedelta = datetime.timedelta(minutes=5)


_jobs: dict[str, PeriodicJob] = {}
_woken: set[str] = set()
_woken_lock = threading.Lock()
_wakeup = threading.Event()


def periodic_job(
    *, name: str, interval: datetime.timedelta, lease: datetime.timedelta = datetime.timedelta(minutes=5)
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function to run every ``interval``, in one scheduler at a time."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        if name in _jobs and _jobs[name].run is not function:
            raise ValueError(f"periodic job {name!r} is already registered")
        _jobs[name] = PeriodicJob(name=name, interval=interval, run=function, lease=lease)
        return function

    return register


def registered_jobs() -> list[PeriodicJob]:
    return [_jobs[name] for name in sorted(_jobs)]


def wake(name: str) -> None:
    """Run job ``name`` as soon as this process's scheduler can (it is waiting on an event).

    With ``SCHEDULER_RUN_ON_WAKE`` (the test settings) the job runs at once in the caller's thread,
    so that a test sees the effect of a commit without a scheduler thread.
    """
    if settings.SCHEDULER_RUN_ON_WAKE:
        _jobs[name].run()
        return
    with _woken_lock:
        _woken.add(name)
    _wakeup.set()


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


class Scheduler:
    """Runs the registered jobs whose turn has come; ``run_forever`` until ``stop`` is set."""

    def __init__(self, *, worker: str = "", tick: float = 1.0) -> None:
        self.worker = worker or default_worker_name()
        self.tick = tick

    def run_due(self) -> list[str]:
        """Run every job whose turn came (or that was woken) and whose lease this scheduler won."""
        with _woken_lock:
            woken = set(_woken)
            _woken.clear()
        ran = []
        for job in registered_jobs():
            if self._claim(job, early=job.name in woken):
                self._run(job)
                ran.append(job.name)
        return ran

    def run_forever(self, stop: threading.Event) -> None:
        ScheduledJob.objects.bulk_create(
            [ScheduledJob(name=job.name) for job in registered_jobs()], ignore_conflicts=True
        )
        while not stop.is_set():
            try:
                self.run_due()
            except Exception:  # the database went away for a moment: try again next tick
                logger.exception("scheduler tick failed")
            finally:
                close_old_connections()
            _wakeup.wait(self.tick)
            _wakeup.clear()

    def _claim(self, job: PeriodicJob, *, early: bool) -> bool:
        now = timezone.now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        turn = free if early else free & Q(next_run_at__lte=now)
        claimed = ScheduledJob.objects.filter(turn, name=job.name).update(
            lease_until=now + job.lease, leased_by=self.worker, last_started_at=now
        )
        if not claimed and not ScheduledJob.objects.filter(name=job.name).exists():
            ScheduledJob.objects.bulk_create([ScheduledJob(name=job.name)], ignore_conflicts=True)
            return self._claim(job, early=early)
        return bool(claimed)

    def _run(self, job: PeriodicJob) -> None:
        error = ""
        try:
            job.run()
        except Exception as failure:  # one failing job must not stop the others
            logger.exception("periodic job %s failed", job.name)
            error = f"{type(failure).__name__}: {failure}"[:500]
        finished = timezone.now()
        ScheduledJob.objects.filter(name=job.name, leased_by=self.worker).update(
            lease_until=None,
            leased_by="",
            next_run_at=finished + job.interval,
            last_finished_at=finished,
            last_error=error,
        )
