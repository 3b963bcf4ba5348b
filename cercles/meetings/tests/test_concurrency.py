"""A slot answered twice at once (two tabs, a double click) and two facilitators moving the same meeting.

Runs on PostgreSQL with real concurrent transactions: the poll row (answers) and the meeting row
(edits, with its version) are locked, so the answers end as one row per person and slot, and exactly
one of two edits made on the same version wins while the other is told.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from cercles.circles.models import MeetingFormat
from cercles.meetings.exceptions import MeetingEditConflict
from cercles.meetings.models import Meeting, SlotAnswer
from cercles.meetings.planning import PARIS
from cercles.meetings.services import MeetingChanges, cycle_plan, meeting_update, poll_answer, poll_create
from cercles.meetings.tests.conftest import weekly_plan
from tests.factories import make_circle, make_user, seat
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under real concurrent transactions")


@pytest.mark.parametrize("attempt", range(3))
def test_a_slot_answered_twice_at_once_keeps_one_answer(attempt: int) -> None:
    facilitator, member = make_user(), make_user()
    circle = make_circle(facilitators=(facilitator,))
    seat(circle, member)
    poll = poll_create(
        circle_id=circle.pk,
        created_by=facilitator,
        slots=[datetime.datetime(2030, 1, 8, 18, tzinfo=PARIS)],
        duration_minutes=90,
    )
    slot = poll.slots.get()
    errors = run_at_once(
        [
            lambda answer=answer: poll_answer(poll_id=poll.pk, user=member, answers={slot.pk: answer})
            for answer in ("oui", "non", "si_besoin")
        ]
    )
    assert errors == []
    assert SlotAnswer.objects.filter(slot=slot, user=member).count() == 1


def test_two_edits_of_the_same_version_one_wins_the_other_is_told() -> None:
    facilitator, coordinator = make_user(), make_user(is_staff=True)
    circle = make_circle(facilitators=(facilitator,))
    [meeting] = cycle_plan(circle_id=circle.pk, planned_by=facilitator, plan=weekly_plan(datetime.date(2030, 1, 8), 1))
    edits = [
        lambda who=who, hour=hour: meeting_update(
            meeting_id=meeting.pk,
            editor=who,
            version=meeting.version,
            changes=MeetingChanges(
                day=datetime.date(2030, 1, 9),
                start_time=datetime.time(hour, 0),
                duration_minutes=60,
                meeting_format=MeetingFormat.ONLINE,
            ),
        )
        for who, hour in ((facilitator, 9), (coordinator, 14))
    ]
    errors = run_at_once(edits)
    assert [type(error) for error in errors] == [MeetingEditConflict]
    assert Meeting.objects.get(pk=meeting.pk).sequence == 1
