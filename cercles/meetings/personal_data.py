"""What the meetings hold about a person, for the privacy app's export and erasure (cercles.privacy.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.meetings.models import Attendance, CalendarSettings, Poll, Rsvp, SlotAnswer
from cercles.privacy.registry import Erase, personal_data

personal_data(
    Rsvp,
    label=_("Réponses aux séances"),
    person_fields=("user",),
    export_fields=("meeting__circle__title", "meeting__starts_at", "answer", "answered_at"),
)
personal_data(
    Attendance,
    label=_("Présences aux séances"),
    person_fields=("user", "recorded_by"),
    export_fields=("meeting__circle__title", "meeting__starts_at", "status", "recorded_at"),
    erase=Erase.KEEP_BY_ID,
    note="How many came counts in the programme's figures: rows stay, linked to the tombstone, no text.",
)
personal_data(
    CalendarSettings,
    label=_("Réglages d'agenda"),
    person_fields=("user",),
    export_fields=("second_timezone",),
)
personal_data(
    Poll,
    label=_("Sondages de date lancés"),
    person_fields=("created_by",),
    export_fields=("circle__title", "created_at", "closed_at"),
    erase=Erase.KEEP_BY_ID,
    note="A poll belongs to its circle: the creator stays as an id (personne supprimée).",
)
personal_data(
    SlotAnswer,
    label=_("Disponibilités données"),
    person_fields=("user",),
    export_fields=("slot__poll__circle__title", "slot__starts_at", "answer"),
)
