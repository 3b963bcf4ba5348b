from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "cercles.privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        # The declarations of the apps below this one (people, the outbox, allauth, the admin's log);
        # apps above declare their own models from their ready().
        from django.utils.translation import gettext_lazy as _

        from cercles.core.sitemap import SitePage, register_page
        from cercles.privacy import declarations, emails, jobs  # noqa: F401

        register_page(SitePage("mon_espace", _("Mes données"), "privacy:my_data", audience="signed_in", order=60))
