"""The world every cell of the permission matrix starts from: one circle and a person per persona.

Alice facilitates the circle with Fanny; Bob is a member, Wendy waits, Pat has applied with a
message; Charlie is signed in but outside; Claire coordinates; Olivia observes; Steve is staff
outside the Coordination group. The protected strings are unusual words so that a hit is never a
coincidence.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cercles.circles.models import Circle, FacilitatorInvitation, Membership, MembershipRole, MembershipStatus
from cercles.circles.services import facilitator_invite, invitation_token
from cercles.meetings.models import Attendance, AttendanceStatus, Meeting, Poll, Slot, SlotAnswer
from cercles.meetings.services import calendar_feed_renew
from cercles.people.models import User
from tests.factories import make_circle, make_user, seat


@dataclass
class World:
    circle: Circle
    users: dict[str, User | None]
    secrets: dict[str, str]
    co_facilitation: Membership
    application: Membership
    invitation: FacilitatorInvitation
    invitation_token: str
    meeting: Meeting
    past_meeting: Meeting
    poll: Poll
    feed_token: str
    formation: Any = None  # cercles.formation.tests.world.FormationWorld


def _named(name: str, last_name: str, **options: object) -> User:
    user = make_user(name, **options)  # type: ignore[arg-type]
    user.last_name = last_name
    user.save(update_fields=["last_name"])
    return user


def _write_in_rooms(
    meeting: Meeting, past_meeting: Meeting, *, alice: User, bob: User, fanny: User, secrets: dict[str, str]
) -> None:
    """Bob is the client of both meetings: yesterday's room holds his plan and learnings and Fanny's
    learnings; for the next one he has prepared his subject."""
    from cercles.rooms.models import Artefact, ClientTurn, Commitment
    from cercles.rooms.tests.writing_factories import APPRENTISSAGES, SYNTHESE, open_room

    ClientTurn.objects.create(meeting=past_meeting, person=bob, position=1)
    ClientTurn.objects.create(meeting=meeting, person=bob, position=1, subject=secrets["client_subject"])
    room = open_room(past_meeting, step=APPRENTISSAGES, status="terminee")
    room.ended_at = timezone.now()
    room.save(update_fields=["ended_at"])
    plan = Artefact.objects.create(
        room=room, step=SYNTHESE, phase_key="synthese", slot_key="plan", author=bob, visibility="auteur_animation"
    )
    Commitment.objects.create(artefact=plan, text=secrets["action_plan"])
    # Alice opened her learnings without writing yet (a draft at version 1, empty).
    for author, text in ((bob, secrets["own_learning"]), (fanny, secrets["cofacilitator_learning"]), (alice, "")):
        Artefact.objects.create(
            room=room,
            step=APPRENTISSAGES,
            phase_key="apprentissages",
            slot_key="apprentissages",
            author=author,
            visibility="auteur",
            text=text,
            version=1,
        )


def build_world() -> World:
    alice = _named("alice", "Animatrice")
    fanny = _named("fanny", "Coanimatrice")
    bob = _named("bob", "Zarbalestrin")
    wendy = _named("wendy", "Quonvilatte")
    pat = _named("pat", "Brumelavoine")
    circle = make_circle(facilitators=(alice, fanny), capacity=1, title="Cercle de la matrice")
    seat(circle, bob)
    seat(circle, wendy, status=MembershipStatus.WAITING)
    application = seat(circle, pat, status=MembershipStatus.PENDING)
    application.application_message = "Mon message fenouillard de candidature"
    application.save(update_fields=["application_message"])
    co_facilitation = Membership.objects.get(circle=circle, user=fanny, role=MembershipRole.FACILITATOR)
    users: dict[str, User | None] = {
        "anonymous": None,
        "outsider": make_user("charlie"),
        "waiting": wendy,
        "member": bob,
        "facilitator": alice,
        "coordinator": make_user("claire", is_staff=True),
        "observer": make_user("olivia", observer=True),
        "staff": make_user("steve", is_staff=True, coordinator=False),
    }
    secrets = {
        "own_learning": "apprentissage-mirliton",
        "cofacilitator_learning": "apprentissage-farandole",
        "action_plan": "engagement-cornemuse",
        "client_subject": "sujet-bilboquet",
        "member_name": bob.last_name,
        "member_email": bob.email,
        "waiting_name": wendy.last_name,
        "applicant_name": pat.last_name,
        "application_message": "fenouillard",
    }
    invitation = facilitator_invite(circle_id=circle.pk, invited_by=alice, email="invitee@exemple.fr")
    # A meeting in two days (its join address says when it opens), one held yesterday with Bob present,
    # a poll Bob answered, and Bob's private calendar feed.
    now = timezone.now()
    meeting = Meeting.objects.create(
        circle=circle,
        starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=2, hours=2),
        meeting_format="en_ligne",
        room_name="cercles-matrice-salon",
    )
    past_meeting = Meeting.objects.create(
        circle=circle,
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now - datetime.timedelta(days=1) + datetime.timedelta(hours=2),
        meeting_format="en_ligne",
        room_name="cercles-matrice-passe",
    )
    Attendance.objects.create(meeting=past_meeting, user=bob, status=AttendanceStatus.PRESENT, recorded_by=alice)
    _write_in_rooms(meeting, past_meeting, alice=alice, bob=bob, fanny=fanny, secrets=secrets)
    poll = Poll.objects.create(circle=circle, created_by=alice, duration_minutes=120)
    slot = Slot.objects.create(poll=poll, starts_at=now + datetime.timedelta(days=10))
    SlotAnswer.objects.create(slot=slot, user=bob, answer="oui")
    feed_token = calendar_feed_renew(user=bob).feed_token or ""
    from cercles.formation.tests.world import build_formation_world

    formation = build_formation_world(coordinator=users["coordinator"], applicant=pat)  # type: ignore[arg-type]
    return World(
        circle=circle,
        users=users,
        secrets=secrets,
        co_facilitation=co_facilitation,
        application=application,
        invitation=invitation,
        invitation_token=invitation_token(invitation),
        meeting=meeting,
        past_meeting=past_meeting,
        poll=poll,
        feed_token=feed_token,
        formation=formation,
    )
