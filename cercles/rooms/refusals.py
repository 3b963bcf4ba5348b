"""Why the room refuses a command: a stable code (for scripts and tests) and a French sentence (for people).

The codes are the reducer's :class:`~cercles.rooms.state.Refusal` values plus the service's own:
``stale_version`` (the command was sent from an older state than the room's), ``bad_command`` (not a
command, or its arguments do not parse), ``not_allowed`` (the policy refuses: not in this circle),
``meeting_cancelled`` (the meeting was cancelled: its room is frozen as it was).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import DomainError
from cercles.rooms.state import Refusal

STALE_VERSION = "stale_version"
BAD_COMMAND = "bad_command"
NOT_ALLOWED = "not_allowed"
NO_SUCH_VARIANT = "no_such_variant"
MEETING_CANCELLED = "meeting_cancelled"

MESSAGES: dict[str, Promise] = {
    Refusal.NOT_FACILITATOR: _("Seule l'animation de la séance peut faire cela."),
    Refusal.NOT_PRESENT: _("Cette personne n'est pas dans la salle."),
    Refusal.NOT_STARTED: _("La séance n'a pas encore commencé."),
    Refusal.ALREADY_STARTED: _("La séance a déjà commencé."),
    Refusal.ENDED: _("La séance est terminée."),
    Refusal.NOT_PAUSED: _("La séance n'est pas en pause."),
    Refusal.ALREADY_PAUSED: _("La séance est déjà en pause."),
    Refusal.NO_SUCH_STEP: _("Cette étape n'existe pas dans le déroulé de la séance."),
    Refusal.FIRST_STEP: _("C'est déjà la première étape."),
    Refusal.LAST_STEP: _("C'est déjà la dernière étape : terminez la séance."),
    Refusal.BAD_MINUTES: _("Le temps ajouté ou retiré doit être entre 1 et 120 minutes."),
    Refusal.NOT_A_ROUND: _("Cette étape n'est pas un tour de parole."),
    Refusal.NOT_IN_ROUND: _("Vous n'êtes pas dans ce tour de parole."),
    Refusal.ALREADY_SPOKEN: _("Vous avez déjà parlé ou passé votre tour."),
    Refusal.NOT_A_PERMUTATION: _("Le nouvel ordre doit reprendre exactement les personnes du tour."),
    Refusal.NOT_FREE: _("On ne lève la main que pendant une étape de parole libre."),
    Refusal.CANNOT_SPEAK: _("Dans cette étape, ce rôle ne prend pas la parole."),
    Refusal.NOT_SPEAKER: _("Seule la personne qui a la parole, ou l'animation, peut la passer."),
    Refusal.NO_SUCH_ROLE: _("Ce rôle n'existe pas dans la méthode."),
    Refusal.TOO_EARLY: _("Le temps de cette étape n'est pas encore écoulé."),
    Refusal.BAD_CONNECTION: _("Connexion à la salle non reconnue."),
    STALE_VERSION: _("La salle a changé entre-temps : voici son état actuel, recommencez si besoin."),
    BAD_COMMAND: _("Cette commande n'est pas comprise par la salle."),
    NOT_ALLOWED: _("Seuls les membres et l'animation de ce cercle entrent dans sa salle."),
    MEETING_CANCELLED: _("Cette séance est annulée : sa salle ne change plus."),
    NO_SUCH_VARIANT: _("Cette variante n'existe pas pour la méthode du cercle, ou la séance a déjà commencé."),
}


def message_for(code: str) -> Promise:
    return MESSAGES.get(code, MESSAGES[BAD_COMMAND])


class RoomRefusal(DomainError):
    """A command the room refuses; ``code`` says why (a reducer refusal or one of the codes above)."""

    status_code = 409

    def __init__(self, code: str) -> None:
        super().__init__(message_for(code))
        self.code = code
        if code in (BAD_COMMAND, NO_SUCH_VARIANT):
            self.status_code = 400
