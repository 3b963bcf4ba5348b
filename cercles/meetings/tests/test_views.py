"""The meetings pages: planning with a preview, bad input kept on the form, join, poll, attendance, PDF, counts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercles.circles.models import Circle
from cercles.meetings.models import Attendance, AttendanceStatus, Meeting, Poll, SlotAnswer
from cercles.meetings.planning import PARIS
from cercles.meetings.services import cycle_plan
from cercles.meetings.tests.conftest import weekly_plan
from cercles.people.models import User
from tests.factories import fill, make_circle, seat

D = datetime.date
pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


PLAN = {
    "first_date": "2030-01-08",
    "start_time": "18:00",
    "rhythm": "hebdomadaire",
    "count": "4",
    "dates": "",
    "duration_minutes": "120",
    "meeting_format": "en_ligne",
    "place": "",
    "video_link": "",
    "fold": "",
}


def test_the_plan_is_previewed_then_saved(circle: Circle, alice: User) -> None:
    url = reverse("meetings:plan", args=[circle.pk])
    preview = _client(alice).post(url, {**PLAN, "apercu": "1"})
    assert preview.status_code == 200
    assert "mardi 29 janvier 2030 à 18:00 (heure de Paris)" in preview.content.decode()
    assert not Meeting.objects.exists()
    saved = _client(alice).post(url, {**PLAN, "enregistrer": "1"})
    assert saved.status_code == 302
    assert Meeting.objects.filter(circle=circle).count() == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": "500"}, "au plus 52 séances"),
        ({"count": "0"}, "aucune séance"),
        ({"first_date": "2020-01-07"}, "dans le passé"),
        ({"rhythm": "liste", "dates": "31/04/2030"}, "« 31/04/2030 » n&#x27;est pas une date valide"),
        ({"rhythm": "liste", "dates": ""}, "au moins une date"),
        ({"meeting_format": "presentiel"}, "Indiquez le lieu"),
        ({"first_date": "2030-03-31", "start_time": "02:30", "count": "1"}, "Proposition : 03:30"),
        ({"first_date": "2030-10-27", "start_time": "02:30", "count": "1"}, "arrive deux fois"),
    ],
)
def test_bad_input_is_explained_in_french_and_kept(
    circle: Circle, alice: User, changes: dict[str, str], message: str
) -> None:
    response = _client(alice).post(reverse("meetings:plan", args=[circle.pk]), {**PLAN, **changes, "apercu": "1"})
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    for value in changes.values():
        if value and value != "presentiel":
            assert value.replace("'", "&#x27;") in body  # what was typed is still there
    assert not Meeting.objects.exists()


def test_a_poll_ranks_slots_and_its_pick_prefills_the_plan(circle: Circle, alice: User, bob: User) -> None:
    carol = make_user_in(circle)
    created = _client(alice).post(
        reverse("meetings:poll_create", args=[circle.pk]),
        {"duration_minutes": "90", "slots": "08/01/2030 18:00\n09/01/2030 12:30"},
    )
    poll = Poll.objects.get()
    assert created.status_code == 302
    first, second = poll.slots.order_by("starts_at")
    _client(bob).post(
        reverse("meetings:poll", args=[poll.pk]), {f"creneau-{first.pk}": "non", f"creneau-{second.pk}": "oui"}
    )
    _client(carol).post(
        reverse("meetings:poll", args=[poll.pk]), {f"creneau-{first.pk}": "oui", f"creneau-{second.pk}": "si_besoin"}
    )
    _client(bob).post(
        reverse("meetings:poll", args=[poll.pk]), {f"creneau-{first.pk}": "si_besoin"}
    )  # changes one answer
    assert SlotAnswer.objects.count() == 4
    page = _client(alice).get(reverse("meetings:poll", args=[poll.pk])).content.decode()
    assert "<caption>" in page
    assert '<th scope="col">' in page
    picked = _client(alice).post(reverse("meetings:poll_pick", args=[poll.pk]), {"slot": str(first.pk)})
    assert picked["Location"].endswith("first_date=2030-01-08&start_time=18:00&duration_minutes=90")
    form = _client(alice).get(picked["Location"]).content.decode()
    assert 'value="2030-01-08"' in form
    closed = _client(bob).post(
        reverse("meetings:poll", args=[poll.pk]), {f"creneau-{first.pk}": "oui"}, HTTP_REFERER="/"
    )
    assert closed.status_code == 302
    assert SlotAnswer.objects.get(slot=first, user=bob).answer == "si_besoin"


def make_user_in(circle: Circle) -> User:
    from tests.factories import make_user

    user = make_user("carol")
    seat(circle, user)
    return user


def test_a_poll_without_slots_is_refused_with_a_message(circle: Circle, alice: User) -> None:
    response = _client(alice).post(
        reverse("meetings:poll_create", args=[circle.pk]), {"duration_minutes": "90", "slots": ""}
    )
    assert response.status_code == 400
    assert "au moins un créneau" in response.content.decode()


def test_the_join_address_opens_30_minutes_before_and_says_when_cancelled(
    circle: Circle, alice: User, bob: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MEETINGS_VIDEO_PROVIDER = "jitsi"
    settings.MEETINGS_JITSI_URL = "https://visio.exemple.fr"
    with time_machine.travel(datetime.datetime(2030, 1, 1, 9, tzinfo=PARIS), tick=False):
        [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 1))
    url = reverse("meetings:join", args=[meeting.pk])
    with time_machine.travel(datetime.datetime(2030, 1, 8, 17, 29, tzinfo=PARIS), tick=False):
        early = _client(bob).get(url)
        assert early.status_code == 200
        assert "17:30 (heure de Paris)" in early.content.decode()
    with time_machine.travel(datetime.datetime(2030, 1, 8, 17, 31, tzinfo=PARIS), tick=False):
        assert _client(bob).get(url)["Location"] == f"https://visio.exemple.fr/{meeting.room_name}"
        _client(alice).post(reverse("meetings:cancel", args=[meeting.pk]))
        cancelled = _client(bob).get(url)
        assert cancelled.status_code == 410
        assert "annulée" in cancelled.content.decode()


def test_attendance_sheet_records_and_the_attestation_lists_the_hours(circle: Circle, alice: User, bob: User) -> None:
    with time_machine.travel(datetime.datetime(2030, 1, 1, 9, tzinfo=PARIS), tick=False):
        [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 1))
    with time_machine.travel(datetime.datetime(2030, 1, 8, 21, tzinfo=PARIS), tick=False):
        response = _client(alice).post(
            reverse("meetings:attendance", args=[meeting.pk]), {f"presence-{bob.pk}": "present"}
        )
        assert response.status_code == 302
        assert Attendance.objects.get(user=bob).status == AttendanceStatus.PRESENT
        pdf = _client(bob).get(reverse("meetings:attestation", args=[circle.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    nothing = _client(alice).get(reverse("meetings:attestation", args=[circle.pk]))
    assert nothing.status_code == 400


def test_the_second_time_zone_is_shown_beside_paris(circle: Circle, alice: User, bob: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 1))
    refused = _client(bob).post(
        reverse("meetings:my_calendar"), {"action": "fuseau", "second_timezone": "Mars/Olympus"}
    )
    assert refused.status_code == 200
    _client(bob).post(reverse("meetings:my_calendar"), {"action": "fuseau", "second_timezone": "America/Cayenne"})
    page = _client(bob).get(reverse("meetings:upcoming")).content.decode()
    assert "18:00 (heure de Paris)" in page
    assert "14:00 (America/Cayenne)" in page


def test_the_catalogue_and_circle_page_show_the_next_meeting(circle: Circle, alice: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 2))
    assert (
        "mardi 8 janvier 2030 à 18:00 (heure de Paris)"
        in Client().get(reverse("circles:detail", args=[circle.pk])).content.decode()
    )
    assert "Prochaine séance : mardi 8 janvier 2030" in Client().get(reverse("circles:catalogue")).content.decode()


def _programme(size: int, facilitator: User) -> None:
    for _ in range(size):
        other = make_circle(facilitators=(facilitator,))
        members = fill(other, 2)
        meetings = Meeting.objects.bulk_create(
            Meeting(
                circle=other,
                starts_at=datetime.datetime(2030, 1, 8, 18, tzinfo=PARIS),
                ends_at=datetime.datetime(2030, 1, 8, 20, tzinfo=PARIS),
                meeting_format="en_ligne",
                room_name=f"salle-{other.pk}",
            )
            for _ in range(2)
        )
        Attendance.objects.bulk_create(Attendance(meeting=m, user=members[0].user, status="present") for m in meetings)


@pytest.mark.parametrize("url_name", ["meetings:programme_calendar", "meetings:upcoming"])
def test_the_calendar_pages_keep_a_constant_number_of_queries(url_name: str, alice: User, claire: User) -> None:
    user = claire if url_name == "meetings:programme_calendar" else alice
    url = reverse(url_name) + ("?mois=2030-01" if url_name == "meetings:programme_calendar" else "")
    client = _client(user)
    client.get(url)  # the first request fills per-process caches (the programme's identity…): not measured
    counts = []
    for size in (2, 20):
        _programme(size, alice)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_my_circles_lists_my_next_meetings(circle: Circle, alice: User, bob: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 2))
    page = _client(bob).get(reverse("circles:my_circles")).content.decode()
    assert "Mes prochaines séances" in page
    assert "mardi 8 janvier 2030 à 18:00 (heure de Paris)" in page


def test_adding_a_meeting_on_a_public_holiday_warns_without_refusing(circle: Circle, alice: User) -> None:
    data = {"day": "2030-07-14", "start_time": "18:00", "duration_minutes": "90", "meeting_format": "en_ligne"}
    response = _client(alice).post(reverse("meetings:add", args=[circle.pk]), data, follow=True)
    assert Meeting.objects.filter(circle=circle).count() == 1
    assert "jour férié (Fête nationale)" in response.content.decode()


def test_the_circle_meetings_are_listed_in_date_order(circle: Circle, alice: User, bob: User) -> None:
    meetings = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 3))
    Meeting.objects.filter(pk=meetings[0].pk).update(
        starts_at=meetings[0].starts_at + datetime.timedelta(weeks=5),
        ends_at=meetings[0].ends_at + datetime.timedelta(weeks=5),
    )
    from cercles.meetings.selectors import circle_meetings

    page = circle_meetings(circle_id=circle.pk, user=bob)
    assert [m.pk for m in page.meetings] == [meetings[1].pk, meetings[2].pk, meetings[0].pk]
