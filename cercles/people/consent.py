"""The text a person accepts before joining circles. Bump the version when the text changes."""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2026-11"

CONSENT_SUMMARY = _(
    "J'accepte que le programme Cercles traite mes données personnelles (nom, e-mail, organisation, "
    "métier, territoire, cercles suivis) pour m'inscrire aux cercles, composer des groupes diversifiés "
    "et m'écrire à propos de mes cercles. Elles sont conservées tant que mon compte est actif, puis "
    "supprimées au plus tard un an après ma dernière activité."
)
