"""Writes on people, organisations and profiles."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.core.page_cache import public_pages_changed
from cercles.core.policy import allows, require
from cercles.core.text import normalize_for_search
from cercles.people import collectivites
from cercles.people.collectivites import Collectivite
from cercles.people.consent import CONSENT_SUMMARY, CONSENT_VERSION
from cercles.people.exceptions import (
    CONSENT_REQUIRED,
    EMAIL_TAKEN,
    MERGE_NEEDS_TWO,
    NO_CONSENT_TO_WITHDRAW,
    ORGANISATION_EXISTS,
    ORGANISATION_KIND_REQUIRED,
    ORGANISATION_NAME_REQUIRED,
    ProfileError,
)
from cercles.people.models import Consent, Departement, JobFamily, Organisation, OrganisationType, Profile, User

if TYPE_CHECKING:
    from django.contrib.auth.models import Group, Permission


def organisation_get_or_create(*, name: str, kind: str, departement: Departement | None) -> Organisation:
    """Return the organisation of that name in that département, creating it if it is new.

    Names are compared case- and accent-insensitively, so that colleagues who type their employer
    differently still share one record. The kind given is used only for a new organisation.
    A collectivité's label from the suggestions (« Commune de Sète (34) ») gives the official
    organisation instead, whatever kind and département were given (``_organisation_from_cog``).
    Raises ProfileError for an empty name or an unknown kind.
    """
    collectivite = collectivites.find_by_label(name)
    if collectivite is not None:
        return _organisation_from_cog(collectivite)
    clean_name, search_name = _organisation_name(name, kind, fields=("organisation_name", "organisation_kind"))
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


def _organisation_from_cog(collectivite: Collectivite) -> Organisation:
    """The organisation of a collectivité: official name, type and département, validated.

    The official data wins over what the form said: the organisation is the collectivité, whose type
    and département are facts, while the person's own département (where they work, on their profile)
    is theirs to give: an agent of a région, or of a commune's service in a neighbouring town, keeps it.
    An organisation someone typed under that name in that département becomes the official one — the
    name is an official designation, so it needs no coordinator — rather than a twin beside it.
    """
    name = collectivite.organisation_name
    search_name = normalize_for_search(name)
    departement_id = collectivite.departement or None
    organisation = Organisation.objects.filter(search_name=search_name, departement_id=departement_id).first()
    if organisation is None:
        organisation = Organisation(
            name=name,
            kind=collectivite.kind,
            departement_id=departement_id,
            search_name=search_name,
            validated_at=timezone.now(),
        )
        organisation.full_clean(validate_constraints=False)
        try:
            # A savepoint: two colleagues choosing the same collectivité at once both end on one record.
            with transaction.atomic():
                organisation.save()
        except IntegrityError:
            organisation = Organisation.objects.get(search_name=search_name, departement_id=departement_id)
        else:
            return organisation
    if (organisation.name, organisation.kind) != (name, collectivite.kind) or organisation.validated_at is None:
        organisation.name = name
        organisation.kind = collectivite.kind
        organisation.validated_at = organisation.validated_at or timezone.now()
        organisation.full_clean(validate_constraints=False)
        organisation.save(update_fields=["name", "kind", "validated_at"])
    return organisation


def _organisation_name(name: str, kind: str, *, fields: tuple[str, str]) -> tuple[str, str]:
    """The name with its spaces tidied and its folded form; ProfileError on the form's field at fault."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise ProfileError(ORGANISATION_NAME_REQUIRED, field=fields[0])
    if kind not in OrganisationType.values:
        raise ProfileError(ORGANISATION_KIND_REQUIRED, field=fields[1])
    return clean_name, normalize_for_search(clean_name)


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
    renamed = (user.first_name, user.last_name) != (first_name.strip(), last_name.strip())
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name"])
    if renamed:
        public_pages_changed()  # a facilitator's name is on public pages
    profile.organisation = organisation_get_or_create(
        name=organisation_name, kind=organisation_kind, departement=departement
    )
    profile.departement = departement
    profile.job_family = job_family
    profile.job_title = job_title.strip()
    if consent and not profile.consent_is_current:
        _record_consent(profile)
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save()
    return profile


def _record_consent(profile: Profile) -> None:
    """A new consent row with the very French text accepted; the profile holds the current state."""
    now = timezone.now()
    with translation.override("fr"):
        text = str(CONSENT_SUMMARY)
    Consent.objects.create(user=profile.user, version=CONSENT_VERSION, text=text, given_at=now)
    profile.consent_given_at = now
    profile.consent_version = CONSENT_VERSION
    profile.consent_withdrawn_at = None


@transaction.atomic
def consent_give(*, user: User) -> Profile:
    """The person accepts the current text (a new version, or coming back after a withdrawal)."""
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    if not profile.consent_is_current:
        _record_consent(profile)
        profile.updated_at = timezone.now()
        profile.save()
    return profile


@transaction.atomic
def consent_withdraw(*, user: User) -> Profile:
    """The person withdraws their consent: the account is frozen until they give it again.

    Their data is kept (they may come back, download or delete it) but no longer used: the site shows
    them only the explanation, and joining a circle needs a consent (``Profile.is_complete``). Raises
    ProfileError when there is no consent to withdraw.
    """
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.consent_given_at is None:
        raise ProfileError(NO_CONSENT_TO_WITHDRAW)
    now = timezone.now()
    Consent.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=now)
    profile.consent_given_at = None
    profile.consent_version = ""
    profile.consent_withdrawn_at = now
    profile.updated_at = now
    profile.save()
    return profile


@dataclass(frozen=True)
class Rights:
    """Staff, superuser, groups and permissions: technical administration (``programme.manage_rights``)."""

    is_staff: bool
    is_superuser: bool
    groups: Iterable[Group]
    user_permissions: Iterable[Permission]


@transaction.atomic
def person_create(*, created_by: User, email: str, password: str | None = None) -> User:
    """Open an account for someone (coordination pages); they complete their profile themselves.

    Raises DomainPermissionDenied (policy ``programme.administer``), ProfileError when the address
    already has an account (field ``email``).
    """
    require(created_by, "programme.administer")
    address = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=address).exists():
        raise ProfileError(EMAIL_TAKEN, field="email")
    person = User.objects.create_user(address, password or None)
    audit_record(actor=created_by, action=AuditAction.PERSON_CREATE, person=person)
    return person


@transaction.atomic
def person_update(
    *,
    person_id: int,
    updated_by: User,
    email: str,
    first_name: str,
    last_name: str,
    is_active: bool,
    rights: Rights | None = None,
) -> User:
    """Change someone's identity or suspend their account (coordination pages).

    ``rights`` are applied only for a superuser (policy ``programme.manage_rights``) and ignored
    otherwise, so that a coordinator can never make anyone staff. A superuser's account is changed by
    superusers only. Raises DomainPermissionDenied, ProfileError (address taken, field ``email``).
    """
    require(updated_by, "programme.administer")
    person = User.objects.select_for_update().get(pk=person_id)
    may_manage_rights = allows(updated_by, "programme.manage_rights")
    if person.is_superuser and not may_manage_rights:
        require(updated_by, "programme.manage_rights")
    address = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=address).exclude(pk=person.pk).exists():
        raise ProfileError(EMAIL_TAKEN, field="email")
    before = {name: getattr(person, name) for name in ("email", "first_name", "last_name", "is_active")}
    person.email = address
    person.first_name = first_name.strip()
    person.last_name = last_name.strip()
    person.is_active = is_active
    changed = [name for name, value in before.items() if getattr(person, name) != value]
    if rights is not None and may_manage_rights:
        changed += [name for name in ("is_staff", "is_superuser") if getattr(person, name) != getattr(rights, name)]
        person.is_staff = rights.is_staff
        person.is_superuser = rights.is_superuser
    person.full_clean(exclude=["password"])
    person.save()
    if "first_name" in changed or "last_name" in changed:
        public_pages_changed()  # a facilitator's name is on public pages
    if rights is not None and may_manage_rights:
        person.groups.set(rights.groups)
        person.user_permissions.set(rights.user_permissions)
        changed.append("rights")
    audit_record(actor=updated_by, action=AuditAction.PERSON_UPDATE, person=person, changes=changed)
    return person


@transaction.atomic
def organisation_update(
    *, organisation_id: int, updated_by: User, name: str, kind: str, departement: Departement | None
) -> Organisation:
    """Correct an organisation's name, type or département (coordination pages).

    Keeps the folded name that de-duplicates organisations in step. Raises DomainPermissionDenied,
    ProfileError (empty name, unknown type, or another organisation already has that name there).
    """
    require(updated_by, "programme.administer")
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    clean_name, search_name = _organisation_name(name, kind, fields=("name", "kind"))
    twin = Organisation.objects.filter(search_name=search_name, departement=departement).exclude(pk=organisation.pk)
    if twin.exists():
        raise ProfileError(ORGANISATION_EXISTS, field="name")
    organisation.name = clean_name
    organisation.kind = kind
    organisation.departement = departement
    organisation.search_name = search_name
    organisation.full_clean()
    organisation.save()
    audit_record(
        actor=updated_by,
        action=AuditAction.ORGANISATION_UPDATE,
        object_kind="organisation",
        object_id=organisation.pk,
        changes=("name", "kind", "departement"),
    )
    return organisation


def person_activity_record(*, user_id: int, now: datetime.datetime | None = None) -> bool:
    """Record a sign of life (a visit, a room, an answer from an e-mail): at most one write a day.

    A conditional UPDATE, safe from any thread and outside a transaction; it also clears a pending
    inactivity warning, so that someone who came back is not anonymised. Returns whether it wrote.
    """
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return bool(
        User.objects.filter(pk=user_id, erased_at__isnull=True)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=start_of_day))
        .update(last_seen_at=now, inactivity_warned_at=None)
    )


@transaction.atomic
def organisation_validate(*, organisation_ids: Iterable[int], validated_by: User) -> int:
    """A coordinator validates names people typed: from now on they are suggested to others.

    Raises DomainPermissionDenied (``programme.administer``). Returns how many were newly validated.
    """
    require(validated_by, "programme.administer")
    ids = list(
        Organisation.objects.filter(pk__in=list(organisation_ids), validated_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    Organisation.objects.filter(pk__in=ids).update(validated_at=timezone.now())
    for organisation_id in ids:
        audit_record(
            actor=validated_by,
            action=AuditAction.ORGANISATION_VALIDATE,
            object_kind="organisation",
            object_id=organisation_id,
        )
    return len(ids)


@transaction.atomic
def organisation_merge(*, organisation_ids: Iterable[int], merged_by: User) -> Organisation:
    """Merge duplicates into one: the validated one if there is one, else the oldest; its profiles follow.

    The others are deleted once nobody points at them. Raises DomainPermissionDenied
    (``programme.administer``), ProfileError when fewer than two organisations are given.
    """
    require(merged_by, "programme.administer")
    twins = list(Organisation.objects.select_for_update().filter(pk__in=list(organisation_ids)).order_by("id"))
    if len(twins) < 2:
        raise ProfileError(MERGE_NEEDS_TWO)
    target = next((o for o in twins if o.validated_at is not None), twins[0])
    others = [o.pk for o in twins if o.pk != target.pk]
    Profile.objects.filter(organisation_id__in=others).update(organisation=target)
    Organisation.objects.filter(pk__in=others).delete()
    audit_record(
        actor=merged_by,
        action=AuditAction.ORGANISATION_MERGE,
        object_kind="organisation",
        object_id=target.pk,
        changes=[f"organisation:{pk}" for pk in others],
    )
    return target
