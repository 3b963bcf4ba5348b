"""Periodic jobs of meetings, run by the project's scheduler (cercles/core/scheduler.py)."""

from __future__ import annotations

import datetime

from cercles.core.scheduler import periodic_job
from cercles.meetings.services import attendance_nudge_due


@periodic_job(name="meetings.attendance_nudges", interval=datetime.timedelta(hours=1))
def send_attendance_nudges() -> None:
    """The day after a meeting, ask its facilitators to confirm who came (once per meeting)."""
    attendance_nudge_due()
