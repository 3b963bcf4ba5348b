"""The .ics files and feeds: RFC 5545 structure, read by two independent parsers; invitations that update in place."""

from __future__ import annotations

import datetime

import icalendar
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from ical.calendar_stream import IcsCalendarStream

from cercles.circles.models import Circle
from cercles.meetings.models import Meeting
from cercles.meetings.planning import PARIS
from cercles.meetings.services import MeetingChanges, calendar_feed_renew, cycle_plan, meeting_cancel, meeting_update
from cercles.meetings.tests.conftest import weekly_plan
from cercles.people.models import User

D = datetime.date
T = datetime.time
pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _check_rfc5545(body: bytes) -> None:
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # every line ends with CRLF
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded at 75 octets


def _events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_a_meeting_ics_parses_with_both_parsers_and_keeps_paris_time(circle: Circle, alice: User, bob: User) -> None:
    long_title = "Un cercle au titre très long pour vérifier le pliage des lignes à soixante-quinze octets exactement"
    Circle.objects.filter(pk=circle.pk).update(title=long_title)
    [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 3, 26), 1))
    body = _client(bob).get(reverse("meetings:ics", args=[meeting.pk])).content
    _check_rfc5545(body)
    [event] = _events(body)
    assert event["uid"] == f"{meeting.uid}@cercles"
    assert str(event["summary"]) == long_title
    assert str(event["class"]) == "PRIVATE"
    assert event.decoded("dtstart") == datetime.datetime(2030, 3, 26, 18, 0, tzinfo=PARIS)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert f"/seances/{meeting.pk}/rejoindre" in str(event["description"])
    assert b"BEGIN:VTIMEZONE" in body
    assert b"METHOD" not in body  # published, not an invitation
    stream = IcsCalendarStream.from_ics(body.decode())
    [parsed] = stream.calendars[0].events
    assert parsed.uid == f"{meeting.uid}@cercles"
    assert parsed.dtstart.astimezone(datetime.UTC) == datetime.datetime(
        2030, 3, 26, 17, 0, tzinfo=datetime.UTC
    )  # before the change of 31 March


def test_the_circle_need_never_appears_in_a_calendar_entry(circle: Circle, alice: User, bob: User) -> None:
    [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 3, 26), 1))
    body = _client(bob).get(reverse("meetings:ics", args=[meeting.pk])).content.decode()
    assert circle.kind.name not in body
    assert circle.kind.get_need_display() not in body


def test_a_moved_meeting_keeps_its_uid_and_raises_sequence_in_the_invitation(
    circle: Circle, alice: User, bob: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 3, 26), 1))
    mail.outbox.clear()
    changes = MeetingChanges(day=D(2030, 3, 27), start_time=T(9, 0), duration_minutes=60, meeting_format="en_ligne")
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(meeting_id=meeting.pk, editor=alice, version=meeting.version, changes=changes)
    [message] = [m for m in mail.outbox if bob.email in m.to and "modifiées" in m.subject]
    [(_filename, content, mimetype)] = message.attachments
    assert mimetype.startswith("text/calendar")
    body = content if isinstance(content, bytes) else content.encode()
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["method"]) == "REQUEST"
    [event] = list(calendar.walk("VEVENT"))
    assert event["uid"] == f"{meeting.uid}@cercles"
    assert int(event["sequence"]) == 1
    assert str(event["organizer"]).startswith("mailto:")
    assert str(event["attendee"]) == f"mailto:{bob.email}"
    assert event.decoded("dtstart") == datetime.datetime(2030, 3, 27, 9, 0, tzinfo=PARIS)
    IcsCalendarStream.from_ics(body.decode())  # the second parser accepts it too


def test_a_cancelled_meeting_sends_method_cancel_and_the_feed_marks_it_cancelled(
    circle: Circle, alice: User, bob: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    [meeting, _] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 3, 26), 2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(meeting_id=meeting.pk, cancelled_by=alice)
    [message] = [m for m in mail.outbox if bob.email in m.to and "annulées" in m.subject]
    calendar = icalendar.Calendar.from_ical(message.attachments[0][1])
    assert str(calendar["method"]) == "CANCEL"
    [event] = list(calendar.walk("VEVENT"))
    assert (str(event["status"]), int(event["sequence"])) == ("CANCELLED", 1)
    token = calendar_feed_renew(user=bob).feed_token
    feed = Client().get(reverse("meetings:feed", args=[token])).content
    _check_rfc5545(feed)
    statuses = {str(e["uid"]): str(e["status"]) for e in _events(feed)}
    assert statuses[f"{meeting.uid}@cercles"] == "CANCELLED"
    assert len(IcsCalendarStream.from_ics(feed.decode()).calendars[0].events) == 2


def test_a_renewed_feed_kills_the_old_address_and_a_wrong_token_is_404(circle: Circle, alice: User, bob: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 3, 26), 1))
    old = calendar_feed_renew(user=bob).feed_token
    new = calendar_feed_renew(user=bob).feed_token
    assert Client().get(reverse("meetings:feed", args=[old])).status_code == 404
    assert Client().get(reverse("meetings:feed", args=["pas-le-bon-jeton"])).status_code == 404
    assert Client().get(reverse("meetings:feed", args=[new])).status_code == 200
    response = _client(bob).post(reverse("meetings:my_calendar"), {"action": "arreter"})
    assert response.status_code == 302
    assert Client().get(reverse("meetings:feed", args=[new])).status_code == 404


def test_an_outsider_feed_never_lists_another_circle(circle: Circle, alice: User, charlie: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 3, 26), 3))
    token = calendar_feed_renew(user=charlie).feed_token
    assert _events(Client().get(reverse("meetings:feed", args=[token])).content) == []


@time_machine.travel(datetime.datetime(2026, 10, 20, 9, tzinfo=PARIS), tick=False)
def test_the_feed_keeps_wall_clock_time_over_the_autumn_change(circle: Circle, alice: User, bob: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 10, 20), 2))
    token = calendar_feed_renew(user=bob).feed_token
    events = (
        IcsCalendarStream.from_ics(Client().get(reverse("meetings:feed", args=[token])).content.decode())
        .calendars[0]
        .events
    )
    assert [e.dtstart.astimezone(PARIS).hour for e in events] == [18, 18]
    assert [e.dtstart.astimezone(datetime.UTC).hour for e in events] == [16, 17]
    assert Meeting.objects.count() == 2


def test_the_feed_leaves_out_meetings_older_than_six_months(circle: Circle, alice: User, bob: User) -> None:
    with time_machine.travel(datetime.datetime(2029, 12, 1, 9, tzinfo=PARIS), tick=False):
        [old, recent] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 1), 2))
    Meeting.objects.filter(pk=old.pk).update(
        starts_at=old.starts_at - datetime.timedelta(days=400), ends_at=old.ends_at - datetime.timedelta(days=400)
    )
    token = calendar_feed_renew(user=bob).feed_token
    with time_machine.travel(datetime.datetime(2030, 3, 1, 9, tzinfo=PARIS), tick=False):
        uids = {str(e["uid"]) for e in _events(Client().get(reverse("meetings:feed", args=[token])).content)}
    assert uids == {f"{recent.uid}@cercles"}
