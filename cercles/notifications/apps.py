from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cercles.notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from cercles.notifications import jobs  # noqa: F401  (registers the sweeper with the scheduler)
