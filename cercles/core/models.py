"""The scheduler's state: one row per periodic job, so that several scheduler processes share the work."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class ProgrammeIdentity(models.Model):
    """How the programme presents itself: its name, one line, a logo and an accent colour (one row).

    Set by coordinators (``cercles.core.identity.identity_update``); until then the name comes from the
    ``PROGRAMME_NAME`` setting and the colour is the site's default.
    """

    name = models.CharField(_("nom du programme"), max_length=80)
    tagline = models.CharField(_("description en une ligne"), max_length=200, blank=True)
    logo = models.ImageField(_("logo"), upload_to="identite/", blank=True)
    accent_colour = models.CharField(_("couleur d'accent"), max_length=7)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identité du programme")
        verbose_name_plural = _("identité du programme")

    def __str__(self) -> str:
        return self.name
