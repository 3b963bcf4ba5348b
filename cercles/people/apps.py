from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "cercles.people"
    verbose_name = "Personnes et organisations"

    def ready(self) -> None:
        from cercles.core.sitemap import SitePage, register_page

        register_page(SitePage("mon_espace", _("Mon profil"), "people:profile_edit", audience="signed_in", order=50))
        register_page(SitePage("mon_espace", _("Se connecter"), "account_login", audience="anonymous", order=10))
        register_page(SitePage("mon_espace", _("Créer un compte"), "account_signup", audience="anonymous", order=20))
        register_page(SitePage("informations", _("Vos données personnelles"), "people:privacy", order=20))
