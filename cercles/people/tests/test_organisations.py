from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cercles.core.policy import PolicyDenied
from cercles.people.exceptions import MERGE_NEEDS_TWO, ProfileError
from cercles.people.models import Organisation, OrganisationType, Profile, User
from cercles.people.selectors import SUGGESTION_COUNT, organisation_suggestions
from cercles.people.services import organisation_get_or_create, organisation_merge, organisation_validate
from conftest import client_for

SUGGEST = "people:organisation_suggestions"


def _organisation(name: str, *, validated: bool = True) -> Organisation:
    organisation = organisation_get_or_create(name=name, kind=OrganisationType.COMMUNE, departement=None)
    if validated:
        Organisation.objects.filter(pk=organisation.pk).update(validated_at="2026-01-01T00:00:00Z")
    return organisation


@pytest.mark.django_db
def test_suggestions_start_at_three_letters_and_ignore_accents() -> None:
    _organisation("Mairie de Besançon")
    assert organisation_suggestions(typed="be") == []
    assert [o.name for o in organisation_suggestions(typed="BESANC")] == ["Mairie de Besançon"]


@pytest.mark.django_db
def test_a_typed_name_is_suggested_to_others_only_once_validated(claire: User) -> None:
    typed = _organisation("<script>alert(1)</script> Mairie", validated=False)
    assert organisation_suggestions(typed="mairie") == []
    organisation_validate(organisation_ids=[typed.pk], validated_by=claire)
    assert organisation_suggestions(typed="mairie") == [typed]


@pytest.mark.django_db
def test_only_a_few_suggestions_at_a_time() -> None:
    for number in range(SUGGESTION_COUNT + 5):
        _organisation(f"Commune numéro {number}")
    assert len(organisation_suggestions(typed="commune")) == SUGGESTION_COUNT


@pytest.mark.django_db
def test_the_suggestion_fragment_escapes_names(bob: User, claire: User) -> None:
    typed = _organisation("<script>alert(1)</script> Mairie", validated=False)
    organisation_validate(organisation_ids=[typed.pk], validated_by=claire)
    body = client_for(bob).get(reverse(SUGGEST), {"organisation_name": "mairie"}).content.decode()
    assert "<script>" not in body
    assert "&lt;script&gt;" in body


@pytest.mark.django_db
def test_the_profile_page_no_longer_lists_every_organisation(bob: User) -> None:
    _organisation("Mairie secrète de Trifouilly")
    page = client_for(bob).get(reverse("people:profile_edit")).content.decode()
    assert "Trifouilly" not in page


@pytest.mark.django_db
def test_two_organisations_without_departement_cannot_share_a_name() -> None:
    _organisation("Mairie de Sète")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="MAIRIE DE SETE", search_name="mairie de sete", kind="commune")


@pytest.mark.django_db
def test_merging_duplicates_moves_the_profiles_to_the_validated_one(bob: User, alice: User, claire: User) -> None:
    kept = Profile.objects.get(user=alice).organisation
    duplicate = Profile.objects.get(user=bob).organisation
    organisation_validate(organisation_ids=[kept.pk], validated_by=claire)
    target = organisation_merge(organisation_ids=[duplicate.pk, kept.pk], merged_by=claire)
    assert target == kept
    assert Profile.objects.get(user=bob).organisation == kept
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()


@pytest.mark.django_db
def test_merging_needs_two_organisations_and_a_coordinator(bob: User, claire: User) -> None:
    organisation = Profile.objects.get(user=bob).organisation
    with pytest.raises(ProfileError) as error:
        organisation_merge(organisation_ids=[organisation.pk], merged_by=claire)
    assert error.value.message == MERGE_NEEDS_TWO
    with pytest.raises(PolicyDenied):
        organisation_merge(organisation_ids=[organisation.pk], merged_by=bob)


@pytest.mark.django_db
def test_coordinators_validate_and_merge_from_the_list(claire: User, bob: User, alice: User) -> None:
    client = client_for(claire)
    url = reverse("admin:people_organisation_changelist")
    ids = [Profile.objects.get(user=u).organisation_id for u in (bob, alice)]
    client.post(url, {"action": "validate_selected", "_selected_action": ids[:1]})
    assert Organisation.objects.get(pk=ids[0]).validated_at is not None
    client.post(url, {"action": "merge_selected", "_selected_action": ids})
    assert Organisation.objects.filter(pk__in=ids).count() == 1
    assert "validée" in client.get(url, {"validee": "oui"}).content.decode().lower()
