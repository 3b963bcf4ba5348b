from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cercles.audit"
    verbose_name = "Journal"

    def ready(self) -> None:
        from cercles.audit import jobs  # noqa: F401  (registers the retention purge with the scheduler)
