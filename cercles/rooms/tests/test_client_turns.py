"""Codéveloppement's client turns: the fair proposal, the choice and its e-mail, swaps, the prepared
subject, and the proposal when the client is absent at the start."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from cercles.audit.models import AuditAction, AuditEvent
from cercles.circles.models import Circle, MembershipStatus
from cercles.core.policy import PolicyDenied
from cercles.meetings.models import Rsvp, RsvpAnswer
from cercles.notifications.models import Message
from cercles.notifications.services import outbox_sweep
from cercles.people.models import User
from cercles.rooms import exceptions as errors
from cercles.rooms.models import ClientTurn
from cercles.rooms.selectors import client_absent_proposal, client_page, ranked_candidates, room_client_for
from cercles.rooms.services import CLIENT_CHOSEN, client_subject_save, client_turns_choose, client_turns_swap
from cercles.rooms.tests.writing_factories import open_room
from conftest import client_for
from tests.factories import make_circle, make_meeting, make_user, seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(circle: Circle, bob: User) -> list[User]:
    """Bob, then Dora and Eve, who joined the circle in that order."""
    people = [bob]
    for name in ("dora", "eve"):
        person = make_user(name)
        seat(circle, person)
        people.append(person)
    return people


def _turn(meeting, person, position=1):  # type: ignore[no-untyped-def]
    return ClientTurn.objects.create(meeting=meeting, person=person, position=position)


# --- the fair proposal -------------------------------------------------------------------------------


def test_the_proposal_puts_first_who_has_not_been_client_then_the_longest_since(circle, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, eve = members
    first, second, third = (make_meeting(circle, in_days=days) for days in (-21, -14, 7))
    _turn(first, bob)
    _turn(second, dora)
    assert ranked_candidates(third) == [eve, bob, dora]
    _turn(make_meeting(circle, in_days=-7), eve)
    assert ranked_candidates(third) == [bob, dora, eve]  # everyone once: the longest since first


def test_the_proposal_leaves_out_facilitators_those_not_coming_and_those_who_left(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, eve = members
    meeting = make_meeting(circle)
    Rsvp.objects.create(meeting=meeting, user=dora, answer=RsvpAnswer.NO)
    circle.memberships.filter(user=eve).update(status=MembershipStatus.LEFT)
    assert ranked_candidates(meeting) == [bob]
    assert alice not in ranked_candidates(meeting)


def test_a_turn_in_a_cancelled_meeting_does_not_count(circle, members) -> None:  # type: ignore[no-untyped-def]
    bob, _dora, _eve = members
    cancelled = make_meeting(circle, in_days=-7)
    cancelled.cancelled_at = cancelled.starts_at
    cancelled.save()
    _turn(cancelled, bob)
    assert ranked_candidates(make_meeting(circle))[0] == bob


def test_facilitators_see_the_proposal_members_see_only_who_is_client(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, _dora, _eve = members
    meeting = make_meeting(circle)
    for_alice = client_page(meeting_id=meeting.pk, user=alice)
    assert for_alice.can_choose
    assert for_alice.proposals == [bob]
    for_bob = client_page(meeting_id=meeting.pk, user=bob)
    assert not for_bob.can_choose
    assert for_bob.proposals == []
    assert for_bob.candidates == []


def test_the_two_client_variant_proposes_two(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    meeting = make_meeting(circle)
    open_room(meeting, status="attente", protocol_key="deux_clients")
    assert client_page(meeting_id=meeting.pk, user=alice).proposals == members[:2]


# --- choosing, and the e-mail ------------------------------------------------------------------------


def test_choosing_the_client_tells_them_by_email_with_a_link_to_prepare(  # type: ignore[no-untyped-def]
    circle, alice, members, django_capture_on_commit_callbacks
) -> None:
    bob = members[0]
    meeting = make_meeting(circle)
    with django_capture_on_commit_callbacks(execute=True):
        turns = client_turns_choose(meeting.pk, chosen_by=alice, people=[bob.pk])
    assert [(t.person, t.position, t.chosen_by) for t in turns] == [(bob, 1, alice)]
    (sent,) = mail.outbox
    assert sent.to == [bob.email]
    assert "client·e" in sent.subject
    assert circle.title in sent.subject
    assert reverse("rooms:client", args=[meeting.pk]) in sent.body
    assert "Bonjour Bob" in sent.body
    event = AuditEvent.objects.get(action=AuditAction.CLIENT_CHOOSE)
    assert (event.actor_id, event.person_id, event.circle_id) == (alice.pk, bob.pk, circle.pk)


def test_confirming_the_same_client_again_keeps_their_subject_and_sends_no_second_email(  # type: ignore[no-untyped-def]
    circle, alice, members
) -> None:
    bob, dora, _ = members
    meeting = make_meeting(circle)
    client_turns_choose(meeting.pk, chosen_by=alice, people=[bob.pk])
    client_subject_save(meeting.pk, client=bob, subject="Mon sujet")
    client_turns_choose(meeting.pk, chosen_by=alice, people=[bob.pk, dora.pk])
    assert list(ClientTurn.objects.values_list("person", "position", "subject")) == [
        (bob.pk, 1, "Mon sujet"),
        (dora.pk, 2, ""),
    ]
    assert Message.objects.filter(kind=CLIENT_CHOSEN).count() == 2  # Bob once, Dora once
    second_choice = AuditEvent.objects.filter(action=AuditAction.CLIENT_CHOOSE).order_by("-id")[:2]
    assert {(row.person_id, tuple(row.changes)) for row in second_choice} == {
        (bob.pk, ("client",)),
        (dora.pk, ("client_2",)),
    }


def test_the_email_says_nothing_when_the_choice_changed_before_it_left(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, _ = members
    meeting = make_meeting(circle)
    client_turns_choose(meeting.pk, chosen_by=alice, people=[bob.pk])
    client_turns_choose(meeting.pk, chosen_by=alice, people=[dora.pk])
    mail.outbox.clear()
    outbox_sweep()
    assert [m.to for m in mail.outbox] == [[dora.email]]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("alice", errors.CLIENT_IS_FACILITATOR),
        ("charlie", errors.CLIENT_NOT_MEMBER),
        ("twice", errors.CLIENT_TWICE),
        ("none", errors.CLIENT_COUNT),
        ("three", errors.CLIENT_COUNT),
    ],
)
def test_a_choice_outside_the_circles_members_is_refused(circle, alice, charlie, members, who, message) -> None:  # type: ignore[no-untyped-def]
    bob, dora, eve = members
    people = {
        "alice": [alice.pk],
        "charlie": [charlie.pk],
        "twice": [bob.pk, bob.pk],
        "none": [],
        "three": [bob.pk, dora.pk, eve.pk],
    }[who]
    with pytest.raises(errors.ClientTurnError) as refused:
        client_turns_choose(make_meeting(circle).pk, chosen_by=alice, people=people)
    assert str(refused.value.message) == str(message)
    assert not ClientTurn.objects.exists()


def test_only_facilitators_choose_and_only_for_a_meeting_to_come(circle, alice, bob, members, claire) -> None:  # type: ignore[no-untyped-def]
    meeting = make_meeting(circle)
    for person in (bob, claire):
        with pytest.raises(PolicyDenied):
            client_turns_choose(meeting.pk, chosen_by=person, people=[bob.pk])
    past = make_meeting(circle, in_days=-1)
    with pytest.raises(errors.ClientTurnError, match="terminée"):
        client_turns_choose(past.pk, chosen_by=alice, people=[bob.pk])
    meeting.cancelled_at = meeting.starts_at
    meeting.save()
    with pytest.raises(errors.ClientTurnError, match="annulée"):
        client_turns_choose(meeting.pk, chosen_by=alice, people=[bob.pk])
    with pytest.raises(errors.MeetingNotFound):
        client_turns_choose(987654, chosen_by=alice, people=[bob.pk])


def test_client_turns_belong_to_codeveloppement_circles(alice, bob) -> None:  # type: ignore[no-untyped-def]
    other = make_circle(kind_slug="arpentage", facilitators=(alice,))
    seat(other, bob)
    meeting = make_meeting(other)
    with pytest.raises(errors.ClientTurnError, match="codéveloppement"):
        client_turns_choose(meeting.pk, chosen_by=alice, people=[bob.pk])
    assert not client_page(meeting_id=meeting.pk, user=alice).can_choose


def test_an_absent_client_is_replaced_at_the_start_without_an_email(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, eve = members
    meeting = make_meeting(circle, in_days=0, hours=2)
    meeting.starts_at -= datetime.timedelta(minutes=5)
    meeting.save()
    _turn(meeting, bob)
    room = open_room(meeting, step=0)
    proposal = client_absent_proposal(room, alice, present=[alice.pk, eve.pk, dora.pk])
    assert proposal == [
        {
            "position": 1,
            "absent": {"id": bob.pk, "name": bob.display_name},
            "proposed": {"id": dora.pk, "name": dora.display_name},
        }
    ]
    assert client_absent_proposal(room, dora, present=[alice.pk, dora.pk]) == []  # facilitators only
    assert client_absent_proposal(room, alice, present=[bob.pk]) == []  # the client is here
    client_turns_choose(meeting.pk, chosen_by=alice, people=[dora.pk])
    assert not Message.objects.filter(kind=CLIENT_CHOSEN).exists()
    # The room follows at once: Dora holds the client's role, Bob is back to consultant.
    room.refresh_from_db()
    assert room_client_for(room, eve, present=[eve.pk])["turns"] == [
        {"position": 1, "id": dora.pk, "name": dora.display_name}
    ]


def test_nobody_to_propose_when_no_one_else_is_present(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    meeting = make_meeting(circle, in_days=0)
    _turn(meeting, members[0])
    room = open_room(meeting)
    assert client_absent_proposal(room, alice, present=[alice.pk])[0]["proposed"] is None


# --- swapping turns ----------------------------------------------------------------------------------


def test_two_members_swap_turns_and_keep_their_subjects(  # type: ignore[no-untyped-def]
    circle, alice, members, django_capture_on_commit_callbacks
) -> None:
    bob, dora, _ = members
    first, second = make_meeting(circle, in_days=7), make_meeting(circle, in_days=14)
    _turn(first, bob).__class__.objects.filter(person=bob).update(subject="Sujet de Bob")
    _turn(second, dora)
    with django_capture_on_commit_callbacks(execute=True):
        client_turns_swap(first.pk, second.pk, swapped_by=alice)
    assert ClientTurn.objects.get(meeting=first).person == dora
    moved = ClientTurn.objects.get(meeting=second)
    assert (moved.person, moved.subject) == (bob, "Sujet de Bob")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.email, dora.email])
    rows = AuditEvent.objects.filter(action=AuditAction.CLIENT_SWAP, actor_id=alice.pk)
    assert set(rows.values_list("person_id", "object_id")) == {(dora.pk, first.pk), (bob.pk, second.pk)}


def test_a_swap_needs_two_future_meetings_of_the_circle_with_their_clients(circle, alice, bob, members) -> None:  # type: ignore[no-untyped-def]
    dora = members[1]
    meeting, other = make_meeting(circle, in_days=7), make_meeting(circle, in_days=14)
    _turn(meeting, bob)
    elsewhere = make_meeting(make_circle(facilitators=(alice,)), in_days=7)
    past = make_meeting(circle, in_days=-7)
    _turn(past, dora)
    cases = [
        (meeting.pk, errors.SWAP_SAME_MEETING),
        (other.pk, errors.SWAP_NEEDS_CLIENTS),
        (elsewhere.pk, errors.SWAP_OTHER_CIRCLE),
        (past.pk, errors.SWAP_PAST),
    ]
    for other_id, message in cases:
        with pytest.raises(errors.ClientTurnError) as refused:
            client_turns_swap(meeting.pk, other_id, swapped_by=alice)
        assert str(refused.value.message) == str(message)
    with pytest.raises(PolicyDenied):
        client_turns_swap(meeting.pk, other.pk, swapped_by=bob)


def test_a_swap_that_would_make_someone_client_twice_in_one_meeting_is_refused(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, _eve = members
    meeting, other = make_meeting(circle, in_days=7), make_meeting(circle, in_days=14)
    _turn(meeting, bob)
    _turn(meeting, dora, position=2)
    _turn(other, dora)
    with pytest.raises(errors.ClientTurnError, match="deux fois"):
        client_turns_swap(meeting.pk, other.pk, swapped_by=alice)


# --- the prepared subject ----------------------------------------------------------------------------


def test_the_client_prepares_their_subject_read_by_them_and_the_facilitators_only(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, _ = members
    meeting = make_meeting(circle)
    _turn(meeting, bob)
    client_subject_save(meeting.pk, client=bob, subject="  Sujet-fennec\r\nsuite  ")
    assert ClientTurn.objects.get().subject == "Sujet-fennec\nsuite"
    assert client_page(meeting_id=meeting.pk, user=alice).turns[0].subject == "Sujet-fennec\nsuite"
    assert client_page(meeting_id=meeting.pk, user=bob).turns[0].subject == "Sujet-fennec\nsuite"
    assert client_page(meeting_id=meeting.pk, user=dora).turns[0].subject is None
    with pytest.raises(PolicyDenied):
        client_subject_save(meeting.pk, client=dora, subject="Pas le mien")
    with pytest.raises(errors.ClientTurnError):
        client_subject_save(meeting.pk, client=bob, subject="x" * 4001)


def test_the_subject_no_longer_changes_after_the_meeting(circle, members) -> None:  # type: ignore[no-untyped-def]
    past = make_meeting(circle, in_days=-1)
    _turn(past, members[0])
    with pytest.raises(errors.ClientTurnError, match="terminée"):
        client_subject_save(past.pk, client=members[0], subject="Trop tard")


# --- the page ----------------------------------------------------------------------------------------


def test_the_client_page_for_each_persona(circle, alice, members, claire, charlie) -> None:  # type: ignore[no-untyped-def]
    bob, dora, _ = members
    meeting = make_meeting(circle)
    _turn(meeting, bob).__class__.objects.filter(person=bob).update(subject="Sujet-axolotl")
    url = reverse("rooms:client", args=[meeting.pk])
    for_alice = client_for(alice).get(url).content.decode()
    assert "Sujet-axolotl" in for_alice
    assert "Choisir le ou la client·e" in for_alice
    for_bob = client_for(bob).get(url).content.decode()
    assert "Sujet-axolotl" in for_bob
    assert "Préparer mon sujet" in for_bob
    for_dora = client_for(dora).get(url).content.decode()
    assert bob.display_name in for_dora
    assert "Sujet-axolotl" not in for_dora
    assert "Choisir" not in for_dora
    for person in (claire, charlie):
        assert client_for(person).get(url).status_code == 403
    assert client_for(alice).get(reverse("rooms:client", args=[987654])).status_code == 404


def test_the_page_confirms_a_choice_and_shows_a_refusal_with_what_was_chosen(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, _ = members
    meeting = make_meeting(circle)
    url = reverse("rooms:client", args=[meeting.pk])
    refused = client_for(alice).post(url, {"action": "choisir", "client": str(dora.pk), "client_2": str(dora.pk)})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "deux fois" in body
    assert f'<option value="{dora.pk}" selected>' in body
    done = client_for(alice).post(url, {"action": "choisir", "client": str(bob.pk), "client_2": ""})
    assert done.status_code == 302
    assert ClientTurn.objects.get().person == bob
    for data in ({"action": "choisir", "client": "x"}, {"action": "echanger", "other_meeting": ""}, {"action": "?"}):
        assert client_for(alice).post(url, data).status_code == 400


def test_the_client_saves_their_subject_from_the_page_and_keeps_it_when_refused(circle, members) -> None:  # type: ignore[no-untyped-def]
    bob = members[0]
    meeting = make_meeting(circle)
    _turn(meeting, bob)
    url = reverse("rooms:client", args=[meeting.pk])
    assert client_for(bob).post(url, {"action": "sujet", "subject": "Mon sujet"}).status_code == 302
    refused = client_for(bob).post(url, {"action": "sujet", "subject": "Long-" + "x" * 4000})
    assert refused.status_code == 400
    assert "Long-xxx" in refused.content.decode()
    assert ClientTurn.objects.get().subject == "Mon sujet"


def test_the_page_swaps_two_turns(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    bob, dora, _ = members
    first, second = make_meeting(circle, in_days=7), make_meeting(circle, in_days=14)
    _turn(first, bob)
    _turn(second, dora)
    url = reverse("rooms:client", args=[first.pk])
    assert "Échanger les tours" in client_for(alice).get(url).content.decode()
    assert client_for(alice).post(url, {"action": "echanger", "other_meeting": str(second.pk)}).status_code == 302
    assert ClientTurn.objects.get(meeting=first).person == dora


def test_a_second_client_that_is_not_a_person_of_the_list_is_refused_on_the_page(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    meeting = make_meeting(circle)
    url = reverse("rooms:client", args=[meeting.pk])
    response = client_for(alice).post(url, {"action": "choisir", "client": str(members[0].pk), "client_2": "deux"})
    assert response.status_code == 400
    assert str(errors.CLIENT_UNKNOWN) in response.content.decode()
    assert not ClientTurn.objects.exists()


def test_the_snapshot_says_who_is_client_and_proposes_a_replacement_to_facilitators(circle, alice, members) -> None:  # type: ignore[no-untyped-def]
    from cercles.rooms.selectors import room_writing_for

    bob, dora, _ = members
    meeting = make_meeting(circle, in_days=0)
    _turn(meeting, bob)
    room = open_room(meeting, status="attente")
    room.state = {**room.state, "connections": [[alice.pk, "a"], [dora.pk, "d"]]}
    room.save()
    for_alice = room_writing_for(room, alice)["client"]
    assert for_alice["turns"] == [{"position": 1, "id": bob.pk, "name": bob.display_name}]
    assert for_alice["absent"][0]["proposed"]["id"] == dora.pk
    assert for_alice["page_url"] == reverse("rooms:client", args=[meeting.pk])
    assert room_writing_for(room, dora)["client"]["absent"] == []


def test_the_circles_meetings_page_leads_to_the_client_and_the_summary(circle, bob, claire, members) -> None:  # type: ignore[no-untyped-def]
    future, past = make_meeting(circle, in_days=7), make_meeting(circle, in_days=-7)
    page = reverse("meetings:circle", args=[circle.pk])
    for_bob = client_for(bob).get(page).content.decode()
    assert reverse("rooms:client", args=[future.pk]) in for_bob
    assert reverse("rooms:summary", args=[past.pk]) in for_bob
    assert reverse("rooms:summary", args=[future.pk]) not in for_bob
    for_claire = client_for(claire).get(page).content.decode()
    assert "/client/" not in for_claire
    assert "compte-rendu" not in for_claire


def test_a_subject_saved_from_a_stale_tab_is_refused_and_both_texts_are_shown(circle, members) -> None:  # type: ignore[no-untyped-def]
    bob = members[0]
    meeting = make_meeting(circle)
    _turn(meeting, bob)
    opened = ClientTurn.objects.get().updated_at
    client_subject_save(meeting.pk, client=bob, subject="Onglet A-quokka", seen_updated_at=opened)
    with pytest.raises(errors.SubjectConflict) as refused:
        client_subject_save(meeting.pk, client=bob, subject="Onglet B-quokka", seen_updated_at=opened)
    assert refused.value.stored == "Onglet A-quokka"
    # The same text again is no conflict.
    client_subject_save(meeting.pk, client=bob, subject="Onglet A-quokka", seen_updated_at=opened)
    url = reverse("rooms:client", args=[meeting.pk])
    response = client_for(bob).post(url, {"action": "sujet", "subject": "Onglet B-quokka", "seen": opened.isoformat()})
    body = response.content.decode()
    assert response.status_code == 409
    assert "Onglet A-quokka" in body
    assert "Onglet B-quokka" in body
    assert ClientTurn.objects.get().subject == "Onglet A-quokka"
    fresh = ClientTurn.objects.get().updated_at.isoformat()
    again = client_for(bob).post(url, {"action": "sujet", "subject": "Onglet B-quokka", "seen": fresh})
    assert again.status_code == 302
    assert ClientTurn.objects.get().subject == "Onglet B-quokka"
    naive = client_for(bob).post(url, {"action": "sujet", "subject": "Sans date", "seen": "2027-01-01T10:00"})
    assert naive.status_code == 302  # a moment without its zone is not one the page sent: no check
