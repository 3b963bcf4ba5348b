"""Error pages in French, inside the site's layout, the health probe, the legal pages and the site map."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from cercles.core.colours import darker, rgb
from cercles.core.forms import IdentityForm
from cercles.core.models import ProgrammeIdentity
from cercles.core.operator import operator
from cercles.core.policy import require
from cercles.core.selectors import identity, identity_for_edit
from cercles.core.services import IdentityChanges, IdentityEditConflict, IdentityError, identity_update
from cercles.core.sitemap import pages_for

SECTION_TITLES = {
    "decouvrir": _("Découvrir les cercles"),
    "mon_espace": _("Mon espace"),
    "coordination": _("Coordination du programme"),
    "informations": _("Informations"),
}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processor, session or database access can fail again.
    return HttpResponse(loader.render_to_string("500.html"), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


@csrf_exempt
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The footer's language switch: Django's set_language without a CSRF token, same-site only.

    The switch is a form on every page; with a token, every anonymous page would carry its visitor's
    token and set a cookie, and could not be the same for everyone (core/page_cache.py). What a
    forged cross-site post could do is switch someone's language, nothing else; the browser's own
    word on where the post comes from (Sec-Fetch-Site, or Origin) refuses even that. A POST, not a
    link, so that crawlers and link prefetching never change anyone's language.
    """
    if not _posted_from_this_site(request):
        return csrf_failure(request)
    return set_language(request)


def _posted_from_this_site(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # an old browser or a script: nothing says it comes from elsewhere
    return origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def raise_server_error(request: HttpRequest) -> HttpResponse:  # pragma: no cover - development only
    raise RuntimeError("Deliberate error to preview the 500 page")


def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "core/legal_notice.html", {"operator": operator()})


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    context = {
        "operator": operator(),
        "statement_date": datetime.date.fromisoformat(settings.ACCESSIBILITY_STATEMENT_DATE),
        "accessibility_contact": settings.ACCESSIBILITY_CONTACT_EMAIL,
    }
    return render(request, "core/accessibility.html", context)


def site_map(request: HttpRequest) -> HttpResponse:
    sections = [(SECTION_TITLES[name], pages) for name, pages in pages_for(request.user).items()]
    return render(request, "core/site_map.html", {"sections": sections})


@login_required
def identity_edit(request: HttpRequest) -> HttpResponse:
    require(request.user, "programme.administer")
    row = identity_for_edit()
    form = IdentityForm(request.POST or None, request.FILES or None, initial=IdentityForm.initial_for(row))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = IdentityChanges(
            name=data["name"],
            tagline=data["tagline"],
            accent_colour=data["accent_colour"],
            logo=data["logo"] or None,
            remove_logo=data["remove_logo"],
        )
        try:
            identity_update(editor=request.user, version=data["version"], changes=changes)
        except IdentityError as error:
            form.add_error(error.field, str(error.message))
        except IdentityEditConflict as error:
            # Keep what was typed, against the version now saved, so that the next save can pass.
            posted = request.POST.copy()
            posted["version"] = str(identity_for_edit().version)
            form = IdentityForm(posted, initial=form.initial)
            form.is_valid()
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("L'identité du programme est enregistrée."))
            return redirect("identity_edit")
    return render(request, "core/identity_edit.html", {"form": form, "identity": identity(), "row": row})


@require_GET
def identity_stylesheet(request: HttpRequest, version: int) -> HttpResponse:
    """The accent colour as a stylesheet file: the CSP keeps forbidding inline styles."""
    current = identity()
    accent = current.accent_colour
    context = {"accent": accent, "accent_dark": darker(accent), "accent_rgb": ", ".join(map(str, rgb(accent)))}
    css = render_to_string("core/identity.css", context)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    # The address carries the version: a new identity is a new address, so this one never changes.
    if version == current.version:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def identity_logo(request: HttpRequest, version: int, extension: str) -> HttpResponse:
    """The logo from Django's storage (the data folder, or any configured storage), under a versioned address."""
    row = ProgrammeIdentity.objects.filter(pk=1).first()
    name = row.logo.name if row is not None and row.logo else None
    if row is None or not name or row.version != version or not name.endswith(f".{extension}"):
        raise Http404
    try:
        content = row.logo.storage.open(name).read()
    except OSError as error:
        raise Http404 from error
    response = HttpResponse(content, content_type="image/png" if extension == "png" else "image/jpeg")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
