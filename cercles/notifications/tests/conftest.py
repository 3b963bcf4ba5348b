"""A message kind of the tests' own, and a real SMTP server the sweeper sends to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cercles.core import scheduler
from cercles.notifications import services
from cercles.notifications.models import Message
from cercles.notifications.registry import Attachment, Rendered, message_kind
from tests.smtp_sink import SinkHandler, smtp_sink

NOTE = "tests.note"


@message_kind(NOTE)
def render_note(message: Message) -> Rendered | None:
    if message.about.get("gone"):
        return None
    if message.about.get("broken"):
        raise RuntimeError("a bug in a renderer")
    text = message.payload.get("text", "Réunion à l'hôtel de ville, côté jardin.")
    return Rendered(subject="[Cercles] Rappel : séance d'été", body=f"Bonjour,\n\n{text}\n")


INVITATION = "tests.invitation"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Séance d'été\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


@message_kind(INVITATION)
def render_invitation(message: Message) -> Rendered | None:
    return Rendered(
        subject="[Cercles] Invitation",
        body="Vous trouverez l'invitation ci-jointe.\n",
        headers={"List-Unsubscribe": "<https://cercles.example.fr/desabonnement/abc>"},
        attachments=(Attachment("seance.ics", ICS, "text/calendar"),),
    )


@pytest.fixture
def sink(settings) -> Iterator[SinkHandler]:
    """Django's SMTP backend pointed at a local aiosmtpd server."""
    with smtp_sink() as (handler, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 10
        yield handler


@pytest.fixture
def manual_sweep(settings) -> None:
    """Commits do not sweep by themselves: the test calls the sweeper when it wants."""
    settings.SCHEDULER_RUN_ON_WAKE = False


@pytest.fixture(autouse=True)
def _quiet_wakeups() -> Iterator[None]:
    yield
    services.urgent_waiting.clear()
    scheduler._woken.clear()
    scheduler._wakeup.clear()
