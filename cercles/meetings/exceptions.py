"""Domain errors of meetings; the messages are the French sentences people see (tests import them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import ConcurrentEditError, DomainNotFound, FieldError

RHYTHM_PRODUCES_NOTHING = _("Ce rythme ne donne aucune séance : vérifiez la date de début et le nombre de séances.")
TOO_MANY_MEETINGS = _("Un cycle compte au plus {max} séances. Réduisez le nombre de séances.")
NO_FIFTH_WEEKDAY = _(
    "Le {date} est le 5e de son jour de la semaine dans le mois, ce qui n'existe pas tous les mois. "
    "Choisissez « le dernier … du mois » ou une autre date."
)
DATE_IN_THE_PAST = _("La séance du {date} serait dans le passé. Choisissez une date à venir.")
NONEXISTENT_TIME = _(
    "Le {date} à {time} n'existe pas à Paris : les horloges passent à l'heure d'été cette nuit-là. "
    "Proposition : {suggestion}."
)
AMBIGUOUS_TIME = _(
    "Le {date}, {time} arrive deux fois à Paris (passage à l'heure d'hiver). "
    "Précisez laquelle dans « Heure en cas de changement d'heure »."
)
DUPLICATE_DATE = _("La date du {date} figure deux fois dans la liste.")
INVALID_DATE = _("« {value} » n'est pas une date valide (jour/mois/année, par exemple 14/01/2027).")
NO_DATES = _("Indiquez au moins une date, une par ligne.")
PLACE_REQUIRED = _("Indiquez le lieu des séances en présentiel ou hybrides.")
MEETING_CANCELLED = _("Cette séance a été annulée.")
MEETING_PAST = _("Cette séance est passée : elle ne peut plus être modifiée.")
MEETING_EDITED_MEANWHILE = _(
    "Quelqu'un a modifié cette séance pendant que vous la modifiiez. Vos changements sont conservés "
    "ci-dessous : vérifiez-les, puis enregistrez à nouveau."
)
CIRCLE_CLOSED_DOWN = _("Ce cercle est annulé ou archivé : ses séances ne changent plus.")
POLL_NO_SLOT = _("Proposez au moins un créneau.")
POLL_CLOSED = _("Cette recherche de créneau est close.")
POLL_SLOT_UNKNOWN = _("Ce créneau ne fait pas partie de la recherche.")
RSVP_ANSWER_UNKNOWN = _("Choisissez « je viens » ou « je ne viens pas ».")
RSVP_TOO_LATE = _("Cette séance est passée.")
ATTENDANCE_TOO_EARLY = _("Les présences se saisissent une fois la séance commencée.")
TIMEZONE_UNKNOWN = _("Ce fuseau horaire est inconnu.")
FEED_NOT_FOUND = _("Ce lien d'agenda n'est pas valide ou a été renouvelé.")
ATTESTATION_NOTHING = _("Aucune présence n'est enregistrée pour vous dans ce cercle.")


class MeetingError(FieldError):
    """Bad input for a meeting or a cycle; ``field`` names the form field at fault (None: the form)."""


class MeetingEditConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(MEETING_EDITED_MEANWHILE)


class FeedNotFound(DomainNotFound):
    def __init__(self) -> None:
        super().__init__(FEED_NOT_FOUND)
