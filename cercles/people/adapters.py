"""allauth's hooks: where newcomers go, and how its e-mails (codes, resets, verification) leave."""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils import timezone

from cercles.core.selectors import programme_name
from cercles.notifications.models import Lane, Message
from cercles.notifications.registry import Rendered, message_kind, subject_for_programme
from cercles.notifications.services import message_enqueue
from cercles.people.models import User

ACCOUNT_MAIL = "people.account"


def _code_lifetimes() -> dict[str, int]:
    # How long what each mail carries stays usable; past that, sending it is pointless (seconds).
    return {
        "account/email/login_code": account_settings.LOGIN_BY_CODE_TIMEOUT,
        "account/email/email_confirmation": account_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "account/email/email_confirmation_signup": account_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "account/email/password_reset_code": account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT,
        "account/email/password_reset_key": settings.PASSWORD_RESET_TIMEOUT,
    }


def user_display(user: Any) -> str:
    """How allauth names a person ("connecté·e en tant que …"): first name, else the address, never a placeholder."""
    return str(getattr(user, "first_name", "") or getattr(user, "email", ""))


class AccountAdapter(DefaultAccountAdapter):
    """Sends newcomers to their profile, and puts allauth's e-mails in the outbox's urgent lane."""

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        from django.urls import reverse

        return reverse("people:profile_edit")

    def format_email_subject(self, subject: str) -> str:
        return subject_for_programme(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Queue the mail instead of sending it inside the request.

        allauth renders its mails with the request (site, absolute links), which the sweeper does not
        have: the subject and body are rendered here and kept as the message's payload, which holds the
        code or link and is wiped once the message has left.
        """
        request = allauth_context.request
        # The programme's name and address come from settings, whatever the Site record says.
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "programme_name": programme_name(),
            "site_url": settings.SITE_URL.rstrip("/"),
            **context,
        }
        rendered = self.render_mail(template_prefix, email, full_context)
        lifetime = _code_lifetimes().get(template_prefix)
        user = context.get("user")
        message_enqueue(
            kind=ACCOUNT_MAIL,
            recipient=user if isinstance(user, User) and user.pk else None,
            address=email,
            payload={"template": template_prefix, "subject": str(rendered.subject), "body": str(rendered.body)},
            lane=Lane.URGENT,
            expires_at=timezone.now() + datetime.timedelta(seconds=lifetime) if lifetime else None,
        )


@message_kind(ACCOUNT_MAIL)
def render_account_mail(message: Message) -> Rendered | None:
    if not message.payload.get("body"):
        return None  # nothing kept to send
    return Rendered(subject=message.payload["subject"], body=message.payload["body"])
