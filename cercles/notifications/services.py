"""E-mail rendering and sending, through Django's configured mail backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context
from django.template.loader import get_template
from django.utils import translation


def email_send(*, recipients: Iterable[str], template: str, context: Mapping[str, Any]) -> int:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` in French and send one e-mail per recipient.

    One message each, so that nobody sees the others' addresses. Returns how many were sent.
    """
    addresses = sorted({address for address in recipients if address})
    full_context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(_render_text(f"{template}_subject.txt", full_context).split())
        body = _render_text(f"{template}_body.txt", full_context)
        body += _render_text("notifications/signature.txt", full_context)
    sent = 0
    for address in addresses:
        sent += EmailMessage(subject=f"[Cercles] {subject}", body=body, to=[address]).send()
    return sent


def _render_text(name: str, context: Mapping[str, Any]) -> str:
    # Plain-text e-mail: no HTML escaping, or "l'animation" would arrive as "l&#x27;animation".
    return get_template(name).template.render(Context(dict(context), autoescape=False))  # type: ignore[attr-defined,no-any-return]
