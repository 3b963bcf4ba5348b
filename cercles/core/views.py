"""Error pages in French, inside the site's layout, the health probe, the legal pages and the site map."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cercles.core.operator import operator
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
