from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "cercles.circles"
    verbose_name = "Cercles"

    def ready(self) -> None:
        from cercles.circles import (
            emails,  # noqa: F401  (registers the circles' message kinds)
            personal_data,  # noqa: F401  (declares what circles hold about people)
        )
