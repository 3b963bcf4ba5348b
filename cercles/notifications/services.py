"""E-mail rendering and sending, through Django's configured mail backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


def email_send(*, recipients: Iterable[str], template: str, context: Mapping[str, Any]) -> int:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` in French and send one e-mail per recipient.

    One message each, so that nobody sees the others' addresses. Returns how many were sent.
    """
    addresses = sorted({address for address in recipients if address})
    full_context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", full_context).split())
        body = render_to_string(f"{template}_body.txt", full_context)
        body += render_to_string("notifications/signature.txt", full_context)
    sent = 0
    for address in addresses:
        sent += EmailMessage(subject=f"[Cercles] {subject}", body=body, to=[address]).send()
    return sent
