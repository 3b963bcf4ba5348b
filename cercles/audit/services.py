"""Writes on the audit log: a row per action on people, circles, memberships, invitations, exports.

``audit_record`` is called by the services themselves, inside their transaction: the row exists if and
only if the change commits (not a signal, not on commit). ``audit_purge`` applies the retention period.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cercles.audit.models import AuditEvent


def _id(value: Any) -> int | None:
    return None if value is None else getattr(value, "pk", value)


def audit_record(
    *,
    actor: Any,
    action: str,
    person: Any = None,
    circle: Any = None,
    object_kind: str = "",
    object_id: int | None = None,
    changes: Iterable[str] = (),
    count: int | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` (to ``person``, on ``circle``); objects or ids are accepted.

    Must run inside the caller's transaction (it raises TransactionManagementError otherwise, so a
    service that forgot its ``@transaction.atomic`` is caught by its tests). ``changes`` are field
    names, never values; ``count`` says how many things the action touched (meetings, recipients…).
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("audit_record must run in the service's transaction")
    return AuditEvent.objects.create(
        actor_id=_id(actor),
        action=action,
        person_id=_id(person),
        circle_id=_id(circle),
        object_kind=object_kind,
        object_id=object_id,
        changes=sorted(set(changes)),
        count=count,
    )


def audit_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete rows older than ``AUDIT_RETENTION_DAYS``; returns how many."""
    limit = (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(at__lt=limit).delete()
    return deleted
