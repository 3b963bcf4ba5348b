"""Two people, one place: exactly one gets it, the other goes to the waiting list.

Runs on PostgreSQL with two real concurrent transactions (SELECT … FOR UPDATE on the circle row).
"""

from __future__ import annotations

import pytest
from django.db import connection

from cercles.circles import services
from cercles.circles.models import Membership, MembershipStatus
from tests.factories import fill, make_circle, make_user
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent transactions")


def race(circle_id: int, users: list) -> list[BaseException]:
    return run_at_once(
        [
            lambda user=user: services.membership_request(circle_id=circle_id, user=user, pact_accepted=True)
            for user in users
        ]
    )


@pytest.mark.parametrize("attempt", range(5))
def test_two_people_racing_for_the_last_place(attempt: int) -> None:
    circle = make_circle(capacity=3)
    fill(circle, 2)
    racers = [make_user(), make_user()]
    assert race(circle.pk, racers) == []
    statuses = sorted(Membership.objects.filter(circle=circle, user__in=racers).values_list("status", flat=True))
    assert statuses == [MembershipStatus.ACTIVE, MembershipStatus.WAITING]
    assert Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).count() == 3


def test_many_people_racing_for_two_places_fill_them_exactly() -> None:
    circle = make_circle(capacity=2)
    racers = [make_user() for _ in range(6)]
    assert race(circle.pk, racers) == []
    active = Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).count()
    waiting = list(
        Membership.objects.filter(circle=circle, status=MembershipStatus.WAITING).order_by("requested_at", "id")
    )
    assert active == 2
    assert len(waiting) == 4


def _changes_from(circle, **overrides):  # type: ignore[no-untyped-def]
    fields = {name: getattr(circle, name) for name in services.CircleChanges.__dataclass_fields__ if name != "kind"}
    return services.CircleChanges(**{**fields, **overrides})


def test_two_editors_saving_the_same_version_at_once_one_is_refused_nothing_is_overwritten() -> None:
    from cercles.circles.exceptions import CircleEditConflict

    circle = make_circle(capacity=8)
    editor = make_user(is_staff=True)
    version = circle.version
    outcomes: list[str] = []

    def save(title: str) -> None:
        try:
            services.circle_update(
                circle_id=circle.pk, editor=editor, version=version, changes=_changes_from(circle, title=title)
            )
            outcomes.append(title)
        except CircleEditConflict:
            outcomes.append("refusé")

    assert run_at_once([lambda: save("Titre A"), lambda: save("Titre B")]) == []
    assert len(outcomes) == 2
    assert outcomes.count("refusé") == 1
    (saved,) = [title for title in outcomes if title != "refusé"]
    circle.refresh_from_db()
    assert (circle.title, circle.version) == (saved, version + 1)
