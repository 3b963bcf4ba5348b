from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "cercles.reminders"
    verbose_name = _("Rappels")

    def ready(self) -> None:
        from cercles.circles.hooks import on_circle_page, on_membership_changed, on_my_circles_page
        from cercles.meetings.hooks import on_meetings_changed
        from cercles.reminders import emails, personal_data  # noqa: F401  (message kinds, personal data)
        from cercles.reminders.services import reminders_for_meetings, reminders_for_membership

        on_meetings_changed(reminders_for_meetings)
        on_membership_changed(reminders_for_membership)
        on_circle_page("reminders/_circle_section.html")
        on_my_circles_page("reminders/_my_reminders_link.html")
