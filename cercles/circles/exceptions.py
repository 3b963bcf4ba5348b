"""Domain errors of circles; the messages are the French sentences users see (tests import them)."""

from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import ConcurrentEditError, DomainError, DomainPermissionDenied, FieldError

ALREADY_MEMBER = _("Vous faites déjà partie de ce cercle.")
ALREADY_WAITING = _("Vous êtes déjà sur la liste d'attente de ce cercle.")
ALREADY_APPLIED = _("Votre candidature à ce cercle est déjà en attente de réponse.")
ALREADY_REFUSED = _("Votre candidature à ce cercle n'a pas été retenue ; écrivez à l'animation pour en parler.")
PACT_REQUIRED = _("Pour rejoindre ce cercle, acceptez son pacte de confidentialité.")
PROFILE_INCOMPLETE = _("Complétez votre profil avant de rejoindre un cercle.")
CIRCLE_CLOSED = _("Les inscriptions à ce cercle sont fermées.")
DEADLINE_PASSED = _("La date limite d'inscription à ce cercle est passée.")
CIRCLE_FINISHED = _("Ce cercle est terminé.")
CIRCLE_NO_PLACE_LEFT = _("Ce cercle n'a plus de place libre.")
NOT_A_FACILITATOR = _("Cette personne n'anime pas ce cercle.")
NOT_A_MEMBER = _("Vous ne faites pas partie de ce cercle.")
FACILITATOR_CANNOT_JOIN = _("Vous animez déjà ce cercle.")
MANAGEMENT_DENIED = _("Seule l'animation du cercle et l'équipe du programme peuvent faire cela.")
APPLICATION_NOT_PENDING = _("Cette candidature a déjà reçu une réponse.")
CIRCLE_EDITED_MEANWHILE = _(
    "Quelqu'un a modifié ce cercle pendant que vous le modifiiez. Vos changements n'ont pas été enregistrés ; "
    "ils sont conservés ci-dessous. Comparez-les avec la page du cercle, puis enregistrez à nouveau."
)
DATES_OUT_OF_ORDER = _("La date de fin doit suivre la date de début.")
DEADLINE_AFTER_END = _("La date limite d'inscription doit précéder la fin du cercle.")
INVITATION_SENT = _(
    "Invitation envoyée à {email}. La personne apparaîtra dans l'animation du cercle quand elle l'aura acceptée."
)
INVITATION_LINK_INVALID = _(
    "Ce lien d'invitation n'est pas valide : vérifiez qu'il est complet, ou demandez une nouvelle invitation."
)
INVITATION_EXPIRED = _("Cette invitation a expiré. Demandez-en une nouvelle à l'animation du cercle.")
INVITATION_ANSWERED = _("Cette invitation a déjà reçu une réponse.")
INVITATION_WRONG_ACCOUNT = _(
    "Cette invitation a été envoyée à une autre adresse que celle de votre compte. "
    "Connectez-vous avec l'adresse invitée, ou demandez une invitation à votre adresse."
)
INVITATION_NOT_PENDING = _("Cette invitation n'est plus en attente.")
INVITATION_ALREADY_FACILITATOR = _("Vous animez déjà ce cercle.")
CAPACITY_TOO_LOW = _("Le nombre de places doit être d'au moins 1.")
CIRCLE_CANCELLED = _("Ce cercle est annulé.")
CIRCLE_ARCHIVED = _("Ce cercle est archivé.")
ALREADY_CLOSED_DOWN = _("Ce cercle est déjà annulé ou archivé.")
CANCEL_REASON_REQUIRED = _(
    "Dites en quelques mots pourquoi le cercle est annulé : le message est envoyé aux personnes inscrites."
)
KIND_RENAMED_EMPTY = _("Le nom du type de cercle ne peut pas être vide.")


class MembershipError(DomainError):
    status_code = 409


class CircleManagementDenied(DomainPermissionDenied):
    """The policy refuses to let this person run the circle (rule ``circles.manage`` and its kin)."""

    code = "circles.manage"

    def __init__(self) -> None:
        super().__init__(MANAGEMENT_DENIED)


class CircleEditError(FieldError):
    """A circle's edit refused (``field``: the form field at fault)."""


class CircleEditConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(CIRCLE_EDITED_MEANWHILE)


class InvitationError(DomainError):
    """A co-facilitation invitation that cannot be used as asked (tampered, expired, answered…)."""
