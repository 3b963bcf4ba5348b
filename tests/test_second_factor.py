"""Coordinators and superusers need a second factor (allauth.mfa) before any coordination page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tests.factories import PASSWORD, TEST_TOTP_SECRET, make_user, totp_code
from tests.matrix_world import build_world
from tests.permission_matrix import ROWS, Outcome

COORDINATION_ROWS = [
    row
    for row in ROWS
    if row.expect["coordinator"] in {Outcome.OK, Outcome.REDIRECT}
    and (
        (row.prefix and row.name.startswith("coordination")) or row.name.startswith(("admin:", "privacy:person_erase"))
    )
]


def _without_second_factor(user):  # type: ignore[no-untyped-def]
    Authenticator.objects.filter(user=user).delete()
    return user


def test_the_matrix_has_coordination_rows_to_check() -> None:
    assert len(COORDINATION_ROWS) >= 4


@pytest.mark.django_db
@pytest.mark.parametrize("row", COORDINATION_ROWS, ids=[f"{r.name}-{r.method}" for r in COORDINATION_ROWS])
def test_a_coordinator_without_second_factor_is_sent_to_set_it_up(row) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    coordinator = _without_second_factor(world.users["coordinator"])
    client = client_for(coordinator)
    path = row.path(world)
    data = row.data(world) if row.data else {}
    response = client.post(path, data) if row.method == "POST" else client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


@pytest.mark.django_db
def test_a_superuser_without_second_factor_is_sent_to_set_it_up_too(db: None) -> None:
    from cercles.people.models import User

    root = User.objects.create_superuser("racine@exemple.fr", PASSWORD)
    response = client_for(root).get("/coordination/")
    assert response["Location"] == reverse("mfa_index")
    page = client_for(root).get(reverse("mfa_index"))
    assert page.status_code == 200


@pytest.mark.django_db
def test_participants_are_not_asked_for_a_second_factor(bob) -> None:  # type: ignore[no-untyped-def]
    assert client_for(bob).get(reverse("people:profile_edit")).status_code == 200


@pytest.mark.django_db
def test_a_coordinator_signs_in_with_password_then_authenticator_code(db: None) -> None:
    claire = make_user("claire", is_staff=True)
    client = Client()
    response = client.post(reverse("account_login"), {"login": claire.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/coordination/").status_code == 302  # not signed in yet
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert done.status_code == 302
    assert client.get("/coordination/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_authenticator_code_does_not_sign_in(db: None) -> None:
    claire = make_user("claire", is_staff=True)
    client = Client()
    client.post(reverse("account_login"), {"login": claire.email, "password": PASSWORD})
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert client.get("/coordination/").status_code == 302


def _code_at_step(step: int) -> str:
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, step))


@pytest.mark.django_db
@pytest.mark.parametrize(("steps_back", "signed_in"), [(0, True), (1, True), (2, False)])
@time_machine.travel(datetime(2026, 3, 29, 0, 59, 45, tzinfo=UTC), tick=False)
def test_the_code_of_the_previous_step_still_signs_in_an_older_one_does_not(
    db: None, steps_back: int, signed_in: bool
) -> None:
    # Typed as the phone turns to the next code: accepted, so a coordinator is not refused by a second.
    claire = make_user("claire", is_staff=True)
    client = Client()
    client.post(reverse("account_login"), {"login": claire.email, "password": PASSWORD})
    step = int(datetime.now(UTC).timestamp()) // 30 - steps_back
    response = client.post(reverse("mfa_authenticate"), {"code": _code_at_step(step)})
    assert response.status_code == (302 if signed_in else 200)
    assert client.get("/coordination/").status_code == (200 if signed_in else 302)


@pytest.mark.django_db
def test_a_code_signs_in_once_only(db: None) -> None:
    claire = make_user("claire", is_staff=True)
    first, second = Client(), Client()
    for client in (first, second):
        client.post(reverse("account_login"), {"login": claire.email, "password": PASSWORD})
    code = totp_code()
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert second.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert second.get("/coordination/").status_code == 302
