from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "cercles.people"
    verbose_name = "Personnes et organisations"
