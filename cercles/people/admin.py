from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from cercles.people.models import Departement, JobFamily, JobFamilyGroup, Organisation, Profile, Region, User


class ProfileInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Profile
    can_delete = False
    autocomplete_fields = ["organisation"]
    readonly_fields = ["consent_given_at", "consent_version", "updated_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    ordering = ["last_name", "first_name", "email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # Rights are granted by superusers only: a coordinator who may change people must not be able to
    # make anyone (themselves included) staff or superuser, nor take over a superuser's account.
    RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # type: ignore[union-attr]
            readonly += [*self.RIGHTS_FIELDS, "password"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:  # type: ignore[union-attr]
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:  # type: ignore[union-attr]
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        if not request.user.is_superuser:  # type: ignore[union-attr]
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "departement"]
    list_filter = ["kind"]
    search_fields = ["name", "search_name"]
    autocomplete_fields = ["departement"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from cercles.core.text import normalize_for_search

        # The admin form edits the name; keep the folded name that de-duplicates organisations in step.
        obj.search_name = normalize_for_search(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name"]
    search_fields = ["name"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(JobFamilyGroup)
class JobFamilyGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code"]


@admin.register(JobFamily)
class JobFamilyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "group"]
    list_filter = ["group"]
    search_fields = ["name"]
