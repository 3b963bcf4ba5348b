from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cercles.circles.exceptions import CIRCLE_EDITED_MEANWHILE
from cercles.circles.models import Circle, CircleKind, Membership
from cercles.circles.selectors import with_status
from cercles.circles.services import circle_fill_from_waitlist, circle_search_text
from cercles.core.admin import ReadOnlyAdmin


@admin.register(CircleKind)
class CircleKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "need", "min_size", "max_size", "default_meeting_count", "default_rhythm", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    """Who is in the circle, read-only: joining, leaving and promotion go through the services
    (site pages), which keep the waiting list, the lock and the e-mails right."""

    model = Membership
    extra = 0
    can_delete = False
    fields = ("user", "role", "status", "requested_at", "joined_at", "left_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CircleAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The admin's circle form, with the same edit lock as the facilitators' form."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Circle
        fields = "__all__"  # noqa: DJ007 - the ModelAdmin decides which fields show

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opened = cleaned.get("opened_version")
        if self.instance.pk and opened is not None:
            current = Circle.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != opened:
                # Re-rendered with the version now saved, so that saving again, knowingly, passes.
                data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
                data[self.add_prefix("opened_version")] = str(current)
                self.data = data
                raise forms.ValidationError(CIRCLE_EDITED_MEANWHILE)
        return cleaned


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CircleAdminForm
    list_display = ["title", "kind", "start_date", "capacity", "participants", "status_label", "is_open"]
    list_filter = ["kind", "is_open", "meeting_format", "approval_mode"]
    search_fields = ["title", "search_text"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["departement"]
    inlines = [MembershipInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Circle]:
        return with_status(super().get_queryset(request)).select_related("kind")

    @admin.display(description=_("membres"))
    def participants(self, circle: Circle) -> int:
        return circle.participant_count  # type: ignore[attr-defined,no-any-return]

    @admin.display(description=_("statut"))
    def status_label(self, circle: Circle) -> str:
        from cercles.circles.models import CircleStatus

        return str(CircleStatus(circle.status).label)  # type: ignore[attr-defined]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Coordinators edit in the admin; keep the search column and the edit lock in step with them.
        obj.search_text = circle_search_text(obj)
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        # After everything is saved: a raised capacity goes to the waiting list at once.
        circle_fill_from_waitlist(circle_id=form.instance.pk)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Read-only list of memberships; changes go through the circle pages (services)."""

    list_display = ["user", "circle", "role", "status", "requested_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "user__last_name", "circle__title"]
