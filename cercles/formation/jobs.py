"""The formation's periodic job: seats not taken in time go to the call's waiting list."""

from __future__ import annotations

import datetime

from cercles.core.scheduler import periodic_job
from cercles.formation.services import seats_expire


@periodic_job(name="formation.seats_expire", interval=datetime.timedelta(minutes=10))
def expire_seats() -> None:
    seats_expire()
