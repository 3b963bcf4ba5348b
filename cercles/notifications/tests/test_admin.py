"""Coordination page "Messages en échec": coordinators only, metadata only, with "Réessayer"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cercles.core.scheduler import registered_jobs
from cercles.notifications.models import Message
from cercles.notifications.services import SWEEP_JOB, message_enqueue
from cercles.notifications.tests.conftest import NOTE
from cercles.people.models import User
from conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGE = "/coordination/notifications/failedmessage/"


def failed(address: str = "inconnue@exemple.fr", **changes: object) -> Message:
    message = message_enqueue(kind=NOTE, address=address, payload={"text": "Votre code : 987654"})
    Message.objects.filter(pk=message.pk).update(
        failed_at=timezone.now(), last_error="550 5.1.1 Mailbox unknown", attempts=1, **changes
    )
    return message


def test_coordinators_see_who_what_and_why_never_the_content(claire: User) -> None:
    failed()
    message_enqueue(kind=NOTE, address="en-attente@exemple.fr")  # pending: not a failure
    html = client_for(claire).get(PAGE).content.decode()
    assert "Messages en échec" in html
    assert "inconnue@exemple.fr" in html
    assert "550 5.1.1 Mailbox unknown" in html
    assert "en-attente@exemple.fr" not in html
    assert "987654" not in html


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_participants_and_facilitators_are_kept_out(request, persona: str) -> None:
    response = client_for(request.getfixturevalue(persona)).get(PAGE)
    assert response.status_code == 302


def test_staff_outside_the_coordination_group_are_kept_out() -> None:
    response = client_for(make_user("stagiaire", is_staff=True, coordinator=False)).get(PAGE)
    assert response.status_code in (302, 403)


def test_a_message_detail_shows_no_payload(claire: User) -> None:
    message = failed()
    html = client_for(claire).get(f"{PAGE}{message.pk}/change/").content.decode()
    assert message.message_id.strip("<>") in html
    assert "987654" not in html


def test_retry_puts_failed_messages_back_in_the_queue(claire: User, django_capture_on_commit_callbacks) -> None:
    message = failed(address="revenue@exemple.fr")
    expired = failed(address="trop-tard@exemple.fr", expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(claire).post(
            PAGE, {"action": "retry", "_selected_action": [message.pk, expired.pk]}, follow=True
        )
    html = response.content.decode()
    assert "1 message renvoyé dans la file." in html
    assert "ne sont pas renvoyés" in html
    assert Message.objects.get(pk=message.pk).sent_at is not None  # the woken sweeper sent it
    assert Message.objects.get(pk=expired.pk).failed_at is not None


def test_the_sweeper_is_the_schedulers_job() -> None:
    assert SWEEP_JOB in {job.name for job in registered_jobs()}
