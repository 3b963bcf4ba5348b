"""The demo programme's meetings: each circle that has not started gets a planned cycle from its rhythm.

Registered with ``cercles.circles.hooks.on_demo_loaded`` (load_demo stays in circles, which imports no
app above it).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from cercles.circles.hooks import DemoProgramme
from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.meetings.forms import CyclePlanForm
from cercles.meetings.planning import CycleShape, Rhythm
from cercles.meetings.services import CyclePlan, cycle_plan


def plan_demo_cycles(programme: DemoProgramme) -> None:
    today = timezone.localdate()
    for circle in programme.circles:
        facilitation = Membership.objects.filter(
            circle=circle, role=MembershipRole.FACILITATOR, status=MembershipStatus.ACTIVE
        ).first()
        if facilitation is None or circle.cancelled_at or circle.archived_at or circle.start_date <= today:
            continue
        initial = CyclePlanForm.initial_for(circle)
        rhythm = Rhythm(initial["rhythm"])
        if rhythm is Rhythm.LIST:
            rhythm = Rhythm.FORTNIGHTLY
        first = circle.start_date
        if rhythm is Rhythm.MONTHLY_NTH and (first.day - 1) // 7 == 4:
            first -= datetime.timedelta(days=7)  # no "5th Tuesday" cycles in the demo
        plan = CyclePlan(
            shape=CycleShape(rhythm=rhythm, first_date=first, count=min(int(initial["count"]), 8)),
            start_time=datetime.time(14, 0),
            duration_minutes=int(initial["duration_minutes"]),
            meeting_format=str(initial["meeting_format"]),
            place=str(initial["place"] or "Salle du conseil"),
        )
        cycle_plan(circle_id=circle.pk, planned_by=facilitation.user, plan=plan)
