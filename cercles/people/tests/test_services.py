from __future__ import annotations

import pytest

from cercles.people import services
from cercles.people.exceptions import (
    CONSENT_REQUIRED,
    ORGANISATION_KIND_REQUIRED,
    ORGANISATION_NAME_REQUIRED,
    ProfileError,
)
from cercles.people.models import Departement, JobFamily, Organisation, Profile, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def update(user: User, **overrides: object) -> Profile:
    data = {
        "user": user,
        "first_name": " Nadia ",
        "last_name": "Benali",
        "organisation_name": "Mairie de Sète",
        "organisation_kind": "commune",
        "departement": Departement.objects.get(code="34"),
        "job_family": JobFamily.objects.order_by("code").first(),
        "job_title": "Chargée de mission",
        "consent": True,
    }
    return services.profile_update(**(data | overrides))  # type: ignore[arg-type]


class TestOrganisation:
    def test_colleagues_share_one_record_whatever_they_type(self) -> None:
        herault = Departement.objects.get(code="34")
        first = services.organisation_get_or_create(name="Mairie de Sète", kind="commune", departement=herault)
        second = services.organisation_get_or_create(name="  MAIRIE   DE SETE ", kind="autre", departement=herault)
        assert first == second
        assert second.kind == "commune"
        assert Organisation.objects.count() == 1

    def test_the_same_name_elsewhere_is_another_organisation(self) -> None:
        one = services.organisation_get_or_create(
            name="Mairie", kind="commune", departement=Departement.objects.get(code="34")
        )
        two = services.organisation_get_or_create(
            name="Mairie", kind="commune", departement=Departement.objects.get(code="35")
        )
        assert one != two

    @pytest.mark.parametrize(
        ("name", "kind", "message"),
        [("   ", "commune", ORGANISATION_NAME_REQUIRED), ("Mairie", "inconnu", ORGANISATION_KIND_REQUIRED)],
    )
    def test_it_refuses_incomplete_organisations(self, name: str, kind: str, message: str) -> None:
        with pytest.raises(ProfileError) as error:
            services.organisation_get_or_create(name=name, kind=kind, departement=None)
        assert error.value.message == message


class TestProfileUpdate:
    def test_it_saves_the_profile_and_records_consent_once(self) -> None:
        user = make_user(complete_profile=False)
        profile = update(user)
        first_consent = profile.consent_given_at
        assert profile.is_complete
        assert user.first_name == "Nadia"
        assert profile.consent_version
        profile = update(user, job_title="Directrice")
        assert profile.consent_given_at == first_consent
        assert profile.job_title == "Directrice"

    def test_it_requires_consent_the_first_time(self) -> None:
        user = make_user(complete_profile=False)
        with pytest.raises(ProfileError) as error:
            update(user, consent=False)
        assert (error.value.message, error.value.field) == (CONSENT_REQUIRED, "consent")
        assert not Profile.objects.filter(user=user, consent_given_at__isnull=False).exists()


def _departement(code: str) -> Departement:
    return Departement.objects.get(code=code)


class TestCollectiviteChosen:
    """A label from the suggestions (« Commune de Sète (34) ») names the official collectivité."""

    def test_it_creates_the_official_organisation_validated(self) -> None:
        profile = update(make_user(complete_profile=False), organisation_name="Commune de Sète (34)")
        organisation = profile.organisation
        assert (organisation.name, organisation.kind, organisation.departement_id) == (
            "Commune de Sète",
            "commune",
            "34",
        )
        assert organisation.validated_at is not None

    @pytest.mark.parametrize(
        ("label", "name", "kind", "departement"),
        [
            ("CA Sète Agglopôle Méditerranée (EPCI, 34)", "CA Sète Agglopôle Méditerranée", "epci", "34"),
            ("Département de l'Hérault", "Département de l'Hérault", "departement", "34"),
            ("Région Occitanie", "Région Occitanie", "region", None),
            ("commune du havre (76)", "Commune du Havre", "commune", "76"),
        ],
    )
    def test_each_kind_gets_its_type_and_departement_from_the_cog(
        self, label: str, name: str, kind: str, departement: str | None
    ) -> None:
        organisation = services.organisation_get_or_create(name=label, kind="", departement=None)
        assert (organisation.name, organisation.kind, organisation.departement_id) == (name, kind, departement)
        assert organisation.validated_at is not None

    def test_the_official_data_wins_for_the_organisation_and_the_person_keeps_their_departement(self) -> None:
        # Someone from the Gard who works for Sète, and said "autre": the commune is still a commune
        # of the Hérault, and the person still works in the Gard.
        profile = update(
            make_user(complete_profile=False),
            organisation_name="Commune de Sète (34)",
            organisation_kind="autre",
            departement=_departement("30"),
        )
        assert (profile.organisation.kind, profile.organisation.departement_id) == ("commune", "34")
        assert profile.departement_id == "30"

    def test_colleagues_who_choose_it_share_one_record(self) -> None:
        first = update(make_user(complete_profile=False), organisation_name="Région Occitanie").organisation
        second = update(
            make_user(complete_profile=False), organisation_name="  RÉGION occitanie ", departement=_departement("31")
        ).organisation
        assert first == second
        assert Organisation.objects.filter(search_name="region occitanie").count() == 1

    def test_a_name_someone_typed_earlier_becomes_the_official_one(self) -> None:
        typed = services.organisation_get_or_create(
            name="COMMUNE DE SETE", kind="autre", departement=_departement("34")
        )
        assert typed.validated_at is None
        chosen = services.organisation_get_or_create(name="Commune de Sète (34)", kind="", departement=None)
        assert chosen.pk == typed.pk
        chosen.refresh_from_db()
        assert (chosen.name, chosen.kind) == ("Commune de Sète", "commune")
        assert chosen.validated_at is not None
        assert Organisation.objects.count() == 1

    def test_a_coordinators_earlier_validation_is_kept(self) -> None:
        first = services.organisation_get_or_create(name="Région Occitanie", kind="", departement=None)
        validated_at = first.validated_at
        again = services.organisation_get_or_create(name="Région Occitanie", kind="", departement=None)
        assert again.validated_at == validated_at

    @pytest.mark.parametrize(
        "edited", ["Commune de Sète (30)", "Commune de Sète (34) annexe", "Mairie de Sète (34)", "Commune de Sete 34"]
    )
    def test_an_edited_label_is_a_name_typed_like_any_other(self, edited: str) -> None:
        profile = update(
            make_user(complete_profile=False),
            organisation_name=edited,
            organisation_kind="autre",
            departement=_departement("30"),
        )
        organisation = profile.organisation
        assert (organisation.name, organisation.kind, organisation.departement_id) == (edited, "autre", "30")
        assert organisation.validated_at is None

    def test_a_name_typed_still_needs_a_kind(self) -> None:
        with pytest.raises(ProfileError) as error:
            services.organisation_get_or_create(name="Mairie de Sète", kind="", departement=_departement("34"))
        assert error.value.message == ORGANISATION_KIND_REQUIRED
