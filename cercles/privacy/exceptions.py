from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import FieldError

ALREADY_ERASED = _("Les données de ce compte ont déjà été effacées.")
ERASE_CONFIRMATION_REQUIRED = _("Cochez la case pour confirmer la suppression de votre compte.")
STAFF_ERASED_BY_SUPERUSER = _(
    "Le compte d'un membre de l'équipe du programme ne peut être supprimé que par l'administration technique."
)


class PrivacyError(FieldError):
    """A consent, export or erasure request refused (``field``: the form field at fault)."""
