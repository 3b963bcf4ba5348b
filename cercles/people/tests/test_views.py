from __future__ import annotations

import pytest
from django.urls import reverse

from cercles.people.models import Departement, JobFamily, Profile, User
from conftest import client_for
from tests.factories import make_circle, make_user

pytestmark = pytest.mark.django_db


def profile_form(**overrides: str) -> dict[str, str]:
    family = JobFamily.objects.order_by("code").first()
    assert family is not None
    data = {
        "first_name": "Nadia",
        "last_name": "Benali",
        "organisation_name": "Mairie de Sète",
        "organisation_kind": "commune",
        "departement": Departement.objects.get(code="34").pk,
        "job_family": family.pk,
        "job_title": "Chargée de mission",
        "consent": "on",
    }
    return data | overrides


class TestProfileEdit:
    def test_it_needs_login(self, client) -> None:
        response = client.get(reverse("people:profile_edit"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_it_saves_and_goes_back_to_the_circle_being_joined(self) -> None:
        user = make_user(complete_profile=False)
        circle = make_circle()
        next_url = reverse("circles:join", args=[circle.pk])
        response = client_for(user).post(f"{reverse('people:profile_edit')}?next={next_url}", profile_form())
        assert response.status_code == 302
        assert response["Location"] == next_url
        assert Profile.objects.get(user=user).is_complete

    def test_an_outside_next_url_is_ignored(self) -> None:
        user = make_user(complete_profile=False)
        response = client_for(user).post(
            f"{reverse('people:profile_edit')}?next=https://ailleurs.example", profile_form()
        )
        assert response["Location"] == reverse("circles:my_circles")

    def test_bad_input_keeps_what_was_typed(self) -> None:
        user = make_user(complete_profile=False)
        data = profile_form(consent="", departement="999", organisation_name="Mon employeur tapé")
        response = client_for(user).post(reverse("people:profile_edit"), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Mon employeur tapé" in html
        assert "Sélectionnez un choix valide" in html

    def test_missing_consent_is_explained_on_the_field(self) -> None:
        user = make_user(complete_profile=False)
        response = client_for(user).post(reverse("people:profile_edit"), profile_form(consent=""))
        assert "acceptez le traitement de vos données" in response.content.decode()
        assert not Profile.objects.filter(user=user, consent_given_at__isnull=False).exists()

    def test_each_person_edits_only_their_own_profile(self, bob: User, charlie: User) -> None:
        client_for(charlie).post(reverse("people:profile_edit"), profile_form(first_name="Pirate"))
        bob.refresh_from_db()
        assert bob.first_name == "Bob"


def test_the_privacy_page_is_public_and_french(client) -> None:
    response = client.get(reverse("people:privacy"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Combien de temps" in html


@pytest.mark.parametrize(
    "url",
    ["/compte/login/", "/compte/signup/", "/compte/login/code/", "/compte/password/reset/"],
)
def test_account_pages_are_open_to_anonymous_visitors_in_french(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.parametrize("url", ["/compte/email/", "/compte/password/change/", "/compte/logout/"])
def test_account_management_pages_need_login(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302


def test_a_signed_in_person_manages_their_addresses(bob: User) -> None:
    response = client_for(bob).get("/compte/email/")
    assert response.status_code == 200
    assert bob.email in response.content.decode()


def test_login_is_rate_limited_after_repeated_failures(client, bob: User) -> None:
    from tests.factories import PASSWORD

    for _ in range(5):
        client.post("/compte/login/", {"login": bob.email, "password": "mauvais"})
    # Even the right password is refused for a while after five failures on this address.
    response = client.post("/compte/login/", {"login": bob.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_signup_sends_a_code_and_login_by_code_works(client, mailoutbox, django_capture_on_commit_callbacks) -> None:
    # The code leaves through the outbox once the sign-up commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/signup/", {"email": "nouvelle@exemple.fr"})
    assert response.status_code == 302
    assert User.objects.filter(email="nouvelle@exemple.fr").exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nouvelle@exemple.fr"]


class TestCollectiviteChosen:
    def test_a_collectivite_from_the_list_needs_no_type(self) -> None:
        user = make_user(complete_profile=False)
        data = profile_form(organisation_name="Commune de Sète (34)", organisation_kind="")
        response = client_for(user).post(reverse("people:profile_edit"), data)
        assert response.status_code == 302
        assert Profile.objects.get(user=user).organisation.kind == "commune"

    def test_a_name_typed_still_needs_its_type(self) -> None:
        user = make_user(complete_profile=False)
        response = client_for(user).post(reverse("people:profile_edit"), profile_form(organisation_kind=""))
        assert response.status_code == 200
        assert not Profile.objects.filter(user=user).exists()

    def test_the_profile_shows_the_collectivite_under_its_label_and_saving_again_keeps_it(self) -> None:
        user = make_user(complete_profile=False)
        client = client_for(user)
        client.post(reverse("people:profile_edit"), profile_form(organisation_name="Commune de Sète (34)"))
        organisation = Profile.objects.get(user=user).organisation
        page = client.get(reverse("people:profile_edit")).content.decode()
        assert 'value="Commune de Sète (34)"' in page
        # Moving to the Gard, the person saves the form as it shows: same employer, still in the Hérault.
        gard = Departement.objects.get(code="30").pk
        client.post(
            reverse("people:profile_edit"), profile_form(organisation_name="Commune de Sète (34)", departement=gard)
        )
        assert Profile.objects.get(user=user).organisation == organisation
