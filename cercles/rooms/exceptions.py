"""Domain errors of the rooms; the messages are the French sentences people see (tests import them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import ConcurrentEditError, DomainError, DomainNotFound, FieldError

# --- writing and client turns ----------------------------------------------------------------------

ROOM_NOT_OPEN = _("La salle de cette séance n'est pas encore ouverte.")
MEETING_NOT_FOUND = _("Cette séance n'existe pas.")
NO_SUCH_SLOT = _("Cet espace d'écriture n'existe pas dans cette étape de la séance.")
STEP_NOT_REACHED = _("La séance n'est pas encore arrivée à cette étape : vous pourrez y écrire le moment venu.")
WRITING_CLOSED = _("La séance est terminée depuis plus d'un jour : ses écrits ne se modifient plus.")
NOT_A_WRITER = _("Dans cette étape, cet espace est réservé à un autre rôle que le vôtre.")
TEXT_TOO_LONG = _("Votre texte dépasse {max} caractères ({count} actuellement). Raccourcissez-le pour l'enregistrer.")
WRITTEN_MEANWHILE = _(
    "Ce texte a été modifié depuis un autre onglet ou appareil. Votre version n'a pas été enregistrée : "
    "le texte enregistré est affiché à côté du vôtre ; reprenez ce que vous voulez garder, puis enregistrez."
)
NOTHING_TO_SHARE = _("Vous n'avez encore rien écrit ici.")
ALREADY_VISIBLE = _("Ce texte est déjà visible par le cercle.")
NOT_PUBLISHABLE = _("Ce texte n'est pas destiné à être publié.")
SHARE_WHAT_UNKNOWN = _("Choisissez de partager avec le cercle ou d'accepter la publication.")
NO_COMMITMENTS_HERE = _("Cet espace ne reçoit pas d'engagements.")
TOO_MANY_COMMITMENTS = _("Un plan d'action compte au plus {max} engagements.")
COMMITMENT_TOO_LONG = _("L'engagement n° {number} dépasse {max} caractères.")
COMMITMENT_WITHOUT_TEXT = _("L'engagement n° {number} a une échéance mais pas de texte.")
COMMITMENT_BAD_DATE = _("L'échéance de l'engagement n° {number} n'est pas une date valide (jour/mois/année).")
COMMITMENT_DATE_BEFORE = _("L'échéance de l'engagement n° {number} est avant la séance ({date}).")
COMMITMENT_DATE_TOO_FAR = _(
    "L'échéance de l'engagement n° {number} est à plus de deux ans : choisissez une date plus proche."
)
BAD_STEP = _("Cette étape n'existe pas.")

NOT_A_CODEVELOPPEMENT = _("Les tours de client·e ne concernent que les cercles de codéveloppement.")
MEETING_CANCELLED = _("Cette séance a été annulée.")
MEETING_OVER = _("Cette séance est terminée : son ou sa client·e ne change plus.")
CLIENT_NOT_MEMBER = _("Cette personne n'est pas membre actif·ve de ce cercle : choisissez un·e autre membre.")
CLIENT_IS_FACILITATOR = _("L'animation n'est pas client·e : choisissez un·e membre du cercle.")
CLIENT_TWICE = _("La même personne ne peut pas être deux fois client·e de la même séance.")
CLIENT_COUNT = _("Une séance a un·e ou deux client·es.")
CLIENT_UNKNOWN = _("Choisissez une personne dans la liste.")
SWAP_SAME_MEETING = _("Choisissez une autre séance que celle-ci pour l'échange.")
SWAP_OTHER_CIRCLE = _("Les deux séances doivent être du même cercle.")
SWAP_NEEDS_CLIENTS = _("Les deux séances doivent déjà avoir leur client·e pour échanger les tours.")
SWAP_PAST = _("On n'échange que les tours de séances à venir.")
SUBJECT_TOO_LONG = _("Votre sujet dépasse {max} caractères.")
SUBJECT_EDITED_MEANWHILE = _(
    "Votre sujet a été modifié depuis un autre onglet ou appareil. Votre version n'a pas été enregistrée : "
    "le sujet enregistré est affiché au-dessus du vôtre ; reprenez ce que vous voulez garder, puis enregistrez."
)
NOT_THE_CLIENT = _("Seul·e le ou la client·e de la séance prépare son sujet.")


class MeetingNotFound(DomainNotFound):
    def __init__(self) -> None:
        super().__init__(MEETING_NOT_FOUND)


class RoomNotOpen(DomainNotFound):
    def __init__(self) -> None:
        super().__init__(ROOM_NOT_OPEN)


class WritingError(DomainError):
    """Something written in the room is refused; ``code`` tells scripts why (JSON replies)."""

    def __init__(self, message: str | Promise, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


class WritingNotAllowed(WritingError):
    status_code = 403


class ArtefactConflict(ConcurrentEditError):
    """A draft saved on an older version: nothing was written; the stored text comes back to merge."""

    def __init__(self, *, text: str, version: int, commitments: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(WRITTEN_MEANWHILE)
        self.code = "stale_version"
        self.text = text
        self.version = version
        self.commitments = list(commitments)


class ClientTurnError(FieldError):
    """A choice of client refused; ``field`` names the form field at fault (None: the form)."""


class SubjectConflict(ClientTurnError):
    """The subject was saved from elsewhere since the page was opened: nothing written, both shown."""

    status_code = 409

    def __init__(self, *, stored: str) -> None:
        super().__init__(SUBJECT_EDITED_MEANWHILE, field="subject")
        self.stored = stored
