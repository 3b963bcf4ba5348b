from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from cercles.circles.models import Circle, Membership, MembershipStatus
from cercles.circles.services import facilitator_invite
from cercles.notifications.services import message_enqueue, outbox_sweep
from cercles.people.models import User
from tests.factories import make_circle, make_user, seat

FIRST_NAME = "Zéphyrine"
LAST_NAME = "Quaternoble"


@dataclass
class Erasable:
    """Zéphyrine, present in every place the platform keeps something about a person."""

    person: User
    email: str
    member_of: Circle  # full, with Wendy waiting
    facilitates: Circle  # she is its only facilitator
    waiting: User
    other_member: Membership  # someone else's application, which must stay as written


@pytest.fixture
def zephyrine(db: None, alice: User, claire: User) -> Erasable:
    person = make_user("zephyrine")
    person.first_name, person.last_name = FIRST_NAME, LAST_NAME
    person.save()
    member_of = make_circle(facilitators=(alice,), capacity=2, title="Cercle plein")
    facilitates = make_circle(facilitators=(person,), title="Cercle qu'elle anime")
    mine = seat(member_of, person)
    mine.application_message = f"Je suis {FIRST_NAME} {LAST_NAME}"
    mine.save()
    other = seat(member_of, make_user("olga"))
    other.application_message = "Mon propre message"
    other.save()
    waiting = make_user("wendy")
    seat(member_of, waiting, status=MembershipStatus.WAITING)
    facilitator_invite(circle_id=member_of.pk, invited_by=alice, email=person.email)
    facilitator_invite(circle_id=facilitates.pk, invited_by=person, email="invitee@exemple.fr")
    message_enqueue(kind="circles.joined.person", recipient=person, about={"membership": mine.pk})
    outbox_sweep()
    message_enqueue(kind="circles.joined.person", recipient=person, about={"membership": mine.pk})
    for content_type, object_id, text in (
        (ContentType.objects.get_for_model(User), person.pk, str(person)),
        (ContentType.objects.get_for_model(Membership), mine.pk, str(mine)),
    ):
        LogEntry.objects.create(
            user=claire,
            content_type=content_type,
            object_id=str(object_id),
            object_repr=text,
            action_flag=CHANGE,
            change_message="[]",
        )
    return Erasable(
        person=person,
        email=person.email,
        member_of=member_of,
        facilitates=facilitates,
        waiting=waiting,
        other_member=other,
    )
