"""An account erased while its owner joins a circle: never an active member left behind a tombstone.

Runs on PostgreSQL with two real concurrent transactions (the join and the erasure both lock the
person's row first, then the circle's).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cercles.circles import services
from cercles.circles.exceptions import MembershipError
from cercles.circles.models import Membership, MembershipStatus
from cercles.privacy.services import person_erase
from tests.factories import make_circle, make_user
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent transactions")


def _together(*actions: Callable[[], object]) -> list[BaseException]:
    # A join that comes second is refused, as it should be.
    return run_at_once(actions, expected=(MembershipError,))


@pytest.mark.parametrize("attempt", range(4))
def test_an_erasure_racing_with_a_join_leaves_no_active_membership(attempt: int) -> None:
    circle = make_circle(capacity=5)
    person = make_user()
    errors = _together(
        lambda: services.membership_request(circle_id=circle.pk, user=person, pact_accepted=True),
        lambda: person_erase(person_id=person.pk, erased_by=person),
    )
    assert errors == []
    assert not Membership.objects.filter(circle=circle, user=person, status=MembershipStatus.ACTIVE).exists()
