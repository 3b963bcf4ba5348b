"""Pages at national scale, over real HTTP: the production server, several clients, the whole middleware.

    .venv/bin/python bench/pages_http.py [--circles 5000] [--people 50000] [--clients 8] [--seconds 8]

Builds a programme of ``--circles`` circles (a facilitator and six members each) and ``--people``
people, bulk-created in a throw-away SQLite file (or in the empty database ``DATABASE_URL`` names),
serves it with uvicorn in another process (the site's settings, plus one bare view behind the same
middleware), and prints for each page: SQL queries (one request through Django's test client),
requests per second with ``--clients`` concurrent keep-alive clients for ``--seconds`` seconds,
median and 95th-percentile latency, and the ratio of its throughput to the bare view's.

The clients run in this process, on the same machine: on a small machine they take CPU from the
server, so the ratios say more than the absolute figures.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]
DATA_DIR = tempfile.mkdtemp(prefix="cercles-bench-http-")
os.environ["CERCLES_DATA_DIR"] = DATA_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--circles", type=int, default=5000)
    parser.add_argument("--people", type=int, default=50000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    circle_id, member = populate(args.circles, args.people)
    print(f"programme built: {args.circles} circles, {args.people} people in {time.perf_counter() - started:.1f} s")
    session = session_cookie(member)
    pages = [
        ("bare view (same middleware)", "/bench/bare/", None),
        ("home", "/", None),
        ("catalogue, first page", "/cercles/", None),
        ("catalogue, filtered", "/cercles/?statut=ouvert&format=en_ligne", None),
        ("catalogue, search", "/cercles/?q=cercle+42", None),
        ("circle, anonymous", f"/cercles/{circle_id}/", None),
        ("circle, as a member", f"/cercles/{circle_id}/", session),
        ("my circles", "/mes-cercles/", session),
    ]
    queries = {path + str(bool(cookie)): count_queries(path, member if cookie else None) for _, path, cookie in pages}

    port = free_port()
    server = start_server(port)
    try:
        database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
        print(f"uvicorn, 1 process, {database}; {args.clients} clients for {args.seconds:.0f} s per page")
        print(f"{'page':<30} {'queries':>7} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'vs bare':>8}")
        bare_rate = None
        for label, path, cookie in pages:
            load(port, path, cookie, clients=args.clients, seconds=1.0)  # warm-up: caches, connections
            rate, latencies = load(port, path, cookie, clients=args.clients, seconds=args.seconds)
            bare_rate = bare_rate or rate
            p95 = statistics.quantiles(latencies, n=20)[-1]
            shown = "-" if path == "/bench/bare/" else str(queries[path + str(bool(cookie))])
            print(
                f"{label:<30} {shown:>7} {rate:>8.0f} {statistics.median(latencies):>10.1f} {p95:>8.1f}"
                f" {rate / bare_rate:>8.2f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


def populate(circle_count: int, people_count: int):  # type: ignore[no-untyped-def]
    import datetime

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from cercles.circles.models import Circle, CircleKind, MeetingFormat, Membership
    from cercles.people.models import User
    from tests.factories import make_user

    member = make_user("mesure")
    people = User.objects.bulk_create(
        (User(email=f"p{i}@bench.fr", first_name=f"Prénom{i}", last_name=f"Nom{i}") for i in range(people_count)),
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in people), batch_size=2000
    )
    kinds = list(CircleKind.objects.all())
    today = timezone.localdate()
    circles = Circle.objects.bulk_create(
        (
            Circle(
                kind=kinds[i % len(kinds)],
                title=f"Cercle {i}",
                description="Un cercle de mesure.",
                meeting_format=MeetingFormat.ONLINE,
                start_date=today + datetime.timedelta(days=10 + i % 30),
                end_date=today + datetime.timedelta(days=200),
                join_deadline=today + datetime.timedelta(days=5),
                rhythm="mensuel",
                meeting_duration_minutes=90,
                capacity=8,
                search_text=f"cercle {i} un cercle de mesure",
            )
            for i in range(circle_count)
        ),
        batch_size=1000,
    )
    rows = []
    for index, circle in enumerate(circles):
        rows.append(Membership(circle=circle, user=people[index % people_count], role="animation", status="actif"))
        for offset in range(1, 7):
            rows.append(Membership(circle=circle, user=people[(index * 7 + offset) % people_count], status="actif"))
    rows += [Membership(circle=circles[i], user=member, status="actif") for i in range(min(12, circle_count))]
    Membership.objects.bulk_create(rows, batch_size=5000)
    return circles[0].pk, member


def session_cookie(user) -> str:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def count_queries(path: str, user) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if user is not None:
        client.force_login(user)
    from cercles.core.page_cache import public_pages_changed

    client.get(path)  # the first request of the day records the last activity: not a page's own cost
    public_pages_changed()  # the queries of rendering the page, not of serving its cached copy
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


UVICORN = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]


def start_server(port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
        "RUN_SCHEDULER_IN_PROCESS": "0",
    }
    server = subprocess.Popen(
        [*UVICORN, "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT,
        env=environment,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/sante/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("uvicorn did not start")


def load(port: int, path: str, cookie: str | None, *, clients: int, seconds: float) -> tuple[float, list[float]]:
    """``clients`` threads, each on its own keep-alive connection, request ``path`` for ``seconds``."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    headers = {"Cookie": cookie} if cookie else {}
    failures: list[int] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
            mine.append((time.perf_counter() - start) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{path} answered {sorted(set(failures))}")
    return len(latencies) / elapsed, latencies


if __name__ == "__main__":
    main()
