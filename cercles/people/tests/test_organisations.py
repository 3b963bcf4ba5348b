from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercles.core.policy import PolicyDenied
from cercles.people.exceptions import MERGE_NEEDS_TWO, ProfileError
from cercles.people.models import Departement, Organisation, OrganisationType, Profile, User
from cercles.people.selectors import SUGGESTION_COUNT, organisation_suggestions
from cercles.people.services import organisation_get_or_create, organisation_merge, organisation_validate
from conftest import client_for

SUGGEST = "people:organisation_suggestions"


def _organisation(name: str, *, validated: bool = True) -> Organisation:
    organisation = organisation_get_or_create(name=name, kind=OrganisationType.COMMUNE, departement=None)
    if validated:
        Organisation.objects.filter(pk=organisation.pk).update(validated_at="2026-01-01T00:00:00Z")
    return organisation


def _offered(typed: str) -> list[str]:
    return [suggestion.value for suggestion in organisation_suggestions(typed=typed)]


@pytest.mark.django_db
def test_suggestions_start_at_three_letters_and_ignore_accents() -> None:
    _organisation("Mairie de Besançon")
    assert organisation_suggestions(typed="be") == []
    assert "Mairie de Besançon" in _offered("BESANC")


@pytest.mark.django_db
def test_a_typed_name_is_suggested_to_others_only_once_validated(claire: User) -> None:
    typed = _organisation("<script>alert(1)</script> Mairie", validated=False)
    assert typed.name not in _offered("mairie")
    organisation_validate(organisation_ids=[typed.pk], validated_by=claire)
    assert typed.name in _offered("mairie")


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


@pytest.mark.django_db
def test_official_collectivites_are_offered_to_anyone_before_a_coordinator_validates_anything(bob: User) -> None:
    assert not Organisation.objects.filter(validated_at__isnull=False).exists()
    assert _offered("sète")[:2] == ["Commune de Sète (34)", "CA Sète Agglopôle Méditerranée (EPCI, 34)"]
    assert "Région Occitanie" in _offered("occitanie")
    assert "Département de l'Hérault" in _offered("herault")


@pytest.mark.django_db
def test_names_nobody_validated_stay_private_beside_the_official_ones() -> None:
    _organisation("Association des amis de Sète", validated=False)
    _organisation("Commune de Sète (34) bis", validated=False)
    offered = _offered("sète")
    assert "Commune de Sète (34)" in offered
    assert not [value for value in offered if "amis" in value or "bis" in value]


@pytest.mark.django_db
def test_official_and_validated_names_share_the_list() -> None:
    for number in range(SUGGESTION_COUNT):
        _organisation(f"CCAS de Saint-Denis numéro {number}")
    suggestions = organisation_suggestions(typed="saint-denis")
    assert len(suggestions) == SUGGESTION_COUNT
    assert sum(s.value.startswith("Commune de Saint-Denis") for s in suggestions) == SUGGESTION_COUNT // 2
    assert sum(s.value.startswith("CCAS") for s in suggestions) == SUGGESTION_COUNT // 2
    # With no validated name matching, the official ones fill the list.
    assert len(organisation_suggestions(typed="saint-pierre")) == SUGGESTION_COUNT


@pytest.mark.django_db
def test_a_collectivite_someone_chose_is_offered_once_under_its_label() -> None:
    herault = Departement.objects.get(code="34")
    chosen = organisation_get_or_create(name="Commune de Sète (34)", kind="", departement=herault)
    assert chosen.validated_at is not None
    assert _offered("sète").count("Commune de Sète (34)") == 1
    fragment = render_to_string(
        "people/organisation_suggestions.html", {"suggestions": organisation_suggestions(typed="sète")}
    )
    assert fragment.count("Commune de Sète (34)") == 2  # the option's value and its text


@pytest.mark.django_db
def test_a_validated_name_keeps_its_departement_beside_it(claire: User) -> None:
    organisation = organisation_get_or_create(
        name="CCAS de Sète", kind="etablissement_public", departement=Departement.objects.get(code="34")
    )
    organisation_validate(organisation_ids=[organisation.pk], validated_by=claire)
    [suggestion] = organisation_suggestions(typed="ccas de sete")
    assert (suggestion.value, suggestion.label) == ("CCAS de Sète", "CCAS de Sète (34)")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["sète", "saint", "zzzzzz", "mairie", "Commune de Sète (34)", "a" * 5000])
def test_the_suggestions_cost_the_same_queries_whatever_they_match(
    bob: User, typed: str, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for number in range(SUGGESTION_COUNT * 3):
        _organisation(f"Mairie de Saint-Martin numéro {number}")
    client = client_for(bob)
    client.get(reverse(SUGGEST))  # the day's first visit records activity
    # What any signed-in page costs (session, person, consent, permissions: it depends on the run mode),
    # measured on a request too short to look anything up.
    with CaptureQueriesContext(connection) as signed_in_page:
        client.get(reverse(SUGGEST), {"organisation_name": "ab"})
    # One more query, for the validated names: the official collectivités are looked up in memory.
    with django_assert_num_queries(len(signed_in_page) + 1):
        response = client.get(reverse(SUGGEST), {"organisation_name": typed})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["", "  ", "é", "<script>alert(1)</script>", "x" * 100_000, "%' OR 1=1 --", "\x00\x01"]
)
def test_odd_input_gets_a_list_not_an_error(bob: User, typed: str) -> None:
    response = client_for(bob).get(reverse(SUGGEST), {"organisation_name": typed})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
