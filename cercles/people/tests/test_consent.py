from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from cercles.circles.exceptions import MembershipError
from cercles.circles.models import Circle
from cercles.circles.services import membership_request
from cercles.people import consent, services
from cercles.people.exceptions import NO_CONSENT_TO_WITHDRAW, ProfileError
from cercles.people.models import Consent, Profile, User
from conftest import client_for
from tests.factories import make_circle, make_user


@pytest.fixture
def new_version(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(consent, "CONSENT_VERSION", "2099-01")
    monkeypatch.setattr(services, "CONSENT_VERSION", "2099-01")
    return "2099-01"


@pytest.mark.django_db
def test_a_new_version_of_the_text_is_asked_again_at_the_next_visit(bob: User, new_version: str) -> None:
    client = client_for(bob)
    response = client.get(reverse("circles:my_circles"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("people:consent"))
    answer = client.post(response["Location"])
    assert answer["Location"] == reverse("circles:my_circles")
    assert Consent.objects.filter(user=bob).latest("given_at").version == new_version
    assert client.get(reverse("circles:my_circles")).status_code == 200


@pytest.mark.django_db
def test_each_consent_keeps_the_french_text_version_and_date(bob: User, new_version: str) -> None:
    with translation.override("en"):
        services.consent_give(user=bob)
    row = Consent.objects.filter(user=bob).latest("id")
    assert row.version == new_version
    assert row.text.startswith("J'accepte")
    assert Profile.objects.get(user=bob).consent_version == new_version


@pytest.mark.django_db
def test_withdrawing_freezes_the_account_with_an_explanation(bob: User, circle: Circle) -> None:
    client = client_for(bob)
    assert client.post(reverse("people:consent_withdraw")).status_code == 302
    assert Profile.objects.get(user=bob).is_frozen
    response = client.get(reverse("circles:home"), follow=True)
    assert "Votre compte est gelé" in response.content.decode()
    assert client.get(reverse("privacy:my_data")).status_code == 200  # rights stay open
    assert not Profile.objects.get(user=bob).is_complete
    newcomer_circle = make_circle(title="Un autre cercle")
    with pytest.raises(MembershipError):
        membership_request(circle_id=newcomer_circle.pk, user=bob, pact_accepted=True)


@pytest.mark.django_db
def test_coming_back_after_withdrawing_unfreezes_the_account(bob: User) -> None:
    services.consent_withdraw(user=bob)
    client = client_for(bob)
    client.post(reverse("people:consent"))
    profile = Profile.objects.get(user=bob)
    assert not profile.is_frozen
    assert profile.is_complete
    assert client.get(reverse("circles:my_circles")).status_code == 200
    assert Consent.objects.filter(user=bob, withdrawn_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_withdrawing_without_a_consent_says_so() -> None:
    person = make_user(complete_profile=False)
    with pytest.raises(ProfileError) as error:
        services.consent_withdraw(user=person)
    assert error.value.message == NO_CONSENT_TO_WITHDRAW


@pytest.mark.django_db
def test_a_new_account_without_consent_is_not_stopped() -> None:
    person = make_user(complete_profile=False)
    assert client_for(person).get(reverse("circles:home")).status_code == 200


@pytest.mark.django_db
def test_the_privacy_page_names_the_controller_the_dpo_and_the_periods(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_CONTROLLER = "Centre national de la fonction publique territoriale"
    settings.DPO_CONTACT = "dpd@exemple.fr"
    settings.INACTIVE_ACCOUNT_RETENTION_DAYS = 730
    page = client_for(None).get(reverse("people:privacy")).content.decode()
    assert "Centre national de la fonction publique territoriale" in page
    assert "dpd@exemple.fr" in page
    assert "730 jours" in page
