"""The coordination pages of people: saves go through the services, nobody is hard-deleted.

Nobody is deleted here: erasing a person on their request is the privacy app's page (linked from the
person's form, "Effacement"), which runs every app's declared erasure in one transaction. Profiles are
the person's own declaration (with their consent): shown here, changed by the person on their
profile page. See docs/coordination.md.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from cercles.core.admin import PolicyAdmin, ReadOnlyInline, ServiceFormAdmin
from cercles.core.policy import allows, require
from cercles.people import services
from cercles.people.exceptions import ProfileError
from cercles.people.models import Departement, JobFamily, JobFamilyGroup, Organisation, Profile, Region, User


class ProfileInline(ReadOnlyInline):
    """The person's own declaration, with their consent: changed by them on their profile page."""

    model = Profile
    template = "admin/edit_inline/stacked.html"
    fields = ("organisation", "job_family", "job_title", "departement", "consent_given_at", "consent_version")
    readonly_fields = fields


@admin.register(User)
class UserAdmin(ServiceFormAdmin, BaseUserAdmin):  # type: ignore[misc]
    ordering = ["last_name", "first_name", "email"]
    # Few, short columns: the list fits a 1280 px screen without scrolling sideways.
    list_display = ["__str__", "email", "organisation", "departement", "is_active"]
    list_filter = [
        "is_active",
        ("profile__organisation__kind", admin.ChoicesFieldListFilter),
        ("profile__organisation", admin.RelatedOnlyFieldListFilter),
        ("profile__departement__region", admin.RelatedOnlyFieldListFilter),
        ("profile__departement", admin.RelatedOnlyFieldListFilter),
        "is_staff",
    ]
    search_fields = ["email", "first_name", "last_name", "profile__organisation__name"]
    list_select_related = ["profile__organisation", "profile__departement"]
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
        (_("Données personnelles"), {"fields": ("erasure", "journal")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # Rights are granted by superusers only: a coordinator who may change people must not be able to
    # make anyone (themselves included) staff or superuser, nor take over a superuser's account.
    RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        # A new account has no profile yet: the person fills it in at first login.
        return list(self.inlines) if obj is not None else []

    @admin.display(description=_("organisation"), ordering="profile__organisation__name")
    def organisation(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return profile.organisation.name if profile and profile.organisation else ""

    @admin.display(description=_("département"), ordering="profile__departement__code")
    def departement(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return (profile.departement_id or "") if profile else ""

    @admin.display(description=_("effacement"))
    def erasure(self, user: User) -> str:
        if user.erased_at is not None:
            return format_html("{} {}", _("Données effacées le"), date_format(localtime(user.erased_at)))
        # The privacy app's page, named by its URL: people does not import the app above it.
        url = reverse("privacy:person_erase", args=[user.pk])
        return format_html('<a href="{}">{}</a>', url, _("Effacer ses données à sa demande"))

    @admin.display(description=_("journal"))
    def journal(self, user: User) -> str:
        url = reverse("admin:audit_auditevent_changelist")
        return format_html('<a href="{}?person_id={}">{}</a>', url, user.pk, _("Actions qui concernent cette personne"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        readonly += ["last_login", "date_joined", "erasure", "journal"]
        if not allows(request.user, "programme.manage_rights"):
            readonly += [*self.RIGHTS_FIELDS, "password"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not allows(request.user, "programme.manage_rights"):
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        require(request.user, "programme.manage_rights")
        return super().user_change_password(request, id, form_url)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = services.person_create(created_by=request.user, email=data["email"], password=data.get("password1"))  # type: ignore[arg-type]
        else:
            rights = None
            if "is_superuser" in data:  # only on a superuser's form (the fields are read-only otherwise)
                rights = services.Rights(
                    is_staff=data["is_staff"],
                    is_superuser=data["is_superuser"],
                    groups=data["groups"],
                    user_permissions=data["user_permissions"],
                )
            saved = services.person_update(
                person_id=obj.pk,
                updated_by=request.user,  # type: ignore[arg-type]
                email=data["email"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                is_active=data.get("is_active", obj.is_active),
                rights=rights,
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Groups and permissions were saved by the service; profiles are read-only here."""
        for formset in formsets:
            formset.save(commit=False)  # writes nothing; lets the admin's history say so


class ValidatedFilter(admin.SimpleListFilter):
    title = _("suggérée aux autres")
    parameter_name = "validee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("oui", str(_("Validée"))), ("non", str(_("À valider")))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in {"oui", "non"}:
            return queryset.filter(validated_at__isnull=self.value() == "non")
        return queryset


@admin.register(Organisation)
class OrganisationAdmin(ServiceFormAdmin):
    list_display = ["name", "kind", "departement", "validated"]
    list_filter = [ValidatedFilter, "kind", ("departement__region", admin.RelatedOnlyFieldListFilter)]
    actions = ["validate_selected", "merge_selected"]

    @admin.display(description=_("validée"), boolean=True, ordering="validated_at")
    def validated(self, organisation: Organisation) -> bool:
        return organisation.validated_at is not None

    @admin.action(description=_("Valider : proposer ces noms aux autres personnes"))
    def validate_selected(self, request: HttpRequest, queryset: Any) -> None:
        count = services.organisation_validate(
            organisation_ids=list(queryset.values_list("pk", flat=True)),
            validated_by=request.user,  # type: ignore[arg-type]
        )
        self.message_user(request, _("%(count)d organisation(s) validée(s).") % {"count": count})

    @admin.action(description=_("Fusionner les doublons sélectionnés (les profils suivent)"))
    def merge_selected(self, request: HttpRequest, queryset: Any) -> None:
        try:
            target = services.organisation_merge(
                organisation_ids=list(queryset.values_list("pk", flat=True)),
                merged_by=request.user,  # type: ignore[arg-type]
            )
        except ProfileError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return
        self.message_user(request, _("Fusionnées dans « %(name)s ».") % {"name": target.name})

    search_fields = ["name", "search_name"]
    fields = ["name", "kind", "departement"]
    list_select_related = ["departement"]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.organisation_update(
                organisation_id=obj.pk,
                updated_by=request.user,  # type: ignore[arg-type]
                name=data["name"],
                kind=data["kind"],
                departement=data["departement"],
            )
        else:
            saved = services.organisation_get_or_create(
                name=data["name"], kind=data["kind"], departement=data["departement"]
            )
        obj.pk = saved.pk
        obj._state.adding = False


class ReferenceAdmin(PolicyAdmin):
    """Reference data (INSEE, CNFPT), loaded by migrations: read-only in the coordination pages."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ["code", "name"]
    search_fields = ["name"]


@admin.register(Departement)
class DepartementAdmin(ReferenceAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]
    list_select_related = ["region"]


@admin.register(JobFamilyGroup)
class JobFamilyGroupAdmin(ReferenceAdmin):
    list_display = ["name", "code"]


@admin.register(JobFamily)
class JobFamilyAdmin(ReferenceAdmin):
    list_display = ["name", "group"]
    list_filter = ["group"]
    search_fields = ["name"]
    list_select_related = ["group"]
