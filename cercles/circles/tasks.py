"""Background tasks of circles: one-liners that take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from cercles.circles import emails


@task()
def notify_membership_event(event: str, membership_id: int) -> None:
    emails.membership_event_send(event=event, membership_id=membership_id)


@task()
def send_facilitator_invitation(invitation_id: int) -> None:
    emails.facilitator_invitation_send(invitation_id=invitation_id)
