"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from cercles.core.exceptions import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        back = request.POST.get("next") or request.headers.get("referer", "")
        is_htmx = bool(getattr(request, "htmx", False))
        # A plain form post goes back where it came from with the message on top (post/redirect/get);
        # htmx requests and requests without a safe origin get the message as the response itself.
        if (
            request.method == "POST"
            and not is_htmx
            and back
            and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        ):
            messages.error(request, str(exception.message))
            return redirect(back)
        template = "core/domain_error_fragment.html" if is_htmx else "core/domain_error.html"
        return render(request, template, {"message": exception.message}, status=exception.status_code)


class FrenchFirstLocaleMiddleware:
    """French unless the person chose another language with the switcher (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor whose browser
    is set to English would land on an English site; the programme speaks French first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
