"""What the rooms hold about a person, for the privacy app's export and erasure (cercles.privacy.registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.privacy.registry import ErasureContext, personal_data
from cercles.rooms.models import Artefact, ClientTurn


def _erase_client_turns(context: ErasureContext) -> None:
    # The person's own turns (and the subject they prepared) go; a turn they chose for someone else
    # stays, without them.
    ClientTurn.objects.filter(person=context.person).delete()
    ClientTurn.objects.filter(chosen_by=context.person).update(chosen_by=None)


personal_data(
    Artefact,
    label=_("Écrits en séance"),
    person_fields=("author",),
    export_fields=("room__meeting__circle__title", "room__meeting__starts_at", "phase_key", "slot_key", "text"),
    note="What a person wrote is theirs: erased with them; what others wrote is untouched.",
)
personal_data(
    ClientTurn,
    label=_("Tours de client en codéveloppement"),
    person_fields=("person", "chosen_by"),
    export_fields=("meeting__circle__title", "meeting__starts_at", "position", "subject"),
    erase=_erase_client_turns,
    note="The person's turns are deleted; turns they chose for others keep no link to them.",
)
