from django.apps import AppConfig


class FormationConfig(AppConfig):
    name = "cercles.formation"
    verbose_name = "Formation des groupes"

    def ready(self) -> None:
        # Registers the formation's message kinds, the periodic job that frees unclaimed seats and the demo call.
        from cercles.circles.hooks import on_demo_loaded
        from cercles.formation import emails, jobs  # noqa: F401
        from cercles.formation.demo import demo_call_load

        on_demo_loaded(demo_call_load)
