from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cercles.core"
    verbose_name = "Socle"

    def ready(self) -> None:
        from cercles.core import checks  # noqa: F401  (registers the system checks)
