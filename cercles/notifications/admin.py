"""Coordination page "Messages en échec": who, what kind, why, when — never what the message said."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cercles.core.admin import ReadOnlyAdmin
from cercles.core.policy import allows
from cercles.notifications.models import FailedMessage
from cercles.notifications.selectors import failed_message_list
from cercles.notifications.services import message_retry


@admin.register(FailedMessage)
class FailedMessageAdmin(ReadOnlyAdmin):
    # No payload, no body: the page shows metadata only.
    list_display = ["address", "kind", "last_error", "attempts", "created_at", "failed_at", "expires_at"]
    list_filter = ["kind", "lane"]
    search_fields = ["address", "kind"]
    fields = (
        *("message_id", "recipient", "address", "kind", "lane", "about", "attempts", "last_error"),
        *("created_at", "due_at", "failed_at", "expires_at"),
    )
    readonly_fields = fields
    actions = ["retry"]
    date_hierarchy = "failed_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[FailedMessage]:
        return failed_message_list()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return allows(request.user, "notifications.view_failed")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return allows(request.user, "notifications.retry_failed")

    @admin.action(description=_("Réessayer"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[FailedMessage]) -> None:
        chosen = list(queryset.values_list("pk", flat=True))
        retried = message_retry(message_ids=chosen, retried_by=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            ngettext("%(count)d message renvoyé dans la file.", "%(count)d messages renvoyés dans la file.", retried)
            % {"count": retried},
            messages.SUCCESS,
        )
        if retried < len(chosen):
            self.message_user(
                request, _("Les messages expirés (codes de connexion, liens) ne sont pas renvoyés."), messages.WARNING
            )
