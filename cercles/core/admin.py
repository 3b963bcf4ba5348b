"""What every page of the coordination (the Django admin) shares: the policy decides, services write.

* :class:`PolicyAdmin` answers every permission hook with the policy (``programme.administer``),
  never with ``is_staff`` nor the model permissions Django would grant a superuser; and nobody
  hard-deletes from the coordination pages (circles are cancelled or archived, people will be erased
  by the erasure service), so delete is offered to no one.
* :class:`ServiceFormAdmin` lets ``save_model`` call a service: when the service refuses (a domain
  error, a validation error raised under the row lock), the same POST is shown again with the
  message on the form and everything that was typed, instead of an error page.
* The task backend's pages (django-tasks-db) are registered again, read-only and in French.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from cercles.core.exceptions import DomainError
from cercles.core.policy import allows


class PolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Coordinators see and change; nobody deletes. Subclasses narrow further, never widen."""

    administer = "programme.administer"

    def _administers(self, request: HttpRequest) -> bool:
        return allows(request.user, self.administer)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._administers(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._administers(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._administers(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._administers(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """Related rows shown to coordinators, never changed from here (their services live elsewhere)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return allows(request.user, "programme.administer")


class ServiceFormAdmin(PolicyAdmin):
    """``save_model`` calls a service; a refusal comes back on the form (see the module docstring)."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as error:
            if request.method != "POST":
                raise
            # The admin's transaction has rolled back; validate the same POST again, failing this time
            # with the service's message (get_form), so that nothing typed is lost.
            request._service_error = error  # type: ignore[attr-defined]
            self.before_showing_service_error(request, error, object_id)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def before_showing_service_error(self, request: HttpRequest, error: Exception, object_id: str | None) -> None:
        """A hook to adjust the POST before it is shown again (e.g. the version an edit lock expects)."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        # By keyword: Django's UserAdmin.get_form takes no ``change`` argument.
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_service_error", None)
        if error is None:
            return form_class
        return _failing_with(form_class, error)


def _failing_with(form_class: Any, error: Exception) -> Any:
    class Failing(form_class):  # type: ignore[misc,valid-type]
        def clean(self) -> Any:
            cleaned = super().clean()
            if isinstance(error, ValidationError):
                self.add_error(None, error)
            else:
                field = getattr(error, "field", None)
                message = str(getattr(error, "message", error))
                self.add_error(field if field in self.fields else None, message)
            return cleaned

    Failing.__name__ = form_class.__name__
    return Failing


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """The background tasks (e-mails sent after a change), read-only, in French.

    The package's verbose names are English: its model's field names are translated by the French
    catalogue of this project (locale/fr), and the columns it names itself are named again here.
    """

    list_display = ("task_name", "status", "enqueued_at", "finished_at", "queue_name")  # type: ignore[assignment]
    list_filter = ("status", "queue_name")  # type: ignore[assignment]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return allows(request.user, "programme.administer")

    def has_view_permission(self, request: HttpRequest, obj: DBTaskResult | None = None) -> bool:
        return allows(request.user, "programme.administer")

    @admin.display(description=_("erreur"))
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("à exécuter après"))
    def display_run_after(self, obj: DBTaskResult) -> datetime | str:
        return super().display_run_after(obj)

    @admin.display(description=_("tâche"))
    def task_name(self, obj: DBTaskResult) -> str:
        return str(obj.task_name)


class ReadOnlyAdmin(PolicyAdmin):
    """A list to look at: rows change through the services (site pages, actions), never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The role groups carry the policy's roles: only technical administration changes them, and the two
# the policy names cannot be deleted (the roles would silently vanish with them).
ROLE_GROUPS = ("Coordination", "Observation")
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    def _manages_rights(self, request: HttpRequest) -> bool:
        return allows(request.user, "programme.manage_rights")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._manages_rights(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages_rights(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._manages_rights(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages_rights(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.name in ROLE_GROUPS:
            return False
        return self._manages_rights(request)
