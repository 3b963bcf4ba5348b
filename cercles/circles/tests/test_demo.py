from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cercles.circles import selectors
from cercles.circles.demo import DEMO_LOGINS, DEMO_TOTP_KEY, current_totp_code, demo_logins_read
from cercles.circles.models import Circle, CircleStatus, Membership, MembershipStatus
from cercles.core.policy import allows
from cercles.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    # The password file goes to a temporary data/ directory, never the developer's own.
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_it_loads_once_and_prints_the_generated_logins(data_dir: Path) -> None:
    first, second = StringIO(), StringIO()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)
    assert "Demo programme loaded" in first.getvalue()
    assert "already loaded" in second.getvalue()
    passwords = demo_logins_read()
    for email, _role in DEMO_LOGINS:
        assert email in first.getvalue()
        assert passwords[email] in first.getvalue()
        # The second start shows the same logins: the passwords are not regenerated.
        assert passwords[email] in second.getvalue()
    assert str(data_dir / "demo-logins.txt") in first.getvalue()
    # The programme's own people; apps above circles add theirs (the formation's applicants).
    assert User.objects.exclude(email__startswith="candidature").count() == 43


def test_it_generates_a_different_password_for_each_login_and_each_install(data_dir: Path) -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    passwords = {email: demo_logins_read()[email] for email, _role in DEMO_LOGINS}
    assert len(set(passwords.values())) == len(DEMO_LOGINS)
    assert all(len(password) >= 16 for password in passwords.values())
    assert "cercles-demo-2026" not in passwords.values()
    assert not (Path(__file__).resolve().parents[3] / "README.md").read_text().count(passwords[DEMO_LOGINS[0][0]])


def test_it_keeps_the_passwords_readable_by_their_owner_only(data_dir: Path) -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    mode = stat.S_IMODE((data_dir / "demo-logins.txt").stat().st_mode)
    assert mode == 0o600


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
    facilitator = DEMO_LOGINS[1][0]
    assert User.objects.get(email=facilitator).check_password(demo_logins_read()[facilitator])


def test_it_makes_the_demo_coordinator_a_coordinator_and_nobody_a_superuser() -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    coordinator = User.objects.get(email=DEMO_LOGINS[0][0])
    assert coordinator.is_staff
    assert allows(coordinator, "programme.administer")
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.exclude(email__endswith="@demo.cercles.fr").exists()


def test_a_demo_login_reaches_the_coordination(client) -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    email = DEMO_LOGINS[0][0]
    client.post("/compte/login/", {"login": email, "password": demo_logins_read()[email]})
    # The second factor whose secret the demo logins file keeps (and the console prints).
    client.post("/compte/2fa/authenticate/", {"code": current_totp_code(demo_logins_read()[DEMO_TOTP_KEY])})
    assert client.get("/coordination/circles/circle/").status_code == 200


def test_it_prints_the_coordinators_second_factor_with_the_logins(data_dir: Path) -> None:
    output = StringIO()
    call_command("load_demo", stdout=output)
    secret = demo_logins_read()[DEMO_TOTP_KEY]
    assert len(secret) >= 16
    assert secret in output.getvalue()
    assert secret in (data_dir / "demo-logins.txt").read_text()


def test_it_refuses_to_load_the_demo_on_a_site_served_beyond_localhost(settings) -> None:
    settings.ALLOWED_HOSTS = ["cercles.example.fr"]
    with pytest.raises(CommandError):
        call_command("load_demo", "--quiet", stdout=StringIO())
    assert not User.objects.exists()


def test_it_says_where_the_passwords_went_when_their_file_is_gone(data_dir: Path) -> None:
    call_command("load_demo", "--quiet", stdout=StringIO())
    (data_dir / "demo-logins.txt").unlink()
    output = StringIO()
    call_command("load_demo", stdout=output)
    assert "password file missing" in output.getvalue()
