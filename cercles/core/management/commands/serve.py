"""Serve Cercles with uvicorn (HTTP + WebSockets); in embedded mode, the task worker and scheduler as threads."""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _run_worker() -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=1.0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="embedded",
        excluded_queue_names=[],
    ).run()


def _run_scheduler() -> None:
    from cercles.core.scheduler import Scheduler

    Scheduler(worker="embedded").run_forever(threading.Event())


class Command(BaseCommand):
    help = "Serve the site on HOST:PORT with the background worker and the scheduler (embedded mode)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        import uvicorn

        call_command("collectstatic", interactive=False, verbosity=0)
        if "SITE_URL" not in os.environ:
            # Links in e-mails point at the address actually served.
            settings.SITE_URL = f"http://{host}:{port}"
        if settings.RUN_WORKER_IN_PROCESS:
            # Daemon thread: it stops with the server. E-mails and other tasks queued by requests run here.
            threading.Thread(target=_run_worker, name="cercles-worker", daemon=True).start()
            self.stdout.write("Background worker: running inside this process.")
        else:
            self.stdout.write("Background worker: run `manage.py db_worker` in other processes.")
        if settings.RUN_SCHEDULER_IN_PROCESS:
            # Its own thread, apart from the task worker: mail never waits behind a long task.
            threading.Thread(target=_run_scheduler, name="cercles-scheduler", daemon=True).start()
            self.stdout.write("Scheduler (mail sweeper, periodic jobs): running inside this process.")
        else:
            self.stdout.write("Scheduler: run `manage.py run_scheduler` in another process.")
        self.stdout.write(f"Cercles: http://{host}:{port}/")
        uvicorn.run("config.asgi:application", host=host, port=port, workers=1, log_level="info", lifespan="off")
