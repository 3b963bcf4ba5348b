"""Colleagues choosing the same collectivité at the same instant end on one organisation (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from cercles.people import services
from cercles.people.models import Departement, JobFamily, Organisation, Profile
from tests.factories import make_user
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the unique index under real concurrent transactions")


@pytest.mark.parametrize("label", ["Commune de Sète (34)", "Région Occitanie"])
def test_colleagues_choosing_one_collectivite_at_once_share_one_organisation(label: str) -> None:
    people = [make_user(complete_profile=False) for _ in range(4)]
    departement = Departement.objects.get(code="34")
    family = JobFamily.objects.order_by("code").first()

    def choose(person):  # type: ignore[no-untyped-def]
        return lambda: services.profile_update(
            user=person,
            first_name="Nadia",
            last_name="Benali",
            organisation_name=label,
            organisation_kind="",
            departement=departement,
            job_family=family,
            job_title="",
            consent=True,
        )

    assert run_at_once([choose(person) for person in people]) == []
    organisations = set(Profile.objects.filter(user__in=people).values_list("organisation_id", flat=True))
    assert len(organisations) == 1
    assert Organisation.objects.get(pk=organisations.pop()).validated_at is not None
