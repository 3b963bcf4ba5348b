"""What the benchmarks share: the project on the path, a scratch data directory, a throw-away test
database, a signed-in client, and timing a page.

Import it first (``from common import …``: the scripts run as ``python bench/NAME.py``, so this folder
is on the path): it sets the settings module and the data directory before Django is set up.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
SCRATCH = os.environ.setdefault("CERCLES_DATA_DIR", tempfile.mkdtemp(prefix="cercles-bench-"))
# These benches time the views, not the anonymous visitors' page cache (bench/pages_http.py measures
# that): its copies would otherwise answer after the first request, and across sizes.
os.environ.setdefault("PUBLIC_PAGE_CACHE_SECONDS", "0")


@contextmanager
def throwaway_database() -> Iterator[None]:
    """Django set up on a test database (SQLite in memory, or a test database on DATABASE_URL's
    server), dropped at the end."""
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old_config, verbosity=0)


def client_for(user: Any) -> Any:
    """A test client, signed in as ``user`` (anonymous when None)."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@dataclass(frozen=True)
class PageTiming:
    queries: int
    median_ms: float
    p90_ms: float


def time_page(client: Any, url: str, repeat: int) -> PageTiming:
    """Queries of one GET of ``url`` (which must answer 200), then the median and 90th percentile of
    ``repeat`` more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries)  # read now: the captured log is not kept once more requests run
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    p90 = statistics.quantiles(timings, n=10)[-1] if len(timings) > 1 else timings[0]
    return PageTiming(queries=query_count, median_ms=statistics.median(timings), p90_ms=p90)


def bench_circles(count: int, **fields: Any) -> list[Any]:
    """``count`` online circles "Cercle i" of 8 places over the circle kinds, opening in 10 to 40 days
    unless ``fields`` say otherwise; bulk-created."""
    import datetime

    from django.utils import timezone

    from cercles.circles.models import Circle, CircleKind, MeetingFormat

    kinds = list(CircleKind.objects.all())
    today = timezone.localdate()
    return Circle.objects.bulk_create(
        (
            Circle(
                **{
                    "kind": kinds[i % len(kinds)],
                    "title": f"Cercle {i}",
                    "description": "Un cercle de mesure.",
                    "meeting_format": MeetingFormat.ONLINE,
                    "start_date": today + datetime.timedelta(days=10 + i % 30),
                    "end_date": today + datetime.timedelta(days=200),
                    "join_deadline": today + datetime.timedelta(days=5),
                    "rhythm": "mensuel",
                    "meeting_duration_minutes": 90,
                    "capacity": 8,
                    "search_text": f"cercle {i} un cercle de mesure",
                    **fields,
                }
            )
            for i in range(count)
        ),
        batch_size=1000,
    )


def bench_memberships(circles: list[Any], people: list[Any]) -> None:
    """In each circle one facilitator and six participants, taken in turn from ``people``."""
    from cercles.circles.models import Membership

    rows = []
    for index, circle in enumerate(circles):
        rows.append(Membership(circle=circle, user=people[index % len(people)], role="animation", status="actif"))
        for offset in range(1, 7):
            rows.append(Membership(circle=circle, user=people[(index + offset) % len(people)], status="actif"))
    Membership.objects.bulk_create(rows)
