from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MethodsConfig(AppConfig):
    name = "cercles.methods"
    verbose_name = "Méthodes"

    def ready(self) -> None:
        from cercles.core.sitemap import SitePage, register_page

        register_page(SitePage("decouvrir", _("Les méthodes des cercles"), "methods:list", order=30))
