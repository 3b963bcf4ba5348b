"""What the methods hold about a person, for the privacy app's export and erasure (cercles.privacy.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.methods.models import CircleMethod, KindMethod
from cercles.privacy.registry import Erase, personal_data

for model, label in (
    (KindMethod, _("Méthodes de types de cercle modifiées")),
    (CircleMethod, _("Méthodes de cercles modifiées")),
):
    personal_data(
        model,
        label=label,
        person_fields=("updated_by",),
        erase=Erase.KEEP_BY_ID,
        note="A method belongs to its kind or circle: who last changed it stays as an id.",
    )
