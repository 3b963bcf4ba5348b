from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "cercles.rooms"
    verbose_name = _("Salles de séance")

    def ready(self) -> None:
        from cercles.rooms import (  # noqa: F401  (what rooms hold about people; the client's e-mail)
            emails,
            personal_data,
        )
