"""The coordination pages of circles: every save goes through the services, nothing is hard-deleted.

Saving a circle calls ``circle_create`` / ``circle_update`` (same validation, same waiting-list
promotion and e-mails, the edit-version check under the row lock); a circle is cancelled or archived
(``circle_cancel`` / ``circle_archive``), never deleted; a kind is saved by ``kind_create`` /
``kind_update`` (a new name refreshes its circles' search text). Memberships are read-only here:
joining, leaving and deciding go through the circle pages. See docs/coordination.md.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cercles.circles import exports, selectors, services
from cercles.circles.exceptions import CANCEL_REASON_REQUIRED, CircleEditConflict, CircleEditError
from cercles.circles.models import Circle, CircleKind, CircleStatus, Membership
from cercles.core.admin import PolicyAdmin, ReadOnlyInline, ServiceFormAdmin
from cercles.core.policy import require


@admin.register(CircleKind)
class CircleKindAdmin(ServiceFormAdmin):
    list_display = ["name", "need", "min_size", "max_size", "default_rhythm", "position"]
    list_filter = ["need"]
    prepopulated_fields = {"slug": ["name"]}
    fields = list(services.KindFields.__dataclass_fields__)

    def save_model(self, request: HttpRequest, obj: CircleKind, form: Any, change: bool) -> None:
        fields = services.KindFields(
            **{name: form.cleaned_data[name] for name in services.KindFields.__dataclass_fields__}
        )
        if change:
            saved = services.kind_update(kind_id=obj.pk, updated_by=request.user, fields=fields)  # type: ignore[arg-type]
        else:
            saved = services.kind_create(created_by=request.user, fields=fields)  # type: ignore[arg-type]
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related is edited here: the service saved everything."""


class MembershipInline(ReadOnlyInline):
    """Who is in the circle, read-only: joining, leaving and promotion go through the services
    (site pages), which keep the waiting list, the lock and the e-mails right."""

    model = Membership
    fields = ("user", "role", "status", "requested_at", "joined_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


class CircleAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The circle form; it carries the version it was opened at, which ``circle_update`` checks under the lock."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Circle
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin's fieldsets decide which fields show

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.version


class StatusFilter(admin.SimpleListFilter):
    """The derived status (selectors.with_status), the same one the catalogue shows."""

    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(CircleStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Circle]) -> QuerySet[Circle]:
        if self.value() in CircleStatus.values:
            return queryset.filter(status=self.value())  # type: ignore[misc]  # annotated by with_status
        return queryset


class FacilitationFilter(admin.SimpleListFilter):
    """Circles nobody facilitates any more: the programme team has to find someone."""

    title = _("animation")
    parameter_name = "animation"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("a_pourvoir", _("Animation à pourvoir")), ("pourvue", _("Animation pourvue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Circle]) -> QuerySet[Circle]:
        if self.value() == "a_pourvoir":
            return queryset.filter(facilitator_count=0)  # type: ignore[misc]  # annotated by with_status
        if self.value() == "pourvue":
            return queryset.filter(facilitator_count__gt=0)  # type: ignore[misc]
        return queryset


@admin.register(Circle)
class CircleAdmin(ServiceFormAdmin):
    form = CircleAdminForm
    # Few, short columns: the list fits a 1280 px screen without scrolling sideways.
    list_display = ["title", "kind", "start_date", "places", "facilitation", "status_label"]
    list_filter = [
        StatusFilter,
        FacilitationFilter,
        ("kind__need", admin.ChoicesFieldListFilter),
        "kind",
        ("departement__region", admin.RelatedOnlyFieldListFilter),
        ("departement", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "search_text"]
    date_hierarchy = "start_date"
    inlines = [MembershipInline]
    readonly_fields = ["status_label", "cancelled_at", "archived_at", "closing_reason", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("title", "kind", "description", "opened_version")}),
        (
            _("Rencontres"),
            {
                "fields": (
                    "meeting_format",
                    "place",
                    "departement",
                    ("start_date", "end_date"),
                    ("meeting_count", "rhythm", "meeting_duration_minutes"),
                )
            },
        ),
        (_("Inscriptions"), {"fields": ("join_deadline", "capacity", "is_open", "approval_mode", "pact")}),
        (
            _("Suivi"),
            {"fields": ("status_label", "cancelled_at", "archived_at", "closing_reason", "created_at", "updated_at")},
        ),
    )
    actions = ["export_csv", "export_ods", "archive_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Circle]:
        return selectors.with_status(super().get_queryset(request)).select_related("kind")

    @admin.display(description=_("inscrits / places"))
    def places(self, circle: Circle) -> str:
        return f"{circle.participant_count} / {circle.capacity}"  # type: ignore[attr-defined]

    @admin.display(description=_("animation"))
    def facilitation(self, circle: Circle) -> str:
        count = circle.facilitator_count  # type: ignore[attr-defined]
        return str(count) if count else gettext("à pourvoir")

    @admin.display(description=_("statut"))
    def status_label(self, circle: Circle) -> str:
        status = getattr(circle, "status", None)
        return str(CircleStatus(status).label) if status else ""

    # Saving: through the services only.

    def save_model(self, request: HttpRequest, obj: Circle, form: Any, change: bool) -> None:
        if change:
            changes = services.CircleChanges(
                **{name: getattr(obj, name) for name in services.CircleChanges.__dataclass_fields__}
            )
            # A POST without the version it was opened at cannot prove it saw the latest edit.
            opened = form.cleaned_data.get("opened_version")
            saved = services.circle_update(
                circle_id=obj.pk,
                editor=request.user,  # type: ignore[arg-type]
                version=opened if opened is not None else -1,
                changes=changes,
            )
        else:
            saved = services.circle_create(
                kind=obj.kind,
                title=obj.title,
                description=obj.description,
                meeting_format=obj.meeting_format,
                place=obj.place,
                departement=obj.departement,
                start_date=obj.start_date,
                end_date=obj.end_date,
                join_deadline=obj.join_deadline,
                capacity=obj.capacity,
                approval_mode=obj.approval_mode,
                is_open=obj.is_open,
                meeting_count=obj.meeting_count,
                rhythm=obj.rhythm,
                meeting_duration_minutes=obj.meeting_duration_minutes,
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Memberships are read-only here and the circle has no other relation: nothing to save."""
        for formset in formsets:
            # Without writing (commit=False), so that the admin's history can say nothing changed there.
            formset.save(commit=False)

    def before_showing_service_error(self, request: HttpRequest, error: Exception, object_id: str | None) -> None:
        if isinstance(error, CircleEditConflict) and object_id:
            # Shown again against the version now saved, so that saving again, knowingly, passes.
            current = Circle.objects.filter(pk=object_id).values_list("version", flat=True).first()
            data = request.POST.copy()
            data["opened_version"] = str(current)
            request.POST = data  # type: ignore[assignment]

    # Cancel, archive, export: pages and actions of their own.

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:circle_id>/annuler/", self.admin_site.admin_view(self.cancel_view), name="circles_circle_cancel"
            ),
            path(
                "<int:circle_id>/archiver/",
                self.admin_site.admin_view(self.archive_view),
                name="circles_circle_archive",
            ),
            path(
                "<int:circle_id>/participants.<str:file_format>",
                self.admin_site.admin_view(self.export_view),
                name="circles_circle_export",
            ),
        ]
        return own + super().get_urls()

    def cancel_view(self, request: HttpRequest, circle_id: int) -> HttpResponse:
        def cancel(circle: Circle, reason: str) -> None:
            services.circle_cancel(circle_id=circle.pk, cancelled_by=request.user, reason=reason)  # type: ignore[arg-type]

        title, done = _("Annuler le cercle « %s »"), _("Le cercle est annulé.")
        return self._close_down_view(request, circle_id, "cancel", cancel, title=title, done=done)

    def archive_view(self, request: HttpRequest, circle_id: int) -> HttpResponse:
        def archive(circle: Circle, reason: str) -> None:
            services.circle_archive(circle_id=circle.pk, archived_by=request.user, reason=reason)  # type: ignore[arg-type]

        title, done = _("Archiver le cercle « %s »"), _("Le cercle est archivé.")
        return self._close_down_view(request, circle_id, "archive", archive, title=title, done=done)

    def _close_down_view(
        self, request: HttpRequest, circle_id: int, action: str, close_down: Any, *, title: Any, done: Any
    ) -> HttpResponse:
        """The confirmation page of a cancel or an archive (a message for everyone concerned), then the service."""
        circle = get_object_or_404(Circle, pk=circle_id)
        require(request.user, f"circles.{action}", circle)
        form = CloseDownForm(request.POST or None, reason_required=action == "cancel")
        if request.method == "POST" and form.is_valid():
            try:
                close_down(circle, form.cleaned_data["reason"])
            except CircleEditError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                told = gettext("Les personnes inscrites sont prévenues par e-mail.")
                self.message_user(request, f"{done} {told}")
                return HttpResponseRedirect(reverse("admin:circles_circle_change", args=[circle.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "circle": circle,
            "form": form,
            "action": action,
            "title": str(title) % circle.title,
        }
        return TemplateResponse(request, "admin/circles/circle/close_down.html", context)

    def export_view(self, request: HttpRequest, circle_id: int, file_format: str) -> HttpResponse:
        circle = get_object_or_404(Circle, pk=circle_id)
        return self._export(request, [circle.pk], file_format, name=circle.title)

    @admin.action(description=_("Exporter les participants (CSV)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Circle]) -> HttpResponse:
        return self._export(request, list(queryset.values_list("pk", flat=True)), "csv", name=gettext("cercles"))

    @admin.action(description=_("Exporter les participants (ODS)"))
    def export_ods(self, request: HttpRequest, queryset: QuerySet[Circle]) -> HttpResponse:
        return self._export(request, list(queryset.values_list("pk", flat=True)), "ods", name=gettext("cercles"))

    def _export(self, request: HttpRequest, circle_ids: list[int], file_format: str, *, name: str) -> HttpResponse:
        if file_format not in exports.CONTENT_TYPES:
            unknown = gettext("Format d'export inconnu.")
            return HttpResponse(unknown, status=404, content_type="text/plain; charset=utf-8")
        memberships = services.circle_participants_export(exported_by=request.user, circle_ids=circle_ids)  # type: ignore[arg-type]
        response = HttpResponse(
            exports.participants_file(memberships, file_format=file_format),
            content_type=exports.CONTENT_TYPES[file_format],
        )
        filename = f"participants-{_slug(name)}-{timezone.localdate():%Y-%m-%d}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=_("Archiver les cercles sélectionnés (les inscrits sont prévenus)"))
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Circle]) -> None:
        archived = 0
        for circle_id in queryset.values_list("pk", flat=True):
            try:
                services.circle_archive(circle_id=circle_id, archived_by=request.user)  # type: ignore[arg-type]
            except CircleEditError:
                continue  # already cancelled or archived: nothing to do for this one
            archived += 1
        self.message_user(request, gettext("%(count)s cercle(s) archivé(s).") % {"count": archived}, messages.SUCCESS)


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)[:50] or "cercle"


class CloseDownForm(forms.Form):
    reason = forms.CharField(
        label=_("Message aux personnes inscrites"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": CANCEL_REASON_REQUIRED},
        help_text=_("Envoyé par e-mail aux membres, à l'animation, aux personnes en attente et aux candidatures."),
    )

    def __init__(self, *args: Any, reason_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


@admin.register(Membership)
class MembershipAdmin(PolicyAdmin):
    """Read-only list of memberships; changes go through the circle pages (services)."""

    list_display = ["user", "circle", "role", "status", "requested_on"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "user__last_name", "circle__title"]
    list_select_related = ["user", "circle"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("demandé le"), ordering="requested_at")
    def requested_on(self, membership: Membership) -> datetime.date:
        # The day only: a full timestamp does not wrap and pushes the list past a 1280 px screen.
        return timezone.localdate(membership.requested_at)
