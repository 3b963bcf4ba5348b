from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cercles.people import selectors, services
from cercles.people.consent import CONSENT_SUMMARY, CONSENT_VERSION
from cercles.people.exceptions import ProfileError
from cercles.people.forms import ProfileForm


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.profile_for_user(user=request.user)  # type: ignore[arg-type]
    initial = {
        "first_name": request.user.first_name,  # type: ignore[union-attr]
        "last_name": request.user.last_name,  # type: ignore[union-attr]
        "organisation_name": selectors.organisation_field_value(profile.organisation) if profile.organisation else "",
        "organisation_kind": profile.organisation.kind if profile.organisation else "",
        "departement": profile.departement_id,
        "job_family": profile.job_family_id,
        "job_title": profile.job_title,
        "consent": bool(profile.consent_given_at),
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ProfileError as error:
            form.add_error(error.field, str(error.message))
        else:
            messages.success(request, _("Votre profil est enregistré."))
            next_url = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect("circles:my_circles")
    typed = form["organisation_name"].value() or ""
    context = {"form": form, "profile": profile, "suggestions": selectors.organisation_suggestions(typed=typed)}
    return render(request, "people/profile_edit.html", context)


def privacy(request: HttpRequest) -> HttpResponse:
    context = {"summary": CONSENT_SUMMARY, "version": CONSENT_VERSION, "rules": selectors.data_protection_facts()}
    return render(request, "people/privacy.html", context)


@login_required
def organisation_suggestions(request: HttpRequest) -> HttpResponse:
    """The options of the organisation field's list, for what the person typed (htmx)."""
    suggestions = selectors.organisation_suggestions(typed=request.GET.get("organisation_name", "")[:200])
    return render(request, "people/organisation_suggestions.html", {"suggestions": suggestions})


@login_required
def consent(request: HttpRequest) -> HttpResponse:
    """Give consent again: a new version of the text, or coming back after withdrawing it."""
    profile = selectors.profile_for_user(user=request.user)  # type: ignore[arg-type]
    if request.method == "POST":
        services.consent_give(user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Merci : votre consentement est enregistré."))
        return redirect(_safe_next(request, default="circles:my_circles"))
    context = {"profile": profile, "summary": CONSENT_SUMMARY, "version": CONSENT_VERSION}
    return render(request, "people/consent.html", context)


@login_required
def consent_withdraw(request: HttpRequest) -> HttpResponse:
    """What withdrawing means (GET), then withdraw (POST): the account is frozen."""
    if request.method == "POST":
        services.consent_withdraw(user=request.user)  # type: ignore[arg-type]
        messages.info(request, _("Votre consentement est retiré : votre compte est gelé."))
        return redirect("people:consent")
    return render(request, "people/consent_withdraw.html", {"summary": CONSENT_SUMMARY})


def _safe_next(request: HttpRequest, *, default: str) -> str:
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    from django.urls import reverse

    return reverse(default)
