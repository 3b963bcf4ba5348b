"""The audit log's periodic job: rows older than the retention period are deleted once a day."""

from __future__ import annotations

import datetime

from cercles.audit.services import audit_purge
from cercles.core.scheduler import periodic_job

PURGE_JOB = "audit.purge"


@periodic_job(name=PURGE_JOB, interval=datetime.timedelta(hours=24))
def purge_audit_log() -> None:
    audit_purge()
