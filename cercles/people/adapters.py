from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


def user_display(user: Any) -> str:
    """How allauth names a person ("connecté·e en tant que …"): first name, else the address, never a placeholder."""
    return str(getattr(user, "first_name", "") or getattr(user, "email", ""))


class AccountAdapter(DefaultAccountAdapter):
    """Sends newcomers to their profile, which they must fill before joining a circle."""

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        from django.urls import reverse

        return reverse("people:profile_edit")

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.PROGRAMME_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The programme's name and address come from settings, whatever the Site record says.
        context = {"programme_name": settings.PROGRAMME_NAME, "site_url": settings.SITE_URL.rstrip("/"), **context}
        super().send_mail(template_prefix, email, context)
