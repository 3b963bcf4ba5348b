"""The task backend's app, named in French in the coordination pages (its own name is English)."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Tâches de fond (envois d'e-mails)")  # type: ignore[assignment]  # lazy, like any
