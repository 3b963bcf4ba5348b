"""Why a reminder action is refused, each with its French message for the page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import DomainError


class ReminderError(DomainError):
    pass


class ReminderSettingsConflict(ReminderError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Ces réglages ont été modifiés entre-temps par une autre personne. "
                "Vérifiez-les puis enregistrez à nouveau."
            )
        )


LINK_INVALID = _("Ce lien n'est pas valide (il a peut-être été tronqué ou modifié). Rien n'a été changé.")
LINK_EXPIRED = _("Ce lien a expiré : la séance a commencé ou a été annulée. Rien n'a été changé.")
LINK_ALREADY_USED = _("Cette réponse était déjà enregistrée. Rien n'a été changé.")
LINK_NOT_YOURS = _(
    "Ce lien a été envoyé à une autre personne. Déconnectez-vous ou utilisez le lien de votre propre e-mail. "
    "Rien n'a été changé."
)
RSVP_NOT_POSSIBLE = _("Vous ne pouvez plus répondre pour cette séance. Rien n'a été changé.")
ALREADY_OFF = _("Vos rappels étaient déjà désactivés. Rien n'a été changé.")
OFFSET_INVALID = _("Choisissez un délai entre 0 (aucun rappel) et 14 jours avant la séance.")
MESSAGE_EMPTY = _("Écrivez un objet et un message.")
NOBODY_TO_WRITE_TO = _("Ce cercle n'a pas d'autre membre actif à qui écrire.")
NOT_YOUR_CIRCLE = _("Vous ne faites pas partie de ce cercle : ses rappels ne vous concernent pas. Rien n'a été changé.")
