"""Personal-data benchmark: "Mes données" and the erasure of an account as a person's history grows.

    .venv/bin/python bench/privacy.py [--sizes 1 10 100] [--repeat 5]

Builds a throw-away SQLite database (or uses DATABASE_URL's server, in a test database). For a person
in N circles (with N sent messages and N audit rows about them), prints the SQL queries and median
time of the "Mes données" page and of the JSON download, then the queries and time of erasing them.
"""

from __future__ import annotations

import argparse
import time

from common import client_for, throwaway_database, time_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from cercles.privacy.services import person_erase

        print(f"database: {connection.vendor}; {args.repeat} requests per page and size")
        print(f"{'circles':>8} {'what':<24} {'queries':>7} {'median ms':>10}")
        for size in args.sizes:
            person = _populate(size)
            client = client_for(person)
            for label, url in [
                ("Mes données (page)", "/profil/mes-donnees/"),
                ("Mes données (JSON)", "/profil/mes-donnees.json"),
            ]:
                timing = time_page(client, url, args.repeat)
                print(f"{size:>8} {label:<24} {timing.queries:>7} {timing.median_ms:>10.1f}")
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                person_erase(person_id=person.pk, erased_by=person)
                elapsed = (time.perf_counter() - start) * 1000
            print(f"{size:>8} {'erasure (one transaction)':<24} {len(queries):>7} {elapsed:>10.1f}")


def _populate(size: int):  # type: ignore[no-untyped-def]
    from django.db import transaction

    from cercles.audit.models import AuditAction
    from cercles.audit.services import audit_record
    from cercles.notifications.models import Message
    from tests.factories import make_circle, make_user, seat

    person = make_user()
    facilitator = make_user()
    with transaction.atomic():
        for number in range(size):
            circle = make_circle(facilitators=(facilitator,))
            seat(circle, person)
            Message.objects.create(
                message_id=f"<bench-{person.pk}-{number}@exemple.fr>",
                kind="circles.joined.person",
                recipient=person,
                address=person.email,
            )
            audit_record(actor=facilitator, action=AuditAction.PERSON_UPDATE, person=person, circle=circle)
    return person


if __name__ == "__main__":
    main()
