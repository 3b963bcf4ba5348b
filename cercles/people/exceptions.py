from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import FieldError

CONSENT_REQUIRED = _(
    "Pour participer aux cercles, acceptez le traitement de vos données personnelles décrit ci-dessous."
)
ORGANISATION_NAME_REQUIRED = _("Indiquez le nom de votre organisation.")
ORGANISATION_KIND_REQUIRED = _("Indiquez le type de votre organisation.")
EMAIL_TAKEN = _("Un compte existe déjà avec cette adresse e-mail.")
NO_CONSENT_TO_WITHDRAW = _("Vous n'avez pas de consentement en cours à retirer.")
SECOND_FACTOR_REQUIRED = _(
    "Les pages de coordination demandent un second facteur : ajoutez une application d'authentification "
    "(ou une clé de sécurité) à votre compte, puis revenez."
)
MERGE_NEEDS_TWO = _("Choisissez au moins deux organisations à fusionner.")
ORGANISATION_EXISTS = _("Une organisation de ce nom existe déjà dans ce département.")


class ProfileError(FieldError):
    """A profile's edit refused (``field``: the form field at fault)."""
