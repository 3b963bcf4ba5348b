"""What the reminders hold about a person, for the privacy app's export and erasure (cercles.privacy.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.privacy.registry import personal_data
from cercles.reminders.models import ReminderOptOut

personal_data(
    ReminderOptOut,
    label=_("Rappels désactivés"),
    person_fields=("user",),
    export_fields=("circle__title", "created_at"),
)
