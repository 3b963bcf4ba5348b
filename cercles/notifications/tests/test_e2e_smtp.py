"""End to end through a real SMTP server: a circle's notice leaves the outbox and arrives readable."""

from __future__ import annotations

import pytest

from cercles.circles import services as circle_services
from cercles.circles.models import Circle
from cercles.notifications.models import Message
from cercles.notifications.services import message_enqueue, outbox_sweep
from cercles.notifications.tests.conftest import INVITATION
from cercles.people.models import User
from tests.smtp_sink import SinkHandler

pytestmark = pytest.mark.django_db


def test_a_joining_notice_arrives_in_french_with_a_stable_message_id(
    circle: Circle, alice: User, charlie: User, sink: SinkHandler, manual_sweep, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        circle_services.membership_request(circle_id=circle.pk, user=charlie, pact_accepted=True)
    to_alice = Message.objects.get(kind="circles.joined.facilitators")
    sink.data_failures = 1  # the first message is turned away once: "451 Try again later"
    outbox_sweep()
    retried = Message.objects.get(sent_at__isnull=True)
    assert retried.last_error.startswith("451")
    Message.objects.filter(pk=retried.pk).update(due_at=retried.created_at)  # skip the backoff's wait
    outbox_sweep()

    arrived = {message["To"]: message for message in sink.received}
    assert set(arrived) == {alice.email, charlie.email}  # one message each: nobody sees the other's address
    notice = arrived[alice.email]
    assert notice["Message-ID"] == to_alice.message_id
    assert sink.attempted_ids.count(retried.message_id) == 2  # refused once, then accepted: the same id
    assert sink.message_ids.count(retried.message_id) == 1
    # Python's folding puts the encoded words on a continuation line; readers strip the leading space.
    assert notice["Subject"].strip() == "[Cercles] Nouveau membre dans « Codéveloppement des cadres »"

    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice.get_content_type() == "text/plain"
    body = notice.get_content()
    assert "Charlie Test a rejoint le cercle « Codéveloppement des cadres »." in body
    assert "apprentissage et entraide entre pairs" in body


def test_extra_headers_and_an_attachment_arrive(sink: SinkHandler) -> None:
    message_enqueue(kind=INVITATION, address="agnes@exemple.fr")
    outbox_sweep()
    [arrived] = sink.received
    assert arrived["List-Unsubscribe"] == "<https://cercles.example.fr/desabonnement/abc>"
    [calendar] = list(arrived.iter_attachments())
    assert calendar.get_filename() == "seance.ics"
    assert calendar.get_content_type() == "text/calendar"
    assert "SUMMARY:Séance d'été" in calendar.get_content()
