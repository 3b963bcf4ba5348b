from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "cercles.rooms"
    verbose_name = _("Salles de séance")

    def ready(self) -> None:
        from cercles.rooms import personal_data  # noqa: F401  (what rooms hold about people)
