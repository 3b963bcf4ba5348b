"""The room page and the projector, drawn by the server from the snapshot (they work without JavaScript).

What each person sees: members the phase, the time and the word, never the facilitation's controls;
facilitators the controls, each a small POST form; the projector no control at all. An overrun is said in
words, the projected end in Paris time. The links "Entrer dans la salle" appear around the meeting's time.
"""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from cercles.circles.models import Circle
from cercles.meetings.models import Meeting
from cercles.people.models import User
from cercles.rooms import services
from cercles.rooms.display import clock_text, overrun_text, room_display
from conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

START = datetime.datetime(2027, 3, 9, 17, 0, tzinfo=datetime.UTC)  # 18:00 in Paris


def make_meeting(circle: Circle, starts_at: datetime.datetime = START, minutes: int = 120) -> Meeting:
    return Meeting.objects.create(
        circle=circle,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        meeting_format="en_ligne",
        room_name=f"salle-{starts_at:%Y%m%d%H%M}",
    )


def command(user: User, meeting: Meeting, name: str, **arguments: str) -> None:
    room = services.room_open(meeting, opened_by=user)
    room.refresh_from_db()
    services.room_command(meeting.pk, name, actor=user, seen_version=room.version, arguments=arguments)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def meeting(circle: Circle) -> Meeting:
    return make_meeting(circle)


def test_a_member_sees_the_room_without_the_facilitation_controls(circle: Circle, meeting: Meeting, bob: User) -> None:
    response = client_for(bob).get(reverse("rooms:room", args=[meeting.pk]))
    assert response.status_code == 200
    body = text_of(response)
    assert "La séance n'a pas commencé" in body
    assert "Animation" not in body
    assert 'value="start"' not in body
    assert 'src="/static/rooms/room.js"' in body or "rooms/room.js" in body


def test_a_facilitator_sees_every_command_as_a_form(circle: Circle, meeting: Meeting, alice: User) -> None:
    command(alice, meeting, "start")
    body = text_of(client_for(alice).get(reverse("rooms:room", args=[meeting.pk])))
    for name in ("next", "add_minutes", "pause", "jump", "end", "assign_role"):
        assert f'value="{name}"' in body, name
    assert f'action="{reverse("rooms:command", args=[meeting.pk])}"' in body
    assert "csrfmiddlewaretoken" in body


def test_without_javascript_a_facilitator_starts_the_meeting_and_comes_back_to_the_room(
    circle: Circle, meeting: Meeting, alice: User
) -> None:
    client = client_for(alice)
    page = client.get(reverse("rooms:room", args=[meeting.pk]))
    version = re.search(r'name="version" value="(\d+)"', page.content.decode())
    assert version is not None
    response = client.post(
        reverse("rooms:command", args=[meeting.pk]), {"command": "start", "version": version.group(1)}, follow=True
    )
    body = text_of(response)
    assert response.redirect_chain[-1][0] == reverse("rooms:room", args=[meeting.pk])
    assert "En cours" in body
    assert "Étape 1 sur" in body


def test_a_stale_command_without_javascript_comes_back_with_a_french_message(
    circle: Circle, meeting: Meeting, alice: User
) -> None:
    command(alice, meeting, "start")
    response = client_for(alice).post(
        reverse("rooms:command", args=[meeting.pk]), {"command": "next", "version": "1"}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert messages
    assert all(message for message in messages)
    assert 'role="status"' in response.content.decode()


def test_the_time_left_overrun_and_projected_end_are_shown_in_words_and_paris_time(
    circle: Circle, meeting: Meeting, alice: User, bob: User
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        command(alice, meeting, "start")
        snapshot_minutes = room_display(client_for(bob).get(reverse("rooms:snapshot", args=[meeting.pk])).json()).step[
            "minutes"
        ]
        traveller.shift(datetime.timedelta(minutes=snapshot_minutes + 3, seconds=10))
        body = text_of(client_for(bob).get(reverse("rooms:room", args=[meeting.pk])))
    assert "Dépassement de 3 min" in body
    assert "00:00" in body
    # The projected end moves with the overrun: the rest of the plan after now, in Paris time.
    assert "(heure de Paris)" in body
    assert re.search(r"Fin prévue de la séance : <span data-projected-end>\d\d:\d\d</span>", body)


def test_the_projector_shows_the_phase_and_the_time_and_has_no_control(
    circle: Circle, meeting: Meeting, alice: User
) -> None:
    command(alice, meeting, "start")
    response = client_for(alice).get(reverse("rooms:projector", args=[meeting.pk]))
    assert response.status_code == 200
    body = text_of(response)
    assert "room-projector-clock" in body
    assert "room-command" not in body
    assert "<select" not in body


def test_the_fragment_is_the_live_part_only_for_the_script_to_swap(
    circle: Circle, meeting: Meeting, alice: User
) -> None:
    command(alice, meeting, "start")
    room_fragment = client_for(alice).get(reverse("rooms:room", args=[meeting.pk]), {"fragment": "1"})
    projector_fragment = client_for(alice).get(reverse("rooms:projector", args=[meeting.pk]), {"fragment": "1"})
    for response in (room_fragment, projector_fragment):
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body
        assert 'id="room-live"' in body
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert 'id="room-writing"' in room_fragment.content.decode()


@pytest.mark.parametrize("who", ["outsider", "coordinator", "observer"])
def test_people_outside_the_circle_see_nothing_of_the_room(circle: Circle, meeting: Meeting, who: str) -> None:
    user = {
        "outsider": make_user("charlie"),
        "coordinator": make_user("claire", is_staff=True),
        "observer": make_user("olivia", observer=True),
    }[who]
    for name in ("rooms:room", "rooms:projector"):
        response = client_for(user).get(reverse(name, args=[meeting.pk]))
        assert response.status_code == 403
        assert "La séance n'a pas commencé" not in response.content.decode()


def test_a_member_in_a_round_may_pass_and_in_a_free_step_raise_a_hand(
    circle: Circle, meeting: Meeting, alice: User, bob: User
) -> None:
    services.room_open(meeting, opened_by=alice)
    services.room_presence_join(meeting.pk, bob, "onglet-bob")
    services.room_presence_join(meeting.pk, alice, "onglet-alice")
    command(alice, meeting, "start")
    steps = client_for(bob).get(reverse("rooms:snapshot", args=[meeting.pk])).json()["steps"]
    modes = [step["mode"] for step in steps]
    command(alice, meeting, "jump", step=str(modes.index("libre")))
    body = text_of(client_for(bob).get(reverse("rooms:room", args=[meeting.pk])))
    assert "Mains levées" in body
    assert 'value="raise_hand"' in body or "cannot" in body
    command(alice, meeting, "jump", step=str(modes.index("tour")))
    body = text_of(client_for(bob).get(reverse("rooms:room", args=[meeting.pk])))
    assert "Ordre du tour" in body
    assert 'value="pass"' in body
    assert 'value="reorder"' not in body
    facilitator_body = text_of(client_for(alice).get(reverse("rooms:room", args=[meeting.pk])))
    assert 'value="reorder"' in facilitator_body


def test_the_room_is_linked_from_the_meetings_pages_around_the_meeting_time(
    circle: Circle, meeting: Meeting, bob: User
) -> None:
    room_url = reverse("rooms:room", args=[meeting.pk])
    pages = (reverse("meetings:circle", args=[circle.pk]), reverse("meetings:upcoming"), reverse("circles:my_circles"))
    with time_machine.travel(START - datetime.timedelta(hours=2), tick=False):
        for page in pages:
            assert room_url not in client_for(bob).get(page).content.decode(), page
    with time_machine.travel(START - datetime.timedelta(minutes=20), tick=False):
        for page in pages:
            body = client_for(bob).get(page).content.decode()
            assert room_url in body, page
            assert "Entrer dans la salle" in body, page
    with time_machine.travel(meeting.ends_at + datetime.timedelta(minutes=1), tick=False):
        assert room_url not in client_for(bob).get(pages[0]).content.decode()


# --- the display, without the database ---------------------------------------------------------


def test_the_clock_shows_minutes_and_seconds_and_hours_past_an_hour() -> None:
    assert clock_text(0) == "00:00"
    assert clock_text(65) == "01:05"
    assert clock_text(3725) == "1:02:05"
    assert clock_text(-4) == "00:00"


def test_an_overrun_is_said_in_words() -> None:
    assert overrun_text(0) == ""
    assert overrun_text(42) == "Dépassement de 42 s"
    assert overrun_text(3 * 60 + 59) == "Dépassement de 3 min"


def fake_snapshot(**changes: object) -> dict[str, object]:
    snapshot: dict[str, object] = {
        "meeting": 7,
        "server_now": "2027-03-09T17:10:00+00:00",
        "version": 4,
        "status": "en_cours",
        "step": 1,
        "deadline": "2027-03-09T17:20:00+00:00",
        "time_left": 600,
        "overrun": 0,
        "projected_end": "2027-03-09T18:30:00+00:00",
        "starts_at": "2027-03-09T17:00:00+00:00",
        "ends_at": "2027-03-09T18:30:00+00:00",
        "steps": [
            {"key": "a", "name": "Un", "minutes": 10, "mode": "un_orateur", "speakers": [], "slots": []},
            {"key": "b", "name": "Deux", "minutes": 10, "mode": "tour", "speakers": [], "slots": []},
            {"key": "c", "name": "Trois", "minutes": 15, "mode": "libre", "speakers": ["consultant"], "slots": []},
        ],
        "roles": [{"key": "client", "name": "Client·e"}, {"key": "consultant", "name": "Consultant·e"}],
        "default_role": "consultant",
        "people": [
            {"id": 1, "name": "Alice", "role": "consultant", "is_facilitator": True, "present": True},
            {"id": 2, "name": "Bob", "role": "client", "is_facilitator": False, "present": True},
            {"id": 3, "name": "Chloé", "role": "consultant", "is_facilitator": False, "present": True},
        ],
        "speaker": 2,
        "order": [2, 3, 1],
        "done": [],
        "hands": [],
        "me": {"id": 3, "name": "Chloé", "role": "consultant", "is_facilitator": False},
        "writing": {"slots": [], "pinned": [], "retour": []},
    }
    snapshot.update(changes)
    return snapshot


def test_the_round_offers_each_move_up_and_down_as_a_whole_new_order() -> None:
    display = room_display(fake_snapshot())
    assert [entry.person.name for entry in display.round] == ["Bob", "Chloé", "Alice"]
    assert display.round[0].speaking
    assert display.round[0].order_if_up == ""
    assert display.round[1].order_if_up == "3,2,1"
    assert display.round[1].order_if_down == "2,1,3"
    assert display.round[2].order_if_down == ""
    assert display.may_pass
    assert not display.may_raise_hand
    assert display.seconds_after_step == 15 * 60
    assert display.projected_end_text == "19:30"  # Paris, winter time


def test_a_hand_is_offered_only_to_roles_that_speak_in_a_free_step() -> None:
    assert room_display(fake_snapshot(step=2)).may_raise_hand
    as_client = fake_snapshot(step=2, me={"id": 2, "name": "Bob", "role": "client", "is_facilitator": False})
    assert not room_display(as_client).may_raise_hand


def test_a_broken_snapshot_value_never_breaks_the_display() -> None:
    display = room_display(fake_snapshot(step=99, projected_end="pas une date", speaker=404))
    assert display.step_index == 2
    assert display.projected_end_text == ""
    assert display.speaker is None


def test_before_the_start_only_the_facilitation_picks_the_method_variant(
    circle: Circle, meeting: Meeting, alice: User, bob: User
) -> None:
    facilitator_body = text_of(client_for(alice).get(reverse("rooms:room", args=[meeting.pk])))
    assert "Variante de la méthode" in facilitator_body
    for variant in ("seance", "premiere_seance", "deux_clients"):
        assert f'<option value="{variant}"' in facilitator_body
    assert "Variante de la méthode" not in text_of(client_for(bob).get(reverse("rooms:room", args=[meeting.pk])))
    command(alice, meeting, "start")
    assert "Variante de la méthode" not in text_of(client_for(alice).get(reverse("rooms:room", args=[meeting.pk])))


def test_the_facilitation_runs_another_variant_picked_on_the_page(
    circle: Circle, meeting: Meeting, alice: User
) -> None:
    client = client_for(alice)
    page = client.get(reverse("rooms:room", args=[meeting.pk])).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    response = client.post(
        reverse("rooms:command", args=[meeting.pk]),
        {"command": "variant", "variant": "deux_clients", "version": version.group(1)},
        follow=True,
    )
    body = text_of(response)
    assert '<option value="deux_clients" selected>' in body
    assert "Consultation (2e client·e)" in body


def test_an_ended_room_links_to_its_summary(circle: Circle, meeting: Meeting, alice: User, bob: User) -> None:
    try:
        summary = reverse("rooms:summary", args=[meeting.pk])
    except NoReverseMatch:
        pytest.skip("the summary page comes with the writing part of the room")
    command(alice, meeting, "start")
    command(alice, meeting, "end")
    body = text_of(client_for(bob).get(reverse("rooms:room", args=[meeting.pk])))
    assert "La séance est terminée" in body
    assert f'href="{summary}"' in body
