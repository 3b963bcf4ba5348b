"""The coordination pages of people, through the real admin views."""

from __future__ import annotations

import pytest

from cercles.people.exceptions import EMAIL_TAKEN, ORGANISATION_EXISTS
from cercles.people.models import Departement, Organisation, OrganisationType, Profile, User
from conftest import client_for
from tests.admin_pages import admin_form_data, filtered
from tests.factories import make_superuser, make_user

pytestmark = pytest.mark.django_db

PEOPLE = "/coordination/people/user/"
ORGANISATIONS = "/coordination/people/organisation/"


def test_a_coordinator_corrects_a_name_through_the_service(claire: User, bob: User) -> None:
    client = client_for(claire)
    url = f"{PEOPLE}{bob.pk}/change/"
    response = client.post(url, admin_form_data(client, url, first_name="  Robert ", is_active="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    bob.refresh_from_db()
    assert bob.first_name == "Robert"
    assert Profile.objects.filter(user=bob).exists()  # the read-only profile is untouched


def test_an_address_already_taken_is_refused_on_the_form(claire: User, bob: User, alice: User) -> None:
    client = client_for(claire)
    url = f"{PEOPLE}{bob.pk}/change/"
    response = client.post(url, admin_form_data(client, url, email=alice.email.upper(), first_name="Tapé"))
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert str(EMAIL_TAKEN) in html or "existe déjà" in html
    assert 'value="Tapé"' in html
    bob.refresh_from_db()
    assert bob.email != alice.email


def test_nobody_deletes_a_person(claire: User, bob: User) -> None:
    root = make_superuser()
    for user in (claire, root):
        client = client_for(user)
        assert client.post(f"{PEOPLE}{bob.pk}/delete/", {"post": "yes"}).status_code == 403
        assert 'value="delete_selected"' not in client.get(PEOPLE).content.decode()
    assert User.objects.filter(pk=bob.pk).exists()


def test_staff_outside_the_coordination_group_cannot_change_a_person(bob: User) -> None:
    steve = make_user("steve", is_staff=True, coordinator=False)
    response = client_for(steve).post(f"{PEOPLE}{bob.pk}/change/", {"email": bob.email, "first_name": "Pris"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.first_name == "Bob"


def test_people_are_filtered_by_organisation_and_territory(claire: User, alice: User, bob: User) -> None:
    lyon = Departement.objects.get(code="69")
    profile = Profile.objects.get(user=bob)
    profile.departement = lyon
    profile.save(update_fields=["departement"])
    client = client_for(claire)
    organisation = Profile.objects.get(user=alice).organisation
    assert organisation is not None
    lyonnais, others = [bob.email], [alice.email]
    filtered(client, f"{PEOPLE}?profile__departement__code__exact=69", shown=lyonnais, hidden=others)
    filtered(
        client, f"{PEOPLE}?profile__departement__region__code__exact={lyon.region_id}", shown=lyonnais, hidden=others
    )
    filtered(client, f"{PEOPLE}?profile__organisation__id__exact={organisation.pk}", shown=others, hidden=lyonnais)
    filtered(client, f"{PEOPLE}?q={organisation.name}", shown=others, hidden=lyonnais)


def test_renaming_an_organisation_keeps_its_folded_name(claire: User, alice: User) -> None:
    organisation = Profile.objects.get(user=alice).organisation
    assert organisation is not None
    client = client_for(claire)
    url = f"{ORGANISATIONS}{organisation.pk}/change/"
    response = client.post(url, admin_form_data(client, url, name="Mairie de Sète"))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.search_name) == ("Mairie de Sète", "mairie de sete")


def test_an_organisation_cannot_take_the_name_of_another_in_the_same_departement(claire: User) -> None:
    departement = Departement.objects.get(code="35")
    Organisation.objects.create(
        name="Rennes Métropole", search_name="rennes metropole", kind=OrganisationType.EPCI, departement=departement
    )
    other = Organisation.objects.create(
        name="Autre", search_name="autre", kind=OrganisationType.EPCI, departement=departement
    )
    client = client_for(claire)
    url = f"{ORGANISATIONS}{other.pk}/change/"
    response = client.post(url, admin_form_data(client, url, name="RENNES METROPOLE"))
    assert response.status_code == 200
    assert str(ORGANISATION_EXISTS) in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Autre"


def test_a_superuser_grants_rights_through_the_service(bob: User) -> None:
    from django.contrib.auth.models import Group

    root = make_superuser()
    client = client_for(root)
    url = f"{PEOPLE}{bob.pk}/change/"
    coordination = Group.objects.get(name="Coordination")
    response = client.post(url, admin_form_data(client, url, is_staff="on", is_active="on", groups=[coordination.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    bob.refresh_from_db()
    assert bob.is_staff
    assert list(bob.groups.all()) == [coordination]


def test_a_coordinator_opens_an_account(claire: User) -> None:
    response = client_for(claire).post(
        f"{PEOPLE}add/", {"email": "Nouvelle@Exemple.fr", "password1": "", "password2": "", "usable_password": "false"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(email="nouvelle@exemple.fr")
    assert not created.has_usable_password()
