from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "cercles.rooms"
    verbose_name = _("Salles de séance")

    def ready(self) -> None:
        from cercles.circles.hooks import on_membership_changed
        from cercles.rooms import emails, personal_data  # noqa: F401  (the client's e-mail, what rooms hold about people)
        from cercles.rooms.services import room_membership_changed

        on_membership_changed(room_membership_changed)
