"""Consent at every visit: a new version of the text is asked again; a withdrawn consent freezes the account."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from cercles.core.policy import is_coordinator, is_superuser
from cercles.people.exceptions import SECOND_FACTOR_REQUIRED
from cercles.people.models import Profile
from cercles.people.services import person_activity_record

# Pages a person can reach whatever their consent: the consent pages, what is done with their data,
# their rights (download, delete), the account pages (sign out, re-authenticate) and the plumbing.
OPEN_PREFIXES = ("/compte/", "/static/", "/i18n/", "/sante/")
OPEN_NAMES = (
    "people:consent",
    "people:consent_withdraw",
    "people:privacy",
    "privacy:my_data",
    "privacy:my_data_json",
    "privacy:account_delete",
)


class ConsentMiddleware:
    """Sends a signed-in person whose consent is outdated or withdrawn to the consent page.

    People who never gave consent (a new account) are not stopped: they give it with their profile,
    which joining a circle requires. One small query per signed-in request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._is_open(request.path):
            state = (
                Profile.objects.filter(user_id=user.pk)
                .values_list("consent_given_at", "consent_version", "consent_withdrawn_at")
                .first()
            )
            if state is not None and _needs_consent(*state):
                target = reverse("people:consent")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in OPEN_NAMES)
        return path in self._open_paths or path.startswith(OPEN_PREFIXES)


def _needs_consent(given_at: object, version: str, withdrawn_at: object) -> bool:
    from cercles.people.consent import CONSENT_VERSION

    if given_at is None:
        return withdrawn_at is not None  # frozen
    return version != CONSENT_VERSION


class ActivityMiddleware:
    """Records a signed-in person's visit as their last activity, once a day (the session remembers)."""

    SESSION_KEY = "cercles_seen_on"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            today = timezone.localdate().isoformat()
            if request.session.get(self.SESSION_KEY) != today:
                person_activity_record(user_id=user.pk)
                request.session[self.SESSION_KEY] = today
        return self.get_response(request)


COORDINATION_PREFIX = "/coordination/"


def has_second_factor(user: object) -> bool:
    """An authenticator app (TOTP) or a security key; recovery codes alone are not a factor."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user_id=getattr(user, "pk", None), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class SecondFactorMiddleware:
    """Sends a coordinator or superuser without a second factor to set one up before any coordination page.

    Once set up, allauth asks for it at every login (after the password or the e-mailed code).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.path.startswith(COORDINATION_PREFIX)
            and user is not None
            and user.is_authenticated
            and (is_coordinator(user) or is_superuser(user))
            and not has_second_factor(user)
        ):
            messages.warning(request, SECOND_FACTOR_REQUIRED)
            return redirect("mfa_index")
        return self.get_response(request)
