"""Outbox benchmark: messages per second the sweeper sends, rendering included, and SQL queries per message.

    .venv/bin/python bench/outbox.py [--messages 10000] [--batches 50 100 500] [--sweepers 1 2]
                                     [--backends locmem smtp]

Builds a throw-away database (SQLite file, or DATABASE_URL's server in a test database), queues N due
membership notices ("Bienvenue dans le cercle …", rendered from the database when sent) and times
``outbox_sweep`` until they are all sent, once with Django's in-memory (locmem) mail backend and once
through a real SMTP server on localhost (aiosmtpd, the tests' sink, in a process of its own), for each
batch size and number of sweeper processes at once (``--sweepers 1 2``: separate processes claiming
disjoint batches, as several ``run_scheduler`` processes would). Prints msg/s, queries and the sweepers'
own CPU per message (the figure a machine shared with other work does not distort), and the sink's CPU
per message. Queries per message must not grow with the batch.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
_scratch = tempfile.mkdtemp(prefix="cercles-bench-")
os.environ.setdefault("CERCLES_DATA_DIR", _scratch)
# A file, as in production (WAL), not the test runner's in-memory SQLite.
os.environ.setdefault("SQLITE_TEST_PATH", str(Path(_scratch) / "bench.sqlite3"))


def main() -> None:
    run_bench(
        __doc__ or "",
        populate=_populate,
        queue=_queue,
        description="due messages, rendered when sent",
    )


def run_bench(
    doc: str,
    *,
    populate: Callable[[], list[Any]],
    queue: Callable[[int, list[Any]], None],
    description: str,
) -> None:
    """Time the sweeper over ``--messages`` rows made by ``queue``, for each backend, batch size and number
    of sweeper processes; print messages per second, queries and CPU per message."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batches", type=int, nargs="+", default=[50, 100, 500])
    parser.add_argument("--backends", nargs="+", default=["locmem", "smtp"], choices=["locmem", "smtp"])
    parser.add_argument(
        "--sweepers", type=int, nargs="+", default=[1], help="sweeper processes at once (each its own connection)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.SCHEDULER_RUN_ON_WAKE = False
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        about = populate()
        print(f"database: {connection.vendor}; {args.messages} {description}; {os.cpu_count()} cores")
        print(
            f"{'backend':<8} {'batch':>5} {'sweepers':>8} {'sent':>6} {'seconds':>8} {'msg/s':>7}"
            f" {'queries/msg':>11} {'CPU ms/msg':>10}"
        )
        with _sink_process() as (port, counts):
            for backend in args.backends:
                for batch in args.batches:
                    for sweepers in args.sweepers:
                        if backend == "smtp":
                            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
                            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
                        else:
                            settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
                        queue(args.messages, about)
                        if sweepers == 1:
                            sent, seconds, queries, cpu = _sweep(batch)
                        else:
                            sent, seconds, queries, cpu = _sweep_in_processes(batch, sweepers)
                        assert sent == args.messages, (backend, batch, sent)
                        print(
                            f"{backend:<8} {batch:>5} {sweepers:>8} {sent:>6} {seconds:>8.2f} {sent / seconds:>7.0f}"
                            f" {queries / sent:>11.2f} {cpu / sent * 1000:>10.2f}"
                        )
            received, connections, sink_seconds = counts()
        print(f"SMTP sink (another process) received {received} messages over {connections} connections")
        if received:
            print(f"the sink's own CPU: {sink_seconds / received * 1000:.2f} ms a message")
    finally:
        teardown_databases(old_config, verbosity=0)


@contextmanager
def _sink_process() -> Iterator[tuple[int, Callable[[], tuple[int, int, float]]]]:
    """The aiosmtpd sink in a process of its own, so that it does not share the sweeper's interpreter lock."""
    from tests.smtp_sink import free_port

    port = free_port()
    stop, ready, results = multiprocessing.Event(), multiprocessing.Event(), multiprocessing.Queue()
    child = multiprocessing.Process(target=_serve_sink, args=(port, ready, stop, results))
    child.start()
    ready.wait(30)
    received: list[tuple[int, int, float]] = []

    def counts() -> tuple[int, int, float]:
        stop.set()
        received.append(results.get(timeout=30))
        return received[0]

    try:
        yield port, counts
    finally:
        stop.set()
        child.join(30)


def _serve_sink(port: int, ready: Any, stop: Any, results: Any) -> None:
    from aiosmtpd.controller import Controller

    from tests.smtp_sink import SinkHandler

    handler = SinkHandler(keep=False)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.put((len(handler.message_ids), handler.connections, time.process_time()))


def _populate() -> list[int]:
    """A circle with a facilitator and 50 members: the memberships the notices are about."""
    from tests.factories import make_circle, make_user, seat

    circle = make_circle(facilitators=(make_user("animatrice"),), capacity=60, title="Codéveloppement des cadres")
    return [seat(circle, make_user()).pk for _ in range(50)]


def _queue(count: int, about: list[int]) -> None:
    from django.core import mail
    from django.utils import timezone

    from cercles.notifications.models import Message

    mail.outbox = []
    Message.objects.all().delete()
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                message_id=f"<bench-{number}-{time.monotonic_ns()}@cercles.localhost>",
                kind="circles.joined.person",
                address=f"membre{number}@exemple.fr",
                about={"membership": about[number % len(about)]},
                due_at=now,
            )
            for number in range(count)
        ],
        batch_size=1000,
    )


def _sweep(batch: int) -> tuple[int, float, int, float]:
    """Sweep until nothing is due: (sent, wall seconds, queries, this process's CPU seconds)."""
    from django.db import connection

    from cercles.notifications.services import outbox_sweep

    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start, cpu_start = time.perf_counter(), time.process_time()
        report = outbox_sweep(worker="bench", batch_size=batch, max_seconds=float("inf"))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return report.sent, seconds, queries, cpu


def _sweep_in_processes(batch: int, processes: int) -> tuple[int, float, int, float]:
    """Several sweepers at once, each a process with its own connection, as ``run_scheduler`` processes
    holding the sweeper jobs would: (sent, wall seconds, queries, CPU seconds of the sweepers together)."""
    from django.db import connections

    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    children = [context.Process(target=_sweep_child, args=(batch, start, results)) for _ in range(processes)]
    for child in children:
        child.start()
    began = time.perf_counter()
    start.set()
    outcomes = [results.get(timeout=600) for _ in children]
    seconds = time.perf_counter() - began
    for child in children:
        child.join(30)
    return (
        sum(outcome[0] for outcome in outcomes),
        seconds,
        sum(outcome[2] for outcome in outcomes),
        sum(outcome[3] for outcome in outcomes),
    )


def _sweep_child(batch: int, start: Any, results: Any) -> None:
    start.wait()
    results.put(_sweep(batch))


if __name__ == "__main__":
    main()
