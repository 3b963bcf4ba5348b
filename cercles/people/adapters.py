from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sends newcomers to their profile, which they must fill before joining a circle."""

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        from django.urls import reverse

        return reverse("people:profile_edit")
