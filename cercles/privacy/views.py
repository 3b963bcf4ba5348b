"""Personal-data rights: download my data, delete my account; a coordinator erases on request."""

from __future__ import annotations

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cercles.privacy import selectors, services
from cercles.privacy.forms import EraseConfirmForm


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    sections = selectors.person_data_export(person=request.user, viewer=request.user)  # type: ignore[arg-type]
    return render(request, "privacy/my_data.html", {"sections": sections})


@login_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = services.person_data_download(person=request.user, viewer=request.user)  # type: ignore[arg-type]
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"mes-donnees-cercles-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# GET shows what deleting costs; the POST needs a fresh re-authentication (password or e-mailed code).
@login_required
@reauthentication_required(allow_get=True)
def account_delete(request: HttpRequest) -> HttpResponse:
    form = EraseConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.person_erase(person_id=request.user.pk, erased_by=request.user)  # type: ignore[arg-type]
        logout(request)
        messages.success(request, _("Votre compte et vos données personnelles ont été supprimés."))
        return redirect("circles:home")
    return render(request, "privacy/account_delete.html", {"form": form})


@login_required
@reauthentication_required(allow_get=True)
def person_erase(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_for_erasure(person_id=person_id, viewer=request.user)  # type: ignore[arg-type]
    form = EraseConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.person_erase(person_id=person.pk, erased_by=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Les données de cette personne ont été effacées."))
        return redirect("admin:people_user_changelist")
    return render(request, "privacy/person_erase.html", {"form": form, "person": person})
