"""The circles' e-mails greet a person by first name, or with a neutral "Bonjour,", never a placeholder."""

from __future__ import annotations

import pytest
from django.core import mail

from cercles.circles import services
from cercles.circles.models import Circle
from cercles.people.models import User

pytestmark = pytest.mark.django_db


def join_and_read_own_email(circle: Circle, person: User, capture) -> str:
    with capture(execute=True):
        services.membership_request(circle_id=circle.pk, user=person, pact_accepted=True)
    return next(message.body for message in mail.outbox if message.to == [person.email])


def test_it_greets_a_person_by_first_name(circle: Circle, charlie: User, django_capture_on_commit_callbacks) -> None:
    body = join_and_read_own_email(circle, charlie, django_capture_on_commit_callbacks)
    assert body.startswith("Bonjour Charlie,\n\nVous faites maintenant partie du cercle")


def test_it_greets_a_person_without_a_name_neutrally(
    circle: Circle, charlie: User, django_capture_on_commit_callbacks
) -> None:
    User.objects.filter(pk=charlie.pk).update(first_name="", last_name="")
    charlie.refresh_from_db()
    body = join_and_read_own_email(circle, charlie, django_capture_on_commit_callbacks)
    assert body.startswith("Bonjour,\n\nVous faites maintenant partie du cercle")
    assert "Personne sans nom" not in body
