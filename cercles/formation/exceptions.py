"""Domain errors of the formation; the messages are the French sentences users see (tests import them)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cercles.core.exceptions import ConcurrentEditError, DomainError, DomainNotFound, FieldError

CALL_NOT_OPEN = _("Cet appel à candidatures n'est pas encore ouvert.")
CALL_DATES_OUT_OF_ORDER = _("La fin de l'appel doit suivre son ouverture.")
CALL_SIZES_OUT_OF_ORDER = _("La taille maximale d'un groupe doit être au moins égale à la taille minimale.")
CALL_NEEDS_A_SLOT = _("Proposez au moins un créneau de rencontre (par exemple « mardi 9h–12h »).")
SLOT_UNREADABLE = _(
    "Créneau illisible : « {line} ». Écrivez un jour puis des heures, "
    "par exemple « mardi 9h–12h » ou « jeudi 14h30-17h »."
)
ALREADY_APPLIED = _("Vous avez déjà candidaté à cet appel.")
PROFILE_INCOMPLETE = _("Complétez votre profil avant de candidater : il sert à former des groupes variés.")
SLOT_REQUIRED = _("Choisissez au moins un créneau où vous êtes disponible.")
MOTIVATION_REQUIRED = _("Dites en quelques mots ce que vous venez chercher.")
NO_APPLICATION = _("Vous n'avez pas de candidature en cours à cet appel.")
WITHDRAW_CLOSED = _("L'appel est clos : pour renoncer à votre place, écrivez à l'équipe du programme.")
CALL_PUBLISHED = _("Les groupes de cet appel sont déjà publiés.")
RUN_IN_PROGRESS = _("Un calcul est déjà en cours pour cet appel : attendez sa fin ou annulez-le.")
RUN_NOT_FINISHED = _("Ce calcul n'est pas terminé.")
RUN_NOT_PUBLISHABLE = _("Seul un calcul terminé peut être publié (un calcul annulé ou impossible ne l'est pas).")
RUN_BREAKS_CONSTRAINTS = _(
    "La répartition enfreint encore des contraintes (voir la liste en haut de page) : corrigez-la avant de publier."
)
RUN_EDITED_MEANWHILE = _(
    "Quelqu'un a modifié cette répartition pendant que vous la regardiez. La page a été rechargée : "
    "vérifiez la répartition actuelle puis refaites votre modification."
)
EDIT_UNKNOWN_PERSON = _("Cette personne ne fait pas partie de ce calcul.")
EDIT_UNKNOWN_GROUP = _("Ce groupe n'existe pas dans ce calcul.")
REPLAY_IMPOSSIBLE = _("Seul un calcul arrivé à son terme peut être rejoué.")
SEAT_NOT_OFFERED = _("Aucune place ne vous est proposée dans ce cercle, ou le délai pour l'accepter est passé.")
PACT_REQUIRED = _("Pour prendre votre place, acceptez le pacte de confidentialité du cercle.")
MOVE_SAME_CIRCLE = _("Cette personne est déjà dans ce cercle.")
MOVE_TARGET_FULL = _("Ce cercle a déjà le nombre maximal de personnes prévu par l'appel.")
MOVE_NOT_PLACED = _("Cette personne n'a pas de place dans un cercle de l'appel.")
CALL_NOT_PUBLISHED = _("Les groupes de cet appel ne sont pas encore publiés.")
CALL_EDIT_PUBLISHED = _("Les groupes de cet appel sont publiés : l'appel ne peut plus être modifié.")
CALL_EDITED_MEANWHILE = _(
    "Quelqu'un a modifié cet appel pendant que vous le modifiiez. Vos saisies sont conservées ci-dessous : "
    "vérifiez-les puis enregistrez de nouveau."
)
TOO_MANY_QUESTIONS = _("Un appel pose au plus {count} questions.")
QUESTION_LABEL_INVALID = _("Chaque question a besoin d'un intitulé (120 caractères au plus).")
QUESTION_LABEL_REPEATED = _("Deux questions s'intitulent « {label} » : donnez-leur des intitulés différents.")
QUESTION_CHOICES_COUNT = _("La question « {label} » doit proposer de 2 à 12 réponses, une par ligne.")
QUESTION_CHOICE_TOO_LONG = _("La réponse « {choice} » à la question « {label} » dépasse 80 caractères.")
QUESTION_WEIGHT_INVALID = _("Le poids de la question « {label} » va de 0 à 10.")
QUESTIONS_FROZEN = _(
    "Des personnes ont déjà candidaté : les questions ne peuvent plus changer (seul leur poids le peut)."
)
ANSWER_REQUIRED = _("Répondez à la question « {label} ».")
ANSWER_NOT_A_CHOICE = _("Pour la question « {label} », choisissez une des réponses proposées.")


def slot_chosen_message(label: str, count: int) -> str:
    """The refusal to remove a slot that applicants chose, naming how many (their names stay private)."""
    return ngettext(
        "Le créneau « %(slot)s » a été choisi par %(count)d candidature : il ne peut plus être retiré.",
        "Le créneau « %(slot)s » a été choisi par %(count)d candidatures : il ne peut plus être retiré.",
        count,
    ) % {"slot": label, "count": count}


class FormationError(DomainError):
    status_code = 409


class CallNotFound(DomainNotFound):
    def __init__(self) -> None:
        super().__init__(_("Cet appel à candidatures n'existe pas."))


class CallEditError(FieldError):
    """A call's edit refused (``field``: the form field at fault)."""


class CallEditConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(CALL_EDITED_MEANWHILE)


class RunEditConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(RUN_EDITED_MEANWHILE)
