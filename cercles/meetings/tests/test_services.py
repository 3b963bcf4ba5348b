"""Planning, changing and cancelling meetings; the circle's dates; the circle-closed hook; e-mails."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from cercles.circles.models import Circle, MeetingFormat
from cercles.circles.services import circle_archive, circle_cancel
from cercles.core.policy import PolicyDenied
from cercles.meetings import exceptions as errors
from cercles.meetings.exceptions import MeetingEditConflict, MeetingError
from cercles.meetings.models import Attendance, AttendanceStatus, Meeting, Rsvp, RsvpAnswer
from cercles.meetings.planning import PARIS
from cercles.meetings.selectors import rsvp_declined
from cercles.meetings.services import (
    MeetingChanges,
    attendance_nudge_due,
    attendance_record,
    cycle_plan,
    meeting_add,
    meeting_cancel,
    meeting_update,
    plan_preview,
    rsvp_set,
)
from cercles.meetings.tests.conftest import weekly_plan
from cercles.people.models import User

D = datetime.date
T = datetime.time
pytestmark = pytest.mark.django_db


def paris(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(PARIS)


@time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS), tick=False)
def test_planning_a_cycle_across_the_spring_change_keeps_18h_in_paris(circle: Circle, alice: User) -> None:
    meetings = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 17), 4))
    assert [paris(m.starts_at).time() for m in meetings] == [T(18, 0)] * 4
    assert [m.starts_at.astimezone(datetime.UTC).hour for m in meetings] == [17, 17, 16, 16]
    circle.refresh_from_db()
    assert (circle.start_date, circle.end_date) == (D(2026, 3, 17), D(2026, 4, 7))


@time_machine.travel(datetime.datetime(2027, 10, 1, 9, tzinfo=PARIS), tick=False)
def test_planning_across_the_autumn_change_of_2027(circle: Circle, alice: User) -> None:
    meetings = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2027, 10, 26), 2))
    assert [m.starts_at.astimezone(datetime.UTC).hour for m in meetings] == [16, 17]


@time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS), tick=False)
def test_a_nonexistent_time_is_refused_in_french_with_a_suggestion(circle: Circle, alice: User) -> None:
    with pytest.raises(MeetingError) as caught:
        cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 22), 2, time=T(2, 30)))
    assert "03:30" in str(caught.value.message)
    assert caught.value.field == "start_time"
    assert not Meeting.objects.exists()


@time_machine.travel(datetime.datetime(2026, 10, 1, 9, tzinfo=PARIS), tick=False)
def test_an_ambiguous_time_is_asked_about_then_accepted(circle: Circle, alice: User) -> None:
    with pytest.raises(MeetingError) as caught:
        plan_preview(plan=weekly_plan(D(2026, 10, 25), 1, time=T(2, 30)))
    assert caught.value.field == "fold"
    [meeting] = cycle_plan(
        circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 10, 25), 1, time=T(2, 30), fold=1)
    )
    assert meeting.starts_at.astimezone(datetime.UTC) == datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC)


def test_dates_in_the_past_are_refused(circle: Circle, alice: User) -> None:
    with pytest.raises(MeetingError) as caught:
        plan_preview(plan=weekly_plan(D(2020, 1, 7), 2))
    assert "passé" in str(caught.value.message)


def test_a_public_holiday_is_a_warning_not_a_refusal(circle: Circle, alice: User) -> None:
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=PARIS), tick=False):
        preview = plan_preview(plan=weekly_plan(D(2026, 12, 25), 2))
    assert preview[0].holiday == "Noël"
    assert preview[1].holiday == "Jour de l'an"


def test_in_person_needs_a_place(circle: Circle, alice: User) -> None:
    with pytest.raises(MeetingError) as caught:
        plan_preview(plan=weekly_plan(D(2030, 1, 8), 2, meeting_format=MeetingFormat.IN_PERSON))
    assert caught.value.message == errors.PLACE_REQUIRED


def test_only_facilitators_and_coordinators_plan(circle: Circle, bob: User, claire: User) -> None:
    with pytest.raises(PolicyDenied):
        cycle_plan(circle_id=circle.pk, planned_by=bob, plan=weekly_plan(D(2030, 1, 8), 2))
    assert len(cycle_plan(circle_id=circle.pk, planned_by=claire, plan=weekly_plan(D(2030, 1, 8), 2))) == 2


@time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS), tick=False)
def test_moving_one_and_following_shifts_the_series_and_raises_sequence(circle: Circle, alice: User) -> None:
    meetings = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 10), 4))
    second = meetings[1]
    changes = MeetingChanges(
        day=D(2026, 3, 18), start_time=T(9, 30), duration_minutes=90, meeting_format=MeetingFormat.ONLINE
    )
    moved = meeting_update(
        meeting_id=second.pk, editor=alice, version=second.version, changes=changes, and_following=True
    )
    assert [paris(m.starts_at).date() for m in moved] == [D(2026, 3, 18), D(2026, 3, 25), D(2026, 4, 1)]
    assert {paris(m.starts_at).time() for m in moved} == {T(9, 30)}
    first = Meeting.objects.get(pk=meetings[0].pk)
    assert first.sequence == 0
    assert paris(first.starts_at).time() == T(18, 0)
    assert all(m.sequence == 1 for m in moved)
    circle.refresh_from_db()
    assert circle.end_date == D(2026, 4, 1)


@time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS), tick=False)
def test_an_edit_on_an_older_version_is_refused(circle: Circle, alice: User, claire: User) -> None:
    [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 10), 1))
    changes = MeetingChanges(
        day=D(2026, 3, 11), start_time=T(9, 0), duration_minutes=60, meeting_format=MeetingFormat.ONLINE
    )
    meeting_update(meeting_id=meeting.pk, editor=claire, version=meeting.version, changes=changes)
    with pytest.raises(MeetingEditConflict):
        meeting_update(meeting_id=meeting.pk, editor=alice, version=meeting.version, changes=changes)


def test_one_email_per_person_per_change_with_one_invitation_per_meeting(
    circle: Circle, alice: User, bob: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 6))
    to_bob = [m for m in mail.outbox if bob.email in m.to]
    assert len(to_bob) == 1
    assert len(mail.outbox) == 2  # Alice and Bob, not twelve
    attachments = to_bob[0].attachments
    assert len(attachments) == 6
    assert all(
        "METHOD:REQUEST" in a[1].decode() if isinstance(a[1], bytes) else "METHOD:REQUEST" in a[1] for a in attachments
    )


def test_adding_and_cancelling_a_meeting_moves_the_circle_dates(circle: Circle, alice: User) -> None:
    meetings = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 2))
    added = meeting_add(
        circle_id=circle.pk,
        added_by=alice,
        day=D(2030, 2, 5),
        start_time=T(18, 0),
        duration_minutes=60,
        meeting_format=MeetingFormat.ONLINE,
    )
    circle.refresh_from_db()
    assert circle.end_date == D(2030, 2, 5)
    meeting_cancel(meeting_id=added.pk, cancelled_by=alice)
    circle.refresh_from_db()
    assert circle.end_date == D(2030, 1, 15)
    with pytest.raises(MeetingError):
        meeting_cancel(meeting_id=added.pk, cancelled_by=alice)
    assert Meeting.objects.get(pk=added.pk).sequence == 1
    assert len(meetings) == 2


@pytest.mark.parametrize("close", ["cancel", "archive"])
def test_closing_a_circle_cancels_its_future_meetings(circle: Circle, alice: User, claire: User, close: str) -> None:
    meetings = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 3))
    if close == "cancel":
        circle_cancel(circle_id=circle.pk, cancelled_by=claire, reason="Faute d'animation.")
    else:
        circle_archive(circle_id=circle.pk, archived_by=claire)
    assert Meeting.objects.filter(pk__in=[m.pk for m in meetings], cancelled_at__isnull=False).count() == 3
    assert set(Meeting.objects.values_list("sequence", flat=True)) == {1}
    with pytest.raises(MeetingError):
        meeting_add(
            circle_id=circle.pk,
            added_by=claire,
            day=D(2030, 2, 5),
            start_time=T(18, 0),
            duration_minutes=60,
            meeting_format=MeetingFormat.ONLINE,
        )


def test_rsvp_declined_is_one_query(circle: Circle, alice: User, bob: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    [meeting] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 1))
    rsvp_set(meeting_id=meeting.pk, user=bob, answer=RsvpAnswer.YES)
    rsvp_set(meeting_id=meeting.pk, user=bob, answer=RsvpAnswer.NO)
    assert Rsvp.objects.count() == 1
    with django_assert_num_queries(1):
        assert [r.user_id for r in rsvp_declined(meeting_id=meeting.pk)] == [bob.pk]
    with pytest.raises(PolicyDenied):
        rsvp_set(meeting_id=meeting.pk, user=alice, answer=RsvpAnswer.YES)


def test_attendance_is_recorded_after_the_start_and_nudged_the_next_day_once(
    circle: Circle, alice: User, bob: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS), tick=False):
        [meeting, other] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 10), 2))
        with pytest.raises(MeetingError):
            attendance_record(meeting_id=meeting.pk, recorded_by=alice, statuses={bob.pk: AttendanceStatus.PRESENT})
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 23, tzinfo=PARIS), tick=False):
        assert attendance_nudge_due() == 0  # the same day: not yet
    with time_machine.travel(datetime.datetime(2026, 3, 11, 8, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert attendance_nudge_due() == 1
        assert attendance_nudge_due() == 0
        nudges = [m for m in mail.outbox if "Qui était là" in m.subject]
        assert [m.to for m in nudges] == [[alice.email]]
        assert "présences" in nudges[0].body.lower()
    with time_machine.travel(datetime.datetime(2026, 3, 17, 19, tzinfo=PARIS), tick=False):
        attendance_record(
            meeting_id=other.pk, recorded_by=alice, statuses={bob.pk: AttendanceStatus.PRESENT, 999999: "present"}
        )
    assert list(Attendance.objects.values_list("user_id", "status")) == [(bob.pk, AttendanceStatus.PRESENT)]
