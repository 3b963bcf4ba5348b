"""Meetings benchmark: SQL queries and server time of the meetings pages and feed as the programme grows.

    .venv/bin/python bench/meetings.py [--sizes 10 100 1000] [--repeat 20]

Builds a throw-away SQLite database (or uses DATABASE_URL's server, in a test database), fills it
with N circles of 6 members each and 8 meetings per circle (a third of them with attendance), and
prints, per page, the number of SQL queries and the median and 90th-percentile time of a request
through Django's test client. It also times planning a cycle of 52 weekly meetings (the most a cycle
may have) through the service, e-mails queued in the outbox included.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import bench_circles, bench_memberships, client_for, throwaway_database, time_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection

        print(f"database: {connection.vendor}; {args.repeat} requests per page and size")
        print(f"{'circles':>8} {'page':<26} {'queries':>7} {'median ms':>10} {'p90 ms':>8}")
        for size in args.sizes:
            world = _populate(size)
            for label, url, user in [
                ("mes prochaines séances", "/mes-seances/", world["member"]),
                ("séances d'un cercle", f"/cercles/{world['circle']}/seances/", world["member"]),
                ("calendrier du programme", f"/programme/seances/?mois={world['month']}", world["coordinator"]),
                ("flux privé (.ics)", f"/agenda/{world['token']}.ics", None),
                ("catalogue (prochaine séance)", "/cercles/", None),
            ]:
                timing = time_page(client_for(user), url, args.repeat)
                print(f"{size:>8} {label:<26} {timing.queries:>7} {timing.median_ms:>10.1f} {timing.p90_ms:>8.1f}")
        _time_planning()


def _populate(size: int):  # type: ignore[no-untyped-def]
    """Replace the programme with ``size`` circles of 6 participants, one facilitator and 8 meetings each."""
    import datetime
    import secrets

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cercles.circles.models import Circle, MeetingFormat, Membership
    from cercles.meetings.models import Attendance, Meeting
    from cercles.meetings.services import calendar_feed_renew
    from cercles.people.models import User

    Meeting.objects.all().delete()
    Membership.objects.all().delete()
    Circle.objects.all().delete()
    User.objects.all().delete()
    people = User.objects.bulk_create(User(email=f"p{i}@bench.fr", first_name=f"P{i}") for i in range(60))
    coordinator = User.objects.create(email="coordination@bench.fr", is_staff=True)
    coordinator.groups.add(Group.objects.get(name="Coordination"))
    today = timezone.localdate()
    circles = bench_circles(
        size, start_date=today, end_date=today + datetime.timedelta(days=60), join_deadline=today, rhythm="hebdomadaire"
    )
    bench_memberships(circles, people)
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=14)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            circle=circle,
            starts_at=start + datetime.timedelta(weeks=week, hours=index % 10),
            ends_at=start + datetime.timedelta(weeks=week, hours=index % 10 + 2),
            meeting_format=MeetingFormat.ONLINE,
            room_name=f"cercles-{secrets.token_urlsafe(24)}",
        )
        for index, circle in enumerate(circles)
        for week in range(8)
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, user=people[(index // 8 + 1) % 60], status="present")
        for index, meeting in enumerate(meetings)
        if index % 3 == 0
    )
    member = people[1]
    token = calendar_feed_renew(user=member).feed_token
    month = timezone.localtime(start + datetime.timedelta(weeks=3)).strftime("%Y-%m")
    return {"circle": circles[0].pk, "member": member, "coordinator": coordinator, "token": token, "month": month}


def _time_planning() -> None:
    import datetime

    from django.test import override_settings
    from django.utils import timezone

    from cercles.circles.models import Circle, Membership
    from cercles.meetings.planning import CycleShape, Rhythm
    from cercles.meetings.services import CyclePlan, cycle_plan
    from cercles.notifications.services import outbox_sweep

    circle = Circle.objects.order_by("pk").first()
    facilitator = Membership.objects.get(circle=circle, role="animation").user
    outbox_sweep()
    timings, sweeps = [], []
    for _ in range(5):
        first = timezone.localdate() + datetime.timedelta(days=7)
        plan = CyclePlan(
            shape=CycleShape(Rhythm.WEEKLY, first, 52),
            start_time=datetime.time(18, 0),
            duration_minutes=120,
            meeting_format="en_ligne",
        )
        with override_settings(SCHEDULER_RUN_ON_WAKE=False):  # the request's share only; the sweep is timed apart
            start = time.perf_counter()
            cycle_plan(circle_id=circle.pk, planned_by=facilitator, plan=plan)  # type: ignore[union-attr]
            timings.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        outbox_sweep()
        sweeps.append((time.perf_counter() - start) * 1000)
    print(f"planning 52 weekly meetings (the request): median {statistics.median(timings):.1f} ms")
    print(
        "sending its e-mails (7 people, one e-mail each with 52 invitations, locmem backend): "
        f"median {statistics.median(sweeps):.1f} ms"
    )


if __name__ == "__main__":
    main()
