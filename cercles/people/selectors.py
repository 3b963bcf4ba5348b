"""Reads on people."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from cercles.core.policy import COORDINATE_PERMISSION
from cercles.core.text import normalize_for_search
from cercles.people import collectivites
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


SUGGESTION_MIN_LENGTH = 3
SUGGESTION_COUNT = 8


@dataclass(frozen=True)
class OrganisationSuggestion:
    """One option of the organisation field's list: what choosing it puts in the field, and what it shows."""

    value: str
    label: str


def organisation_suggestions(*, typed: str) -> list[OrganisationSuggestion]:
    """A few organisations whose name holds what the person typed (three letters at least).

    Two sources, half the list each when both have enough (what one leaves, the other may fill): the
    official collectivités of the Code officiel géographique (communes, EPCI, départements, régions:
    public facts, safe to offer to anyone), then the organisations a coordinator validated. Names nobody
    validated are never offered to others: what one person types is not shown to the next. Case,
    accents and spaces are ignored. One query, whatever matches.
    """
    folded = normalize_for_search(typed)
    if len(folded) < SUGGESTION_MIN_LENGTH:
        return []
    official = [
        OrganisationSuggestion(value=c.label, label=c.label)
        for c in collectivites.suggest(folded, limit=SUGGESTION_COUNT)
    ]
    offered = {suggestion.value for suggestion in official}
    validated = Organisation.objects.filter(validated_at__isnull=False, search_name__contains=folded).order_by(
        "name", "departement_id"
    )
    # An organisation that is itself a collectivité is offered once, under its official label.
    others = [
        suggestion
        for suggestion in (_suggestion_for(organisation) for organisation in validated[:SUGGESTION_COUNT])
        if suggestion.value not in offered
    ]
    official_share = min(len(official), max(SUGGESTION_COUNT // 2, SUGGESTION_COUNT - len(others)))
    return official[:official_share] + others[: SUGGESTION_COUNT - official_share]


def organisation_field_value(organisation: Organisation) -> str:
    """What the profile's organisation field holds for this organisation.

    The official label for a collectivité (« Commune de Sète (34) »), so that saving the profile again
    finds the same organisation whatever département the person gives; the name otherwise.
    """
    collectivite = collectivites.find_by_organisation(organisation.name, organisation.departement_id)
    return collectivite.label if collectivite is not None else organisation.name


def _suggestion_for(organisation: Organisation) -> OrganisationSuggestion:
    value = organisation_field_value(organisation)
    if value != organisation.name or organisation.departement_id is None:
        return OrganisationSuggestion(value=value, label=value)
    return OrganisationSuggestion(value=value, label=f"{organisation.name} ({organisation.departement_id})")


def coordinator_list() -> QuerySet[User]:
    """The programme team as the policy defines it (cercles.core.policy.is_coordinator), in one query."""
    app_label, codename = COORDINATE_PERMISSION.split(".")
    holds_permission = Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return User.objects.filter(Q(is_superuser=True) | holds_permission, is_active=True, is_staff=True).distinct()


def coordinator_addresses() -> list[str]:
    """Where to write to the programme team."""
    return sorted(set(coordinator_list().values_list("email", flat=True)))


@dataclass(frozen=True)
class DataProtectionFacts:
    """What the privacy page states from the settings: who is responsible, whom to write to, how long."""

    controller: str
    dpo_contact: str
    inactive_days: int
    warning_days: int
    unconfirmed_days: int
    audit_days: int


def data_protection_facts() -> DataProtectionFacts:
    return DataProtectionFacts(
        controller=settings.DATA_CONTROLLER,
        dpo_contact=settings.DPO_CONTACT,
        inactive_days=settings.INACTIVE_ACCOUNT_RETENTION_DAYS,
        warning_days=settings.INACTIVE_WARNING_DAYS,
        unconfirmed_days=settings.UNCONFIRMED_ACCOUNT_RETENTION_DAYS,
        audit_days=settings.AUDIT_RETENTION_DAYS,
    )
