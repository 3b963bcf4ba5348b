"""The outbox's periodic jobs: the scheduler runs the sweeper every few seconds, and on wake-up.

``OUTBOX_SWEEPERS`` jobs share the work (``notifications.sweep``, ``notifications.sweep.2``…): the
scheduler's lease gives each job to one process at a time, so several ``run_scheduler`` processes can
sweep side by side; their claims (a conditional UPDATE, rows skipped while another holds them) keep the
batches disjoint, so each Message-ID still leaves once.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from cercles.core.scheduler import periodic_job
from cercles.notifications.services import SWEEP_JOB, outbox_sweep


def sweep_outbox() -> None:
    outbox_sweep()


def sweep_job_names(count: int) -> list[str]:
    """The first is the one a commit wakes in its own process; the others run at their interval."""
    return [SWEEP_JOB] + [f"{SWEEP_JOB}.{number}" for number in range(2, count + 1)]


# A wake-up after commit reaches only the scheduler of the same process; the interval bounds the
# wait for a message queued by another process (scale-out mode).
for _name in sweep_job_names(settings.OUTBOX_SWEEPERS):
    periodic_job(name=_name, interval=datetime.timedelta(seconds=settings.OUTBOX_SWEEP_INTERVAL))(sweep_outbox)
