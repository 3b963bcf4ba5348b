"""Page-load benchmark: SQL queries and server time of the main pages as the programme grows.

    .venv/bin/python bench/pages.py [--sizes 10 100 1000] [--repeat 20]

Builds a throw-away SQLite database (or uses DATABASE_URL's server, in a test database), fills it
with N circles of 6 members each, and prints, per page, the number of SQL queries and the median
and 90th-percentile time of a request through Django's test client (no network, no browser).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("CERCLES_DATA_DIR", tempfile.mkdtemp(prefix="cercles-bench-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}; {args.repeat} requests per page and size")
        print(f"{'circles':>8} {'page':<22} {'queries':>7} {'median ms':>10} {'p90 ms':>8}")
        for size in args.sizes:
            circle_id, viewer = _populate(size)
            for label, url, user in [
                ("home", "/", None),
                ("catalogue", "/cercles/", None),
                ("catalogue, search", "/cercles/?q=cercle+5&statut=ouvert", None),
                ("circle (member view)", f"/cercles/{circle_id}/", viewer),
                ("my circles", "/mes-cercles/", viewer),
            ]:
                client = _client(user)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                query_count = len(queries)  # read now: the captured log is not kept once more requests run
                assert response.status_code == 200, (url, response.status_code)
                timings = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                p90 = statistics.quantiles(timings, n=10)[-1] if len(timings) > 1 else timings[0]
                print(f"{size:>8} {label:<22} {query_count:>7} {statistics.median(timings):>10.1f} {p90:>8.1f}")
    finally:
        teardown_databases(old_config, verbosity=0)


def _client(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _populate(size: int):  # type: ignore[no-untyped-def]
    """Replace the programme with ``size`` circles of 6 participants and one facilitator each."""
    import datetime

    from django.utils import timezone

    from cercles.circles.models import Circle, CircleKind, MeetingFormat, Membership
    from cercles.people.models import User

    Membership.objects.all().delete()
    Circle.objects.all().delete()
    User.objects.all().delete()
    people = User.objects.bulk_create(User(email=f"p{i}@bench.fr", first_name=f"P{i}") for i in range(60))
    kinds = list(CircleKind.objects.all())
    today = timezone.localdate()
    circles = Circle.objects.bulk_create(
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
        for i in range(size)
    )
    rows = []
    for index, circle in enumerate(circles):
        rows.append(Membership(circle=circle, user=people[index % 60], role="animation", status="actif"))
        for offset in range(1, 7):
            rows.append(Membership(circle=circle, user=people[(index + offset) % 60], status="actif"))
    Membership.objects.bulk_create(rows)
    return circles[0].pk, people[1]


if __name__ == "__main__":
    main()
