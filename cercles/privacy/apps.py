from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "cercles.privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        # The declarations of the apps below this one (people, the outbox, allauth, the admin's log);
        # apps above declare their own models from their ready().
        from cercles.privacy import declarations, emails, jobs  # noqa: F401
