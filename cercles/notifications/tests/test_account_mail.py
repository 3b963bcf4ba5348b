"""allauth's mails leave through the outbox: urgent lane, an expiry for codes, nothing kept once sent."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from cercles.notifications.models import Lane, Message
from cercles.people.adapters import ACCOUNT_MAIL
from cercles.people.models import User

pytestmark = pytest.mark.django_db


def test_a_sign_up_code_goes_in_the_urgent_lane_and_expires(client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/compte/signup/", {"email": "nouvelle@exemple.fr"})
    message = Message.objects.get()
    assert (message.kind, message.lane, message.address) == (ACCOUNT_MAIL, Lane.URGENT, "nouvelle@exemple.fr")
    assert message.recipient == User.objects.get(email="nouvelle@exemple.fr")
    assert message.expires_at is not None
    assert message.expires_at - message.created_at <= datetime.timedelta(minutes=15, seconds=1)
    assert mail.outbox == []  # not sent inside the request


def test_the_code_leaves_and_only_metadata_stays(client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/signup/", {"email": "nouvelle@exemple.fr"})
    [sent] = mail.outbox
    assert sent.subject.startswith("[Cercles] ")
    message = Message.objects.get()
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert message.sent_at is not None
    assert message.payload == {}


def test_a_password_reset_link_is_queued_for_a_known_address(
    client, bob: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/password/reset/", {"email": bob.email})
    message = Message.objects.get(address=bob.email)
    assert message.lane == Lane.URGENT
    assert message.expires_at is not None
    assert [m.to for m in mail.outbox] == [[bob.email]]
