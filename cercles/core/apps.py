from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cercles.core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from cercles.core import checks  # noqa: F401  (registers the system checks)
        from cercles.core.sitemap import SitePage, register_page

        register_page(SitePage("coordination", _("Pages de coordination"), "admin:index", rule="programme.administer"))
        register_page(
            SitePage("coordination", _("Identité du programme"), "identity_edit", rule="programme.administer")
        )
        register_page(SitePage("informations", _("Mentions légales"), "legal_notice", order=10))
        register_page(SitePage("informations", _("Déclaration d'accessibilité"), "accessibility", order=30))
        register_page(SitePage("informations", _("Plan du site"), "site_map", order=40))
