from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "cercles.circles"
    verbose_name = "Cercles"
