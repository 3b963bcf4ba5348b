from __future__ import annotations

import pytest
from django.urls import reverse

from cercles.people.models import User
from cercles.privacy.exceptions import ALREADY_ERASED, ERASE_CONFIRMATION_REQUIRED
from cercles.privacy.tests.conftest import Erasable
from conftest import client_for
from tests.factories import PASSWORD

DELETE = "privacy:account_delete"


def _reauthenticate(client, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_reauthenticate"), {"password": password})


@pytest.mark.django_db
def test_deleting_my_account_asks_to_sign_in_again_first(zephyrine: Erasable) -> None:
    client = client_for(zephyrine.person)
    assert client.get(reverse(DELETE)).status_code == 200
    response = client.post(reverse(DELETE), {"confirm": "on"})
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert User.objects.get(pk=zephyrine.person.pk).erased_at is None


@pytest.mark.django_db
def test_a_wrong_password_at_reauthentication_erases_nothing(zephyrine: Erasable) -> None:
    client = client_for(zephyrine.person)
    client.post(reverse(DELETE), {"confirm": "on"})
    response = _reauthenticate(client, "pas-le-bon")
    assert response.status_code == 200
    assert "incorrect" in response.content.decode().lower()
    assert client.post(reverse(DELETE), {"confirm": "on"}).status_code == 302
    assert User.objects.get(pk=zephyrine.person.pk).erased_at is None


@pytest.mark.django_db
def test_after_reauthentication_my_account_is_erased_and_i_am_signed_out(
    zephyrine: Erasable, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(zephyrine.person)
    _reauthenticate(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(DELETE), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:home")
    assert User.objects.get(pk=zephyrine.person.pk).erased_at is not None
    assert client.get(reverse("privacy:my_data")).status_code == 302  # signed out


@pytest.mark.django_db
def test_without_the_confirmation_box_nothing_happens_and_it_says_why(zephyrine: Erasable) -> None:
    client = client_for(zephyrine.person)
    _reauthenticate(client)
    response = client.post(reverse(DELETE), {})
    assert response.status_code == 200
    assert str(ERASE_CONFIRMATION_REQUIRED) in response.content.decode()
    assert User.objects.get(pk=zephyrine.person.pk).erased_at is None


@pytest.mark.django_db
def test_a_coordinator_erases_a_person_on_request_once(zephyrine: Erasable, claire: User) -> None:
    client = client_for(claire)
    _reauthenticate(client)
    url = reverse("privacy:person_erase", args=[zephyrine.person.pk])
    assert zephyrine.person.last_name in client.get(url).content.decode()
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert User.objects.get(pk=zephyrine.person.pk).erased_at is not None
    again = client.post(url, {"confirm": "on"})
    assert again.status_code == 400
    assert str(ALREADY_ERASED) in again.content.decode()


@pytest.mark.django_db
def test_a_participant_cannot_open_the_erasure_page_of_someone_else(zephyrine: Erasable, bob: User) -> None:
    client = client_for(bob)
    _reauthenticate(client)
    assert client.get(reverse("privacy:person_erase", args=[zephyrine.person.pk])).status_code == 403
