"""The public pages' cache: what an anonymous visitor sees is the same for every anonymous visitor.

The programme's public pages (home, catalogue, a circle's page) cost a dozen milliseconds of SQL and
templates each; at national scale most of their requests come from people who are not signed in, and
for them the page depends only on the URL, the language, whether htmx asks for a fragment, the day
(statuses follow the date) and the programme's data. ``anonymous_page_cache`` keeps the rendered page
in the configured cache (locmem in the embedded mode, Redis in scale-out) under those; a signed-in
person, a visitor with a message to read, or a page that set a cookie or used a CSRF token never
reads nor fills it.

Freshness: every write that changes what these pages show (circles, memberships — places left —,
kinds, meetings, facilitators' names, the programme's identity) calls ``public_pages_changed()``; it
replaces the version stamp on commit, and a page stored under another stamp is never served. Pages
also expire after ``PUBLIC_PAGE_CACHE_SECONDS``: that bounds what only time changes (the "next
meeting" once it has started) and a write made outside the services (a shell, another process in the
embedded mode, whose memory cache the web process does not share).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

VERSION_KEY = "cercles:public-pages:version"
PAGE_KEY_PREFIX = "cercles:public-pages:page:"

View = Callable[..., HttpResponse]


def public_pages_changed() -> None:
    """Say that what the public pages show has changed: no page cached before is served again.

    Inside a transaction the stamp changes on commit (a rolled-back change invalidates nothing, and a
    page rendered between the write and the commit, from the old data, is not stored under the new
    stamp); outside one, at once.
    """
    transaction.on_commit(_new_version)


def _new_version() -> None:
    # A random stamp, not a counter: if the cache loses the key (eviction, restart of Redis), the
    # next stamp can never be one that older pages were stored under.
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _current_version(found: object) -> str:
    if isinstance(found, str):
        return found
    stamp = uuid.uuid4().hex
    # add, not set: two processes starting together agree on the first one written.
    if not cache.add(VERSION_KEY, stamp, timeout=None):
        stamp = cache.get(VERSION_KEY) or stamp
    return stamp


def _page_key(request: HttpRequest) -> str:
    fragment = "htmx" if request.headers.get("HX-Request") == "true" else "page"
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    address = request.build_absolute_uri()
    # The day: statuses (open, running, finished) are computed from it.
    described = f"{address}|{language}|{fragment}|{timezone.localdate().isoformat()}"
    return PAGE_KEY_PREFIX + hashlib.sha256(described.encode("utf-8", "backslashreplace")).hexdigest()


def _may_use_cache(request: HttpRequest) -> bool:
    if request.method != "GET" or settings.PUBLIC_PAGE_CACHE_SECONDS <= 0:
        return False
    if request.user.is_authenticated:  # type: ignore[union-attr]
        return False
    # A message waiting to be shown (after signing out, after a refusal) belongs to this visitor only.
    return len(get_messages(request)) == 0  # type: ignore[arg-type]


def _may_store(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A page that holds a CSRF token holds this visitor's token (and sets their cookie).
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and (session is None or not session.modified)
        and "private" not in response.get("Cache-Control", "")
    )


def anonymous_page_cache(view: View) -> View:
    """Serve ``view``'s page to anonymous GET requests from the cache, and fill it (see the module)."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _may_use_cache(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        # One round trip to Redis for the stamp and the page.
        found = cache.get_many([VERSION_KEY, key])
        version = _current_version(found.get(VERSION_KEY))
        stored = found.get(key)
        if stored is not None and stored[0] == version:
            _, status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if _may_store(request, response):
            entry = (version, response.status_code, list(response.items()), response.content)
            cache.set(key, entry, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        return response

    return cached_view
