"""Run the periodic jobs (the outbox sweeper first) until stopped: the scale-out mode's scheduler process."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from cercles.core.scheduler import Scheduler, registered_jobs


class Command(BaseCommand):
    help = "Run the periodic jobs (mail sweeper, …) in this process; several may run, each job claims its turn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between two looks at the jobs")

    def handle(self, *args: Any, tick: float, **options: Any) -> None:
        stop = threading.Event()
        # SIGTERM finishes the job in progress, then stops: no message is left half-claimed for long.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        names = ", ".join(job.name for job in registered_jobs())
        self.stdout.write(f"Scheduler running: {names}")
        Scheduler(tick=tick).run_forever(stop)
