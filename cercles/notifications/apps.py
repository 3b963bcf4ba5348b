from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cercles.notifications"
    verbose_name = "Notifications"
