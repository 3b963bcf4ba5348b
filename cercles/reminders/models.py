"""Reminders before each meeting: the circle's settings and who turned them off.

The reminders themselves are outbox rows (``notifications.Message`` of kind ``reminders.meeting``, due
before the meeting), computed from meetings and memberships by ``cercles.reminders.services``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import Circle
from cercles.meetings.models import Meeting
from cercles.people.models import User

FIRST_BEFORE_DEFAULT = 2 * 24 * 60  # two days, in minutes
SECOND_BEFORE_DEFAULT = 60  # one hour


class ReminderSettings(models.Model):
    """When a circle's reminders leave, set by its facilitators, and their word for the next reminder."""

    circle = models.OneToOneField(Circle, on_delete=models.CASCADE, related_name="reminder_settings")
    # Minutes before the meeting; 0 turns that reminder off.
    first_before = models.PositiveIntegerField(_("premier rappel (minutes avant)"), default=FIRST_BEFORE_DEFAULT)
    second_before = models.PositiveIntegerField(_("second rappel (minutes avant)"), default=SECOND_BEFORE_DEFAULT)
    word = models.TextField(_("un mot pour le prochain rappel"), blank=True)
    word_meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("réglage des rappels")
        verbose_name_plural = _("réglages des rappels")

    def __str__(self) -> str:
        return str(self.circle)

    @property
    def offsets(self) -> list[int]:
        return sorted({minutes for minutes in (self.first_before, self.second_before) if minutes > 0}, reverse=True)


class ReminderOptOut(models.Model):
    """A person who turned reminders off: for one circle, or everywhere (``circle`` empty)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_opt_outs")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("rappels désactivés")
        verbose_name_plural = _("rappels désactivés")
        constraints = [
            models.UniqueConstraint(fields=["user", "circle"], name="reminder_opt_out_once"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(circle__isnull=True), name="reminder_opt_out_everywhere_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.circle or '*'}"
