"""The demo programme's circles that have not started come with a planned cycle."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cercles.circles.demo import demo_load
from cercles.circles.models import Circle
from cercles.meetings.models import Meeting


@pytest.mark.django_db
def test_the_demo_plans_a_cycle_for_each_upcoming_circle_with_facilitation() -> None:
    demo_load()
    planned = Circle.objects.filter(meetings__isnull=False).distinct()
    assert planned.exists()
    for circle in planned:
        first = Meeting.objects.filter(circle=circle).order_by("starts_at").first()
        assert first is not None
        assert timezone.localtime(first.starts_at).date() == circle.start_date
