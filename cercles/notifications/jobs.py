"""The outbox's periodic job: the scheduler runs the sweeper every few seconds, and on wake-up."""

from __future__ import annotations

import datetime

from django.conf import settings

from cercles.core.scheduler import periodic_job
from cercles.notifications.services import SWEEP_JOB, outbox_sweep


# A wake-up after commit reaches only the scheduler of the same process; the interval bounds the
# wait for a message queued by another process (scale-out mode).
@periodic_job(name=SWEEP_JOB, interval=datetime.timedelta(seconds=settings.OUTBOX_SWEEP_INTERVAL))
def sweep_outbox() -> None:
    outbox_sweep()
