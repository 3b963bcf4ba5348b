"""Personal data held by the apps below privacy: accounts, profiles, addresses, the outbox, the admin's log.

Apps above (circles, meetings…) declare their own models in their ``personal_data.py``.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from cercles.audit.models import AuditEvent
from cercles.notifications.models import PENDING, Message
from cercles.people.models import ERASED_PERSON, Consent, Profile, User
from cercles.privacy.registry import Erase, ErasureContext, declaration_for, declarations, personal_data


def _tombstone(context: ErasureContext) -> None:
    """The account stays as an id that shows "personne supprimée"; nothing personal is left in it."""
    person = context.person
    person.email = f"personne-supprimee-{person.pk}@compte-efface.invalid"
    person.first_name = ""
    person.last_name = ""
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    # An unusable password also ends every other session of the account (Django checks its hash).
    person.password = make_password(None)
    person.last_login = None
    person.last_seen_at = None
    person.inactivity_warned_at = None
    person.erased_at = context.now
    person.save()
    person.groups.clear()
    person.user_permissions.clear()


personal_data(
    User,
    label=_("Compte"),
    person_fields=("pk",),
    address_fields=("email",),
    export_fields=("email", "first_name", "last_name", "date_joined", "last_login", "last_seen_at"),
    erase=_tombstone,
    stage=90,
    note="The row stays as a tombstone (id only) so that what must outlive the person refers to it.",
)
personal_data(
    Profile,
    label=_("Profil"),
    person_fields=("user",),
    export_fields=(
        "organisation__name",
        "organisation__kind",
        "departement__name",
        "job_family__name",
        "job_title",
        "consent_given_at",
        "consent_version",
        "consent_withdrawn_at",
        "updated_at",
    ),
)
personal_data(
    Authenticator,
    label=_("Second facteur"),
    person_fields=("user",),
    export_fields=("type", "created_at", "last_used_at"),
)
personal_data(
    Consent,
    label=_("Consentements"),
    person_fields=("user",),
    export_fields=("version", "given_at", "withdrawn_at", "text"),
)
personal_data(
    EmailAddress,
    label=_("Adresses e-mail"),
    person_fields=("user",),
    address_fields=("email",),
    export_fields=("email", "verified", "primary"),
)


def _erase_messages(context: ErasureContext) -> None:
    """Messages to the person keep their metadata (recipient id, kind, dates), never an address or body;
    those not sent yet are cancelled."""
    rows = declaration_for(Message).rows_of(context.person, context.addresses)
    rows.filter(PENDING).update(cancelled_at=context.now)
    rows.update(address="", payload={})


personal_data(
    Message,
    label=_("Messages envoyés"),
    person_fields=("recipient",),
    address_fields=("address",),
    export_fields=("kind", "address", "created_at", "sent_at", "failed_at", "cancelled_at"),
    erase=_erase_messages,
    stage=70,
)


def _erase_log_entries(context: ErasureContext) -> None:
    """The admin's history names objects by their text ("Bob Martin · Codéveloppement"): rows about the
    person's objects are renamed; rows the person wrote as a coordinator keep their id only."""
    for declaration in declarations():
        if declaration.model is LogEntry:
            continue
        ids = [str(pk) for pk in declaration.rows_of(context.person, context.addresses).values_list("pk", flat=True)]
        if ids:
            content_type = ContentType.objects.get_for_model(declaration.model)
            LogEntry.objects.filter(content_type=content_type, object_id__in=ids).update(object_repr=str(ERASED_PERSON))


personal_data(
    LogEntry,
    label=_("Historique de la coordination"),
    person_fields=("user",),
    erase=_erase_log_entries,
    stage=10,
    note="Rows the person wrote refer to them by id; rows about their objects lose their text.",
)
personal_data(
    AuditEvent,
    label=_("Journal des actions"),
    person_fields=("actor_id", "person_id"),
    export_fields=("at", "action", "circle_id"),
    erase=Erase.KEEP_BY_ID,
    note="The log outlives the person by id only (no name, no address, no content); purged after its period.",
)
