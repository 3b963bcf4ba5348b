"""Who is told what when a membership changes. Called by the task queued after commit."""

from __future__ import annotations

from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.notifications.services import email_send
from cercles.people.selectors import coordinator_addresses

# event → who receives it: the person concerned, the circle's facilitators, or the coordinators.
RECIPIENTS = {
    "joined": ("person", "facilitators"),
    "waitlisted": ("person", "facilitators"),
    "applied": ("person", "facilitators"),
    "left": ("facilitators",),
    "facilitator_left": ("facilitators",),
    "facilitator_removed": ("person", "facilitators"),
    "facilitator_added": ("person", "facilitators"),
    "promoted": ("person", "facilitators"),
    "approved": ("person",),
    "refused": ("person",),
    "facilitator_missing": ("coordinators",),
}


def membership_event_send(*, event: str, membership_id: int) -> int:
    """E-mail everyone concerned by ``event`` on a membership; returns how many e-mails were sent."""
    membership = Membership.objects.select_related("circle__kind", "user").filter(pk=membership_id).first()
    if membership is None or event not in RECIPIENTS:
        return 0
    sent = 0
    context = {"membership": membership, "circle": membership.circle, "person": membership.user}
    for audience in RECIPIENTS[event]:
        recipients = _addresses(audience, membership)
        template = f"circles/email/{event}_{audience}"
        sent += email_send(recipients=recipients, template=template, context=context)
    return sent


def _addresses(audience: str, membership: Membership) -> list[str]:
    if audience == "person":
        return [membership.user.email]
    if audience == "facilitators":
        facilitators = Membership.objects.filter(
            circle_id=membership.circle_id, role=MembershipRole.FACILITATOR, status=MembershipStatus.ACTIVE
        ).exclude(user_id=membership.user_id)
        return list(facilitators.values_list("user__email", flat=True))
    return coordinator_addresses()


def facilitator_invitation_send(*, invitation_id: int) -> int:
    """E-mail the invited address its link; nothing when the invitation was answered meanwhile."""
    from django.urls import reverse

    from cercles.circles.models import FacilitatorInvitation
    from cercles.circles.services import invitation_token

    invitation = (
        FacilitatorInvitation.objects.select_related("circle__kind", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.is_answered:
        return 0
    link = reverse("circles:invitation", args=[invitation_token(invitation)])
    context = {"invitation": invitation, "circle": invitation.circle, "inviter": invitation.invited_by, "path": link}
    return email_send(recipients=[invitation.email], template="circles/email/facilitator_invitation", context=context)
