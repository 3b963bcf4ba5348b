from django.apps import AppConfig


class FormationConfig(AppConfig):
    name = "cercles.formation"
    verbose_name = "Formation des groupes"

    def ready(self) -> None:
        # Registers the formation's message kinds, the periodic job that frees unclaimed seats and the demo call.
        from cercles.formation import demo, emails, jobs  # noqa: F401
