"""What the circles hold about a person, for the privacy app's export and erasure (cercles.privacy.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.circles.models import FacilitatorInvitation, Membership
from cercles.circles.services import memberships_erase_person
from cercles.privacy.registry import ErasureContext, personal_data


def _erase_memberships(context: ErasureContext) -> None:
    memberships_erase_person(user=context.person)


def _erase_invitations(context: ErasureContext) -> None:
    """Invitations sent to the person's address lose it (pending ones are withdrawn); those the person
    sent or accepted keep their id only."""
    rows = FacilitatorInvitation.objects.filter(email__in=context.addresses)
    rows.filter(accepted_at=None, declined_at=None, withdrawn_at=None).update(withdrawn_at=context.now)
    rows.update(email="")


personal_data(
    Membership,
    label=_("Inscriptions aux cercles"),
    person_fields=("user",),
    export_fields=(
        "circle__title",
        "role",
        "status",
        "requested_at",
        "joined_at",
        "left_at",
        "pact_accepted_at",
        "application_message",
        "decision_message",
    ),
    erase=_erase_memberships,
    stage=20,
    note="Rows stay (counted in the figures), linked to the tombstone, without any message.",
)
personal_data(
    FacilitatorInvitation,
    label=_("Invitations à co-animer"),
    person_fields=("invited_by", "accepted_by"),
    address_fields=("email",),
    export_fields=("circle__title", "email", "created_at", "accepted_at", "declined_at", "withdrawn_at"),
    erase=_erase_invitations,
    stage=30,
)
