"""What the formation holds about a person, for the privacy app's export and erasure (cercles.privacy.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.formation.models import Application, ApplicationAnswer, Call, FormationRun
from cercles.privacy.registry import Erase, personal_data

personal_data(
    Application,
    label=_("Candidatures aux appels"),
    person_fields=("user",),
    export_fields=("call__title", "motivation", "avoid_text", "with_text", "status", "submitted_at", "withdrawn_at"),
)
personal_data(
    ApplicationAnswer,
    label=_("Réponses aux questions des appels"),
    person_fields=("application__user",),
    export_fields=("application__call__title", "question__label", "choice"),
    # Before the applications (whose deletion would take them anyway), so each erasure is explicit.
    stage=40,
)
personal_data(
    Call,
    label=_("Appels à candidatures créés"),
    person_fields=("created_by",),
    erase=Erase.KEEP_BY_ID,
    note="A call belongs to the programme: its author stays as an id (personne supprimée).",
)
personal_data(
    FormationRun,
    label=_("Formations de groupes lancées"),
    person_fields=("started_by",),
    erase=Erase.KEEP_BY_ID,
    note=(
        "A run belongs to its call: who started it stays as an id. Its inputs are application ids with "
        "attributes and answers to the call's questions; once the application is erased, its id points at nobody."
    ),
)
