"""Writes on people, organisations and profiles."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cercles.core.text import normalize_for_search
from cercles.people.consent import CONSENT_VERSION
from cercles.people.exceptions import (
    CONSENT_REQUIRED,
    ORGANISATION_KIND_REQUIRED,
    ORGANISATION_NAME_REQUIRED,
    ProfileError,
)
from cercles.people.models import Departement, JobFamily, Organisation, OrganisationType, Profile, User


def organisation_get_or_create(*, name: str, kind: str, departement: Departement | None) -> Organisation:
    """Return the organisation of that name in that département, creating it if it is new.

    Names are compared case- and accent-insensitively, so that colleagues who type their employer
    differently still share one record. The kind given is used only for a new organisation.
    Raises ProfileError for an empty name or an unknown kind.
    """
    clean_name = " ".join(name.split())
    if not clean_name:
        raise ProfileError(ORGANISATION_NAME_REQUIRED, field="organisation_name")
    if kind not in OrganisationType.values:
        raise ProfileError(ORGANISATION_KIND_REQUIRED, field="organisation_kind")
    search_name = normalize_for_search(clean_name)
    existing = Organisation.objects.filter(search_name=search_name, departement=departement).first()
    if existing is not None:
        return existing
    organisation = Organisation(name=clean_name, kind=kind, departement=departement, search_name=search_name)
    organisation.full_clean(validate_constraints=False)
    try:
        # A savepoint: two colleagues creating the same employer at once both end on one record.
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        return Organisation.objects.get(search_name=search_name, departement=departement)
    return organisation


@transaction.atomic
def profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    organisation_name: str,
    organisation_kind: str,
    departement: Departement,
    job_family: JobFamily,
    job_title: str,
    consent: bool,
) -> Profile:
    """Save a person's name and profile; record the consent with the version of the text accepted.

    Raises ProfileError when consent is missing (it cannot be withdrawn through this form) or the
    organisation is incomplete.
    """
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    if not consent and not profile.consent_given_at:
        raise ProfileError(CONSENT_REQUIRED, field="consent")
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name"])
    profile.organisation = organisation_get_or_create(
        name=organisation_name, kind=organisation_kind, departement=departement
    )
    profile.departement = departement
    profile.job_family = job_family
    profile.job_title = job_title.strip()
    if consent and not profile.consent_given_at:
        profile.consent_given_at = timezone.now()
        profile.consent_version = CONSENT_VERSION
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save()
    return profile
