from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from cercles.circles import selectors
from cercles.circles.demo import DEMO_LOGINS, DEMO_PASSWORD
from cercles.circles.models import Circle, CircleStatus, Membership, MembershipStatus
from cercles.people.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_prints_the_logins() -> None:
    first, second = StringIO(), StringIO()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)
    assert "Demo programme loaded" in first.getvalue()
    assert "already loaded" in second.getvalue()
    for email, _role in DEMO_LOGINS:
        assert email in first.getvalue()
    assert DEMO_PASSWORD in first.getvalue()
    assert User.objects.count() == 43


def test_the_demo_shows_a_living_programme() -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    statuses = {circle.status for circle in selectors.with_status(Circle.objects.all())}  # type: ignore[attr-defined]
    # Every status the calendar gives; cancelling and archiving are the coordination's acts, not the demo's.
    assert statuses == set(CircleStatus.values) - {CircleStatus.CANCELLED, CircleStatus.ARCHIVED}
    assert Membership.objects.filter(status=MembershipStatus.WAITING).count() == 3
    assert Membership.objects.filter(status=MembershipStatus.PENDING).exists()
    assert User.objects.exclude(profile__organisation__kind=None).values("profile__organisation").distinct().count() > 5
    # Bulk-created people cannot log in with a password; the three demo logins can.
    assert not User.objects.get(email="participant001@demo.cercles.fr").has_usable_password()
    assert User.objects.get(email=DEMO_LOGINS[1][0]).check_password(DEMO_PASSWORD)


def test_a_demo_login_reaches_the_coordination(client) -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    client.post("/compte/login/", {"login": DEMO_LOGINS[0][0], "password": DEMO_PASSWORD})
    assert client.get("/coordination/circles/circle/").status_code == 200
