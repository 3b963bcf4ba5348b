from __future__ import annotations

import datetime

import pytest

from cercles.circles.models import MeetingFormat
from cercles.meetings.planning import CycleShape, Rhythm
from cercles.meetings.services import CyclePlan


def weekly_plan(
    first: datetime.date, count: int = 6, *, time: datetime.time = datetime.time(18, 0), **extra: object
) -> CyclePlan:
    return CyclePlan(
        shape=CycleShape(rhythm=Rhythm(extra.pop("rhythm", Rhythm.WEEKLY)), first_date=first, count=count),  # type: ignore[arg-type]
        start_time=time,
        duration_minutes=int(extra.pop("duration", 120)),  # type: ignore[call-overload]
        meeting_format=str(extra.pop("meeting_format", MeetingFormat.ONLINE)),
        place=str(extra.pop("place", "")),
        video_link=str(extra.pop("video_link", "")),
        fold=extra.pop("fold", None),  # type: ignore[arg-type]
    )


@pytest.fixture
def plan_factory():  # type: ignore[no-untyped-def]
    return weekly_plan
