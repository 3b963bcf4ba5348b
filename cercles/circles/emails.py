"""Who is told what when a membership changes, and how each of those e-mails is rendered.

The services queue one outbox message per recipient in their own transaction (``_notify``); the
sweeper renders it when it sends, from the membership as it is then (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.notifications.models import Message
from cercles.notifications.registry import (
    Rendered,
    Renderer,
    message_kind,
    preloaded,
    preloaded_set,
    render_templates,
)
from cercles.people.models import User
from cercles.people.selectors import coordinator_list

MISSING = object()

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
    "cancelled": ("person",),
    "archived": ("person",),
}


def message_kind_for(event: str, audience: str) -> str:
    return f"circles.{event}.{audience}"


def membership_event_recipients(*, event: str, membership: Membership) -> list[tuple[str, User]]:
    """(message kind, person) for everyone told about ``event``, each person once per kind."""
    recipients: list[tuple[str, User]] = []
    for audience in RECIPIENTS[event]:
        kind = message_kind_for(event, audience)
        recipients += [(kind, user) for user in _audience(audience, membership)]
    return recipients


def _audience(audience: str, membership: Membership) -> list[User]:
    if audience == "person":
        return [membership.user]
    if audience == "facilitators":
        return list(
            User.objects.filter(
                memberships__circle_id=membership.circle_id,
                memberships__role=MembershipRole.FACILITATOR,
                memberships__status=MembershipStatus.ACTIVE,
            )
            .exclude(pk=membership.user_id)
            .order_by("pk")
        )
    return list(coordinator_list().order_by("pk"))


def _preload_memberships(messages: Sequence[Message]) -> None:
    ids = {message.about.get("membership") for message in messages}
    found = Membership.objects.select_related("circle__kind", "user").in_bulk([i for i in ids if i is not None])
    for message in messages:
        preloaded_set(message, found.get(message.about.get("membership")))


def _membership_renderer(event: str, audience: str) -> Renderer:
    template = f"circles/email/{event}_{audience}"

    def render(message: Message) -> Rendered | None:
        membership = preloaded(message, MISSING)
        if membership is MISSING:  # rendered on its own, outside a sweep
            _preload_memberships([message])
            membership = preloaded(message)
        if membership is None:
            return None  # the membership is gone (account erased): nothing left to tell
        context = {"membership": membership, "circle": membership.circle, "person": membership.user}
        return render_templates(template, context)

    return render


for _event, _audiences in RECIPIENTS.items():
    for _audience_name in _audiences:
        message_kind(message_kind_for(_event, _audience_name), preload=_preload_memberships)(
            _membership_renderer(_event, _audience_name)
        )


FACILITATOR_INVITATION = "circles.facilitator_invitation"


@message_kind(FACILITATOR_INVITATION)
def render_facilitator_invitation(message: Message) -> Rendered | None:
    """The invited address's link; nothing once the invitation was answered or withdrawn.

    The link is signed from the invitation's current nonce: an invitation renewed before this message
    left sends the newest link, the only one that works.
    """
    from django.urls import reverse

    from cercles.circles.models import FacilitatorInvitation
    from cercles.circles.services import invitation_token

    invitation = (
        FacilitatorInvitation.objects.select_related("circle__kind", "invited_by")
        .filter(pk=message.about.get("invitation"))
        .first()
    )
    if invitation is None or invitation.is_answered:
        return None
    link = reverse("circles:invitation", args=[invitation_token(invitation)])
    context = {"invitation": invitation, "circle": invitation.circle, "inviter": invitation.invited_by, "path": link}
    return render_templates("circles/email/facilitator_invitation", context)
