from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cercles.audit"
    verbose_name = "Journal"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from cercles.audit import jobs  # noqa: F401  (registers the retention purge with the scheduler)
        from cercles.core.sitemap import SitePage, register_page

        register_page(
            SitePage("coordination", _("Journal des actions"), "admin:audit_auditevent_changelist", rule="audit.view")
        )
