"""The scheduler's state: one row per periodic job, so that several scheduler processes share the work."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ScheduledJob(models.Model):
    """A periodic job's turn: whoever holds ``lease_until`` runs it; ``next_run_at`` is its next turn."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name
