"""The coordination page "Journal des actions": read-only, filterable by action, date, person, actor, circle.

Names are looked up from the ids for the rows shown, in one query (an erased person's id shows
"personne supprimée"); circles are shown by their id, linked to their page (this app sits below circles).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cercles.audit.models import AuditAction, AuditEvent
from cercles.core.admin import ReadOnlyAdmin


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in AuditAction.choices]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(action=self.value()) if self.value() else queryset


class _NamedChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        ids = {i for event in self.result_list for i in (event.actor_id, event.person_id) if i is not None}
        people = get_user_model().objects.in_bulk(ids)
        for event in self.result_list:
            event.actor_name = _name(people, event.actor_id)
            event.person_name = _name(people, event.person_id)


def _name(people: dict[Any, Any], person_id: int | None) -> str:
    if person_id is None:
        return "—"
    person = people.get(person_id)
    return str(person) if person is not None else str(_("personne supprimée"))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    administer = "audit.view"
    list_display = ["at", "actor", "what", "person", "circle", "object", "changed_fields", "count"]
    list_filter = [ActionFilter, "object_kind"]
    date_hierarchy = "at"
    # ?person_id=…, ?actor_id=…, ?circle_id=… filter too (links from a person's page).
    list_per_page = 50

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup in {"person_id", "actor_id", "circle_id"} or super().lookup_allowed(lookup, value, request)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _NamedChangeList

    @admin.display(description=_("action"), ordering="action")
    def what(self, event: AuditEvent) -> str:
        return event.action_label

    @admin.display(description=_("par"))
    def actor(self, event: AuditEvent) -> str:
        return getattr(event, "actor_name", "")

    @admin.display(description=_("personne concernée"))
    def person(self, event: AuditEvent) -> str:
        return getattr(event, "person_name", "")

    @admin.display(description=_("cercle"))
    def circle(self, event: AuditEvent) -> str:
        if event.circle_id is None:
            return "—"
        url = reverse("admin:circles_circle_change", args=[event.circle_id])
        return format_html('<a href="{}">{} {}</a>', url, _("cercle n°"), event.circle_id)

    @admin.display(description=_("objet"))
    def object(self, event: AuditEvent) -> str:
        if not event.object_kind:
            return "—"
        # A row about several objects of a kind (a cycle's meetings) names the kind and says how many.
        return event.object_kind if event.object_id is None else f"{event.object_kind} {event.object_id}"

    @admin.display(description=_("champs modifiés"))
    def changed_fields(self, event: AuditEvent) -> str:
        return ", ".join(event.changes) or "—"
