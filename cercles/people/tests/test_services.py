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
