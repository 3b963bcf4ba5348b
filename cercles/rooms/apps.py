from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "cercles.rooms"
    verbose_name = _("Salles de séance")

    def ready(self) -> None:
        from cercles.circles.hooks import on_membership_changed
        from cercles.rooms import (  # noqa: F401  (system check, the client's e-mail, what rooms hold about people)
            checks,
            emails,
            personal_data,
        )
        from cercles.rooms.services import room_membership_changed

        on_membership_changed(room_membership_changed)
