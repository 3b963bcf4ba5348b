"""Writes on personal data: erasing a person (at their request, or a coordinator's on their behalf).

The erasure runs every declaration of the registry (cercles.privacy.registry) in one transaction:
either everything about the person is erased, or nothing is (docs/privacy.md).
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.core.page_cache import public_pages_changed
from cercles.core.policy import require
from cercles.notifications.services import message_enqueue
from cercles.people.models import User
from cercles.privacy.emails import INACTIVITY_WARNING
from cercles.privacy.exceptions import ALREADY_ERASED, PrivacyError
from cercles.privacy.registry import Erase, ErasureContext, declarations
from cercles.privacy.selectors import export_as_json, person_addresses, person_data_export


@transaction.atomic
def person_erase(*, person_id: int, erased_by: User) -> User:
    """Erase everything held about a person; keep, by id only, what must outlive them.

    Each app's declared erasure runs in order (leaving circles and promoting their waiting lists,
    telling coordinators of circles left without facilitator, deleting the profile and addresses,
    blanking messages' addresses, and last the account, which becomes a tombstone that shows
    "personne supprimée"). What others wrote is untouched. Raises PolicyDenied (``privacy.erase_person``:
    the person themselves, or a coordinator for an account outside the programme team), PrivacyError
    when the account was already erased. E-mails (the facilitators', the coordinators') leave on commit.
    """
    person = User.objects.select_for_update().get(pk=person_id)
    require(erased_by, "privacy.erase_person", person)
    return _erase(person, erased_by=erased_by)


def _erase(person: User, *, erased_by: User | None) -> User:
    """Run every declared erasure on a locked person; ``erased_by`` None: the retention job."""
    if person.erased_at is not None:
        raise PrivacyError(ALREADY_ERASED)
    context = ErasureContext(person=person, addresses=person_addresses(person), erased_by=erased_by, now=timezone.now())
    for declaration in declarations():
        if declaration.erase is Erase.DELETE:
            declaration.rows_of(person, context.addresses).delete()
        elif declaration.erase is Erase.KEEP_BY_ID:
            continue
        else:
            declaration.erase(context)
    public_pages_changed()  # the person's name may be on public pages (a past facilitation)
    # By id only: once the account is a tombstone, the log shows "personne supprimée".
    audit_record(actor=erased_by, action=AuditAction.PERSON_ERASE, person=person)
    return person


@transaction.atomic
def person_data_download(*, person: User, viewer: User) -> dict[str, Any]:
    """The JSON of "Télécharger mes données", recorded in the audit log. Raises PolicyDenied."""
    data = export_as_json(person_data_export(person=person, viewer=viewer))
    audit_record(actor=viewer, action=AuditAction.PERSON_EXPORT, person=person)
    return data


# --- Retention (periodic jobs, cercles/privacy/jobs.py) ------------------------------------------


def _last_activity() -> Greatest:
    """The latest of a visit (or another recorded activity), a login and the sign-up (SQL)."""
    return Greatest(Coalesce("last_seen_at", "date_joined"), Coalesce("last_login", "date_joined"))


def _activity_of(person: User) -> datetime.datetime:
    return max(person.last_seen_at or person.date_joined, person.last_login or person.date_joined)


def _subject_to_retention() -> QuerySet[User]:
    # The programme team's accounts are the technical administration's (docs/privacy.md).
    return User.objects.filter(erased_at__isnull=True, is_staff=False, is_superuser=False)


def retention_purge_unconfirmed(*, now: datetime.datetime | None = None) -> int:
    """Delete accounts never confirmed (no verified address, never signed in) after the set delay.

    Such an account holds an address and nothing else: it is deleted outright, one transaction each,
    with an audit row (no actor: the retention). Returns how many.
    """
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.UNCONFIRMED_ACCOUNT_RETENTION_DAYS)
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    ids = list(
        _subject_to_retention()
        .filter(last_login__isnull=True, last_seen_at__isnull=True, date_joined__lt=limit)
        .exclude(Exists(verified))
        .values_list("pk", flat=True)
    )
    for person_id in ids:
        with transaction.atomic():
            User.objects.filter(pk=person_id, last_login__isnull=True).delete()
            audit_record(actor=None, action=AuditAction.PERSON_PURGE, person=person_id)
    return len(ids)


def retention_warn_inactive(*, now: datetime.datetime | None = None) -> int:
    """E-mail people ``INACTIVE_WARNING_DAYS`` before the end of the promised period of inactivity
    (``INACTIVE_ACCOUNT_RETENTION_DAYS``) that their account will then be anonymised.

    The message is queued with the warning's date in the same transaction (one per person, never
    twice: ``inactivity_warned_at``). Returns how many were warned.
    """
    now = now or timezone.now()
    warn_after = max(settings.INACTIVE_ACCOUNT_RETENTION_DAYS - settings.INACTIVE_WARNING_DAYS, 0)
    limit = now - datetime.timedelta(days=warn_after)
    ids = list(
        _subject_to_retention()
        .annotate(activity=_last_activity())
        # Never warned, or warned before a later activity (a login does not clear the warning).
        .filter(Q(inactivity_warned_at__isnull=True) | Q(inactivity_warned_at__lt=F("activity")), activity__lt=limit)
        .values_list("pk", flat=True)
    )
    warned = 0
    for person_id in ids:
        with transaction.atomic():
            person = User.objects.select_for_update().get(pk=person_id)
            warned_at = person.inactivity_warned_at
            if person.erased_at is not None or (warned_at is not None and warned_at >= _activity_of(person)):
                continue  # warned meanwhile by another scheduler
            person.inactivity_warned_at = now
            person.save(update_fields=["inactivity_warned_at"])
            message_enqueue(kind=INACTIVITY_WARNING, recipient=person)
            warned += 1
    return warned


def retention_anonymise_inactive(*, now: datetime.datetime | None = None) -> int:
    """Erase people warned ``INACTIVE_WARNING_DAYS`` ago who showed no activity since (one transaction
    each, exactly as "Supprimer mon compte" does). Returns how many."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.INACTIVE_WARNING_DAYS)
    ids = list(
        _subject_to_retention()
        .annotate(activity=_last_activity())
        .filter(inactivity_warned_at__lt=limit, activity__lt=F("inactivity_warned_at"))
        .values_list("pk", flat=True)
    )
    erased = 0
    for person_id in ids:
        with transaction.atomic():
            person = User.objects.select_for_update().get(pk=person_id)
            # Checked again under the lock: a visit since the query clears the warning.
            if person.inactivity_warned_at is None or person.erased_at is not None:
                continue
            _erase(person, erased_by=None)
            erased += 1
    return erased
