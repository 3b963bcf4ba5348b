"""What the meetings services refuse, each with its French message; nothing changes then."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from cercles.circles.models import Circle, MeetingFormat
from cercles.meetings import exceptions as errors
from cercles.meetings.exceptions import MeetingError
from cercles.meetings.models import Meeting, Slot, SlotAnswer
from cercles.meetings.planning import PARIS
from cercles.meetings.services import (
    MeetingChanges,
    attendance_record,
    calendar_timezone_set,
    cycle_plan,
    meeting_cancel,
    meeting_update,
    poll_answer,
    poll_create,
    poll_pick,
    rsvp_set,
)
from cercles.meetings.tests.conftest import weekly_plan
from cercles.people.models import User

D = datetime.date
T = datetime.time
pytestmark = pytest.mark.django_db
CHANGES = MeetingChanges(
    day=D(2030, 1, 9), start_time=T(9, 0), duration_minutes=60, meeting_format=MeetingFormat.ONLINE
)


def test_planning_again_cancels_the_upcoming_meetings_of_the_earlier_plan(circle: Circle, alice: User) -> None:
    first = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 3))
    second = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 2, 5), 2))
    assert Meeting.objects.filter(pk__in=[m.pk for m in first], cancelled_at__isnull=False).count() == 3
    circle.refresh_from_db()
    assert (circle.start_date, circle.end_date) == (D(2030, 2, 5), D(2030, 2, 12))
    assert len(second) == 2


def test_a_cancelled_or_past_meeting_cannot_be_changed_nor_answered(circle: Circle, alice: User, bob: User) -> None:
    with time_machine.travel(datetime.datetime(2029, 12, 1, 9, tzinfo=PARIS), tick=False):
        [past, cancelled] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 1), 2))
        meeting_cancel(meeting_id=cancelled.pk, cancelled_by=alice)
        cancelled.refresh_from_db()
        for action in (
            lambda: meeting_update(meeting_id=cancelled.pk, editor=alice, version=cancelled.version, changes=CHANGES),
            lambda: rsvp_set(meeting_id=cancelled.pk, user=bob, answer="oui"),
        ):
            with pytest.raises(MeetingError) as caught:
                action()
            assert caught.value.message == errors.MEETING_CANCELLED
        with pytest.raises(MeetingError) as caught:
            rsvp_set(meeting_id=past.pk, user=bob, answer="peut-etre")
        assert caught.value.message == errors.RSVP_ANSWER_UNKNOWN
    with time_machine.travel(datetime.datetime(2030, 1, 5, 9, tzinfo=PARIS), tick=False):
        with pytest.raises(MeetingError) as caught:
            meeting_update(meeting_id=past.pk, editor=alice, version=past.version, changes=CHANGES)
        assert caught.value.message == errors.MEETING_PAST
        with pytest.raises(MeetingError):
            meeting_cancel(meeting_id=past.pk, cancelled_by=alice)
        with pytest.raises(MeetingError) as caught:
            rsvp_set(meeting_id=past.pk, user=bob, answer="oui")
        assert caught.value.message == errors.RSVP_TOO_LATE
        with pytest.raises(MeetingError) as caught:
            attendance_record(meeting_id=cancelled.pk, recorded_by=alice, statuses={})
        assert caught.value.message == errors.MEETING_CANCELLED


def test_moving_a_series_into_the_past_is_refused_whole(circle: Circle, alice: User) -> None:
    with time_machine.travel(datetime.datetime(2030, 1, 2, 9, tzinfo=PARIS), tick=False):
        [first, _] = cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2030, 1, 8), 2))
        back = MeetingChanges(
            day=D(2030, 1, 1), start_time=T(9, 0), duration_minutes=60, meeting_format=MeetingFormat.ONLINE
        )
        with pytest.raises(MeetingError) as caught:
            meeting_update(meeting_id=first.pk, editor=alice, version=first.version, changes=back, and_following=True)
        assert "passé" in str(caught.value.message)
    assert Meeting.objects.filter(sequence=0).count() == 2


def test_an_unknown_time_zone_is_refused(bob: User) -> None:
    with pytest.raises(MeetingError) as caught:
        calendar_timezone_set(user=bob, second_timezone="Mars/Olympus")
    assert caught.value.field == "second_timezone"
    assert calendar_timezone_set(user=bob, second_timezone="Pacific/Noumea").second_timezone == "Pacific/Noumea"


def test_a_poll_refuses_no_slot_a_past_slot_an_unknown_slot_and_answers_after_closing(
    circle: Circle, alice: User, bob: User
) -> None:
    with pytest.raises(MeetingError) as caught:
        poll_create(circle_id=circle.pk, created_by=alice, slots=[], duration_minutes=90)
    assert caught.value.message == errors.POLL_NO_SLOT
    with pytest.raises(MeetingError):
        poll_create(
            circle_id=circle.pk,
            created_by=alice,
            slots=[datetime.datetime(2020, 1, 1, 9, tzinfo=PARIS)],
            duration_minutes=90,
        )
    moment = datetime.datetime(2030, 1, 8, 18, tzinfo=PARIS)
    poll = poll_create(circle_id=circle.pk, created_by=alice, slots=[moment, moment], duration_minutes=90)
    [slot] = Slot.objects.filter(poll=poll)
    with pytest.raises(MeetingError) as caught:
        poll_answer(poll_id=poll.pk, user=bob, answers={slot.pk + 1000: "oui"})
    assert caught.value.message == errors.POLL_SLOT_UNKNOWN
    poll_answer(poll_id=poll.pk, user=bob, answers={slot.pk: "peut-etre"})
    assert not SlotAnswer.objects.exists()
    with pytest.raises(MeetingError):
        poll_pick(poll_id=poll.pk, picked_by=alice, slot_id=slot.pk + 1000)
    assert poll_pick(poll_id=poll.pk, picked_by=alice, slot_id=slot.pk) == slot
    for action in (
        lambda: poll_answer(poll_id=poll.pk, user=bob, answers={slot.pk: "oui"}),
        lambda: poll_pick(poll_id=poll.pk, picked_by=alice, slot_id=slot.pk),
    ):
        with pytest.raises(MeetingError) as closed:
            action()
        assert closed.value.message == errors.POLL_CLOSED
