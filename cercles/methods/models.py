"""Where protocols live: a kind's method (edited by coordinators) and a circle's adaptations.

A kind whose method was never edited has no row: its method is the shipped document
(``cercles.methods.library``), version 0. The first edit stores the whole document. Documents are
JSON, checked by ``cercles.methods.protocol`` in the services before they are saved.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import Circle, CircleKind
from cercles.people.models import User


class KindMethod(models.Model):
    kind = models.OneToOneField(CircleKind, on_delete=models.CASCADE, related_name="method", verbose_name=_("type"))
    document = models.JSONField(_("méthode"))
    # Optimistic lock: the edit form carries the version it was opened at (0: the shipped method).
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("modifiée par")
    )

    class Meta:
        verbose_name = _("méthode d'un type de cercle")
        verbose_name_plural = _("méthodes des types de cercle")

    def __str__(self) -> str:
        return str(self.kind)


class CircleMethod(models.Model):
    """How one circle runs one variant of its kind's method (phases skipped, repeated, durations)."""

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="method_adaptations", verbose_name=_("cercle")
    )
    protocol_key = models.CharField(_("variante"), max_length=40)
    adaptation = models.JSONField(_("adaptation"))
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("modifiée par")
    )

    class Meta:
        verbose_name = _("adaptation de la méthode")
        verbose_name_plural = _("adaptations de la méthode")
        constraints = [models.UniqueConstraint(fields=["circle", "protocol_key"], name="circlemethod_one_per_variant")]

    def __str__(self) -> str:
        return f"{self.circle} · {self.protocol_key}"
