"""Reads on people."""

from __future__ import annotations

from django.db.models import QuerySet

from cercles.people.models import Departement, JobFamily, Organisation, Profile, User


def profile_for_user(*, user: User) -> Profile:
    """The person's profile, or an unsaved empty one when they have not filled it yet."""
    profile = (
        Profile.objects.select_related("organisation", "job_family__group", "departement__region")
        .filter(user=user)
        .first()
    )
    return profile if profile is not None else Profile(user=user)


def departement_list() -> QuerySet[Departement]:
    return Departement.objects.select_related("region").order_by("code")


def job_family_list() -> QuerySet[JobFamily]:
    return JobFamily.objects.select_related("group").order_by("group__name", "name")


def organisation_names() -> list[str]:
    """Names offered as suggestions when a person types their organisation."""
    return list(Organisation.objects.order_by("name").values_list("name", flat=True).distinct())
