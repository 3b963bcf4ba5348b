"""Retention as periodic work (core scheduler): unconfirmed accounts purged, inactive people warned
then anonymised. Each step is safe to run twice (it re-checks each person under a row lock)."""

from __future__ import annotations

import datetime

from cercles.core.scheduler import periodic_job
from cercles.privacy.services import (
    retention_anonymise_inactive,
    retention_purge_unconfirmed,
    retention_warn_inactive,
)

RETENTION_JOB = "privacy.retention"


@periodic_job(name=RETENTION_JOB, interval=datetime.timedelta(hours=6), lease=datetime.timedelta(minutes=30))
def apply_retention() -> None:
    retention_purge_unconfirmed()
    retention_anonymise_inactive()
    retention_warn_inactive()
