from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MethodsConfig(AppConfig):
    name = "cercles.methods"
    verbose_name = "Méthodes"

    def ready(self) -> None:
        from cercles.core.sitemap import SitePage, register_page
        from cercles.methods import personal_data  # noqa: F401  (what methods hold about people)

        register_page(SitePage("decouvrir", _("Les méthodes des cercles"), "methods:list", order=30))
