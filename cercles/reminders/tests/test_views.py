"""Answering and unsubscribing from the e-mail without logging in: a GET changes nothing, a POST records;
bad links get a French message and change nothing; the facilitators' pages keep what was typed."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client

from cercles.circles.models import Circle
from cercles.meetings.models import Meeting, Rsvp
from cercles.meetings.planning import PARIS
from cercles.notifications.models import Message
from cercles.people.models import User
from cercles.reminders.models import ReminderOptOut, ReminderSettings
from cercles.reminders.services import CIRCLE_MESSAGE, rsvp_token, unsubscribe_token
from conftest import client_for

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS)


@pytest.fixture
def meeting(circle: Circle) -> Meeting:
    starts = datetime.datetime(2026, 3, 10, 18, tzinfo=PARIS)
    return Meeting.objects.create(
        circle=circle, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), meeting_format="en_ligne"
    )


def rsvp_url(meeting: Meeting, user: User, answer: str = "non") -> str:
    return f"/e/reponse/{rsvp_token(meeting_id=meeting.pk, user_id=user.pk, answer=answer)}/"


@time_machine.travel(NOW, tick=False)
def test_opening_an_rsvp_link_changes_nothing_and_the_button_records(meeting: Meeting, bob: User) -> None:
    url = rsvp_url(meeting, bob)
    page = Client().get(url)
    assert page.status_code == 200
    assert "Confirmer : je ne viens pas" in page.content.decode()
    assert not Rsvp.objects.exists()
    done = Client().post(url)
    assert done.status_code == 200
    assert "vous ne venez pas" in done.content.decode()
    assert Rsvp.objects.get().answer == "non"


@time_machine.travel(NOW, tick=False)
def test_an_answer_from_the_email_counts_as_the_persons_last_activity(meeting: Meeting, bob: User) -> None:
    User.objects.filter(pk=bob.pk).update(last_seen_at=NOW - datetime.timedelta(days=300))
    Client().post(rsvp_url(meeting, bob, answer="oui"))
    bob.refresh_from_db()
    assert bob.last_seen_at == NOW


@time_machine.travel(NOW, tick=False)
def test_a_reused_rsvp_link_says_so_and_changes_nothing(meeting: Meeting, bob: User) -> None:
    url = rsvp_url(meeting, bob)
    Client().post(url)
    answered_at = Rsvp.objects.get().answered_at
    again = Client().post(url)
    assert again.status_code == 400
    assert "déjà enregistrée" in again.content.decode()
    assert Rsvp.objects.get().answered_at == answered_at


@time_machine.travel(NOW, tick=False)
def test_a_tampered_rsvp_link_is_refused_in_french(meeting: Meeting, bob: User) -> None:
    url = rsvp_url(meeting, bob)
    forged = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    for response in (Client().get(forged), Client().post(forged), Client().post("/e/reponse/nimportequoi/")):
        assert response.status_code == 400
        assert "n&#x27;est pas valide" in response.content.decode()
    assert not Rsvp.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_rsvp_link_expires_when_the_meeting_starts(meeting: Meeting, bob: User) -> None:
    url = rsvp_url(meeting, bob, "oui")
    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=1), tick=False):
        response = Client().post(url)
    assert response.status_code == 400
    assert "a expiré" in response.content.decode()
    assert not Rsvp.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_someone_signed_in_cannot_use_another_persons_link(meeting: Meeting, bob: User, charlie: User) -> None:
    response = client_for(charlie).post(rsvp_url(meeting, bob))
    assert response.status_code == 400
    assert "autre personne" in response.content.decode()
    assert not Rsvp.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_facilitator_link_cannot_answer(meeting: Meeting, alice: User) -> None:
    response = Client().post(rsvp_url(meeting, alice, "oui"))
    assert response.status_code == 400
    assert "ne pouvez plus répondre" in response.content.decode()


def test_one_click_unsubscribe_works_without_a_session_nor_csrf(circle: Circle, bob: User) -> None:
    url = f"/e/rappels/{unsubscribe_token(user_id=bob.pk, circle_id=circle.pk)}/"
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 200
    assert not ReminderOptOut.objects.exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert ReminderOptOut.objects.get().circle_id == circle.pk
    again = client.post(url)
    assert again.status_code == 400
    assert "déjà désactivés" in again.content.decode()


def test_someone_elses_unsubscribe_link_changes_nothing(circle: Circle, bob: User, charlie: User) -> None:
    url = f"/e/rappels/{unsubscribe_token(user_id=bob.pk, circle_id=None)}/"
    response = client_for(charlie).post(url)
    assert response.status_code == 400
    assert "autre personne" in response.content.decode()
    tampered = client_for(charlie).post(url.replace("/e/rappels/", "/e/rappels/x"))
    assert tampered.status_code == 400
    assert not ReminderOptOut.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_settings_page_keeps_what_was_typed_on_a_stale_version(circle: Circle, alice: User) -> None:
    client = client_for(alice)
    url = f"/cercles/{circle.pk}/rappels/"
    assert client.get(url).status_code == 200
    saved = client.post(url, {"first_before": "1440", "second_before": "0", "word": "", "version": "1"})
    assert saved.status_code == 302
    stale = client.post(url, {"first_before": "2880", "second_before": "60", "word": "Mot à garder", "version": "1"})
    assert stale.status_code == 200
    assert "modifiés entre-temps" in stale.content.decode()
    assert "Mot à garder" in stale.content.decode()
    assert ReminderSettings.objects.get().first_before == 1440


@time_machine.travel(NOW, tick=False)
def test_writing_to_members_from_the_site_goes_through_the_outbox(circle: Circle, alice: User, bob: User) -> None:
    client = client_for(alice)
    url = f"/cercles/{circle.pk}/ecrire/"
    empty = client.post(url, {"subject": "Objet gardé", "body": ""})
    assert empty.status_code == 200
    assert "Objet gardé" in empty.content.decode()
    sent = client.post(url, {"subject": "Bonjour", "body": "À mardi !"})
    assert sent.status_code == 302
    assert list(Message.objects.filter(kind=CIRCLE_MESSAGE).values_list("address", flat=True)) == [bob.email]
    assert bob.email not in client.get(url).content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_unsubscribe_page_says_how_to_turn_reminders_back_on(circle: Circle, bob: User) -> None:
    url = f"/e/rappels/{unsubscribe_token(user_id=bob.pk, circle_id=circle.pk)}/"
    for page in (Client().get(url), Client().post(url), Client().post(url)):  # shown, done, already off
        assert "Pour recevoir à nouveau vos rappels" in page.content.decode()
        assert 'href="/mes-rappels/"' in page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_my_reminders_turns_a_circles_reminders_back_on_and_computes_them_again(
    circle: Circle, alice: User, bob: User, meeting: Meeting
) -> None:
    from cercles.reminders.services import REMINDER, reminders_for_meetings

    reminders_for_meetings(circle, [meeting])
    Client().post(f"/e/rappels/{unsubscribe_token(user_id=bob.pk, circle_id=circle.pk)}/")
    pending = Message.objects.filter(kind=REMINDER, recipient=bob, sent_at=None, cancelled_at=None)
    assert not pending.exists()
    bob_client = client_for(bob)
    page = bob_client.get("/mes-rappels/")
    assert page.status_code == 200
    assert "Codéveloppement des cadres" in page.content.decode()
    assert not page.context["form"].initial[f"circle_{circle.pk}"]
    done = bob_client.post("/mes-rappels/", {"everywhere": "on", f"circle_{circle.pk}": "on"})
    assert done.status_code == 302
    assert not ReminderOptOut.objects.filter(user=bob).exists()
    assert pending.count() == 2  # two days and one hour before, as the circle's settings say


@time_machine.travel(NOW, tick=False)
def test_my_reminders_turns_them_off_everywhere_and_back_on_keeping_a_circle_off(
    circle: Circle, alice: User, bob: User, meeting: Meeting
) -> None:
    from cercles.reminders.services import REMINDER, reminders_for_meetings

    reminders_for_meetings(circle, [meeting])
    pending = Message.objects.filter(kind=REMINDER, recipient=bob, sent_at=None, cancelled_at=None)
    bob_client = client_for(bob)
    bob_client.post("/mes-rappels/", {f"circle_{circle.pk}": "on"})  # everywhere off
    assert ReminderOptOut.objects.filter(user=bob, circle=None).exists()
    assert not pending.exists()
    bob_client.post("/mes-rappels/", {"everywhere": "on"})  # back on, but not for this circle
    assert ReminderOptOut.objects.filter(user=bob, circle=circle).exists()
    assert not pending.exists()
    bob_client.post("/mes-rappels/", {"everywhere": "on", f"circle_{circle.pk}": "on"})
    assert pending.count() == 2


@time_machine.travel(NOW, tick=False)
def test_my_reminders_shows_only_the_persons_own_circles_and_ignores_others(
    circle: Circle, alice: User, bob: User, charlie: User
) -> None:
    from tests.factories import make_circle, seat

    elsewhere = make_circle(facilitators=(alice,), capacity=6, title="Management public")
    seat(elsewhere, charlie)
    page = client_for(bob).get("/mes-rappels/")
    assert "Management public" not in page.content.decode()
    # A forged field for a circle Bob is not in is not a field of his form: nothing about it changes.
    client_for(bob).post("/mes-rappels/", {"everywhere": "on", f"circle_{elsewhere.pk}": ""})
    assert not ReminderOptOut.objects.filter(circle=elsewhere).exists()
    assert client_for(None).get("/mes-rappels/").status_code == 302  # to the login page


def test_choosing_reminders_for_a_circle_one_is_not_in_is_refused(circle: Circle, charlie: User) -> None:
    from cercles.reminders.exceptions import ReminderError
    from cercles.reminders.services import ReminderPreferences, reminder_preferences_set

    with pytest.raises(ReminderError):
        reminder_preferences_set(
            user=charlie, preferences=ReminderPreferences(everywhere=True, circles={circle.pk: False})
        )
    assert not ReminderOptOut.objects.exists()


def test_my_circles_links_to_my_reminders(bob: User, circle: Circle) -> None:
    assert 'href="/mes-rappels/"' in client_for(bob).get("/mes-cercles/").content.decode()
