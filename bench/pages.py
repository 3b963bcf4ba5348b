"""Page-load benchmark: SQL queries and server time of the main pages as the programme grows.

    .venv/bin/python bench/pages.py [--sizes 10 100 1000] [--repeat 20]

Builds a throw-away SQLite database (or uses DATABASE_URL's server, in a test database), fills it
with N circles of 6 members each, and prints, per page, the number of SQL queries and the median
and 90th-percentile time of a request through Django's test client (no network, no browser).
"""

from __future__ import annotations

import argparse

from common import bench_circles, bench_memberships, client_for, throwaway_database, time_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection

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
                timing = time_page(client_for(user), url, args.repeat)
                print(f"{size:>8} {label:<22} {timing.queries:>7} {timing.median_ms:>10.1f} {timing.p90_ms:>8.1f}")


def _populate(size: int):  # type: ignore[no-untyped-def]
    """Replace the programme with ``size`` circles of 6 participants and one facilitator each."""
    from cercles.circles.models import Circle, Membership
    from cercles.people.models import User

    Membership.objects.all().delete()
    Circle.objects.all().delete()
    User.objects.all().delete()
    people = User.objects.bulk_create(User(email=f"p{i}@bench.fr", first_name=f"P{i}") for i in range(60))
    circles = bench_circles(size)
    bench_memberships(circles, people)
    return circles[0].pk, people[1]


if __name__ == "__main__":
    main()
