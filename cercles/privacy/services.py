"""Writes on personal data: erasing a person (at their request, or a coordinator's on their behalf).

The erasure runs every declaration of the registry (cercles.privacy.registry) in one transaction:
either everything about the person is erased, or nothing is (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.core.policy import require
from cercles.people.models import User
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
    # By id only: once the account is a tombstone, the log shows "personne supprimée".
    audit_record(actor=erased_by, action=AuditAction.PERSON_ERASE, person=person)
    return person


@transaction.atomic
def person_data_download(*, person: User, viewer: User) -> dict[str, Any]:
    """The JSON of "Télécharger mes données", recorded in the audit log. Raises PolicyDenied."""
    data = export_as_json(person_data_export(person=person, viewer=viewer))
    audit_record(actor=viewer, action=AuditAction.PERSON_EXPORT, person=person)
    return data
