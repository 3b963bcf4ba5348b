from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "cercles.circles"
    verbose_name = "Cercles"

    def ready(self) -> None:
        from cercles.circles import (
            emails,  # noqa: F401  (registers the circles' message kinds)
            personal_data,  # noqa: F401  (declares what circles hold about people)
        )
        from cercles.core.sitemap import SitePage, register_page

        register_page(SitePage("decouvrir", _("Accueil : les cercles par besoin"), "circles:home", order=10))
        register_page(SitePage("decouvrir", _("Tous les cercles"), "circles:catalogue", order=20))
        register_page(SitePage("mon_espace", _("Mes cercles"), "circles:my_circles", audience="signed_in", order=10))
        register_page(
            SitePage("coordination", _("Le programme en chiffres"), "circles:figures", rule="programme.view_figures")
        )
