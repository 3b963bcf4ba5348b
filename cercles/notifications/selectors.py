"""Reads on the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from cercles.notifications.models import FailedMessage


def failed_message_list() -> QuerySet[FailedMessage]:
    """Messages that will not leave unless someone retries them, latest failure first (metadata only)."""
    return (
        FailedMessage.objects.filter(failed_at__isnull=False, sent_at__isnull=True)
        .defer("payload")
        .order_by("-failed_at", "-pk")
    )
