"""Message kinds and their renderers.

Each app registers how to render its kinds (``@message_kind("circles.joined.person")``); the sweeper
calls the renderer when it sends, so that a message says what is true then, not when it was queued.
A renderer returns ``None`` when there is nothing to say any more (the object it was about is gone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template

if TYPE_CHECKING:
    from cercles.notifications.models import Message

SUBJECT_PREFIX = "[Cercles] "


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str


@dataclass(frozen=True)
class Rendered:
    """What a message says: French subject and plain-text body, extra headers, attachments (.ics)."""

    subject: str
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


Renderer = Callable[["Message"], Rendered | None]
_renderers: dict[str, Renderer] = {}


class UnknownMessageKind(LookupError):
    pass


def message_kind(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of ``kind``; registering a kind twice is a programming error."""

    def register(renderer: Renderer) -> Renderer:
        if kind in _renderers and _renderers[kind] is not renderer:
            raise ValueError(f"message kind {kind!r} is already registered")
        _renderers[kind] = renderer
        return renderer

    return register


def renderer_for(kind: str) -> Renderer:
    try:
        return _renderers[kind]
    except KeyError:
        raise UnknownMessageKind(kind) from None


def render_templates(template: str, context: Mapping[str, Any], *, signature: bool = True) -> Rendered:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` (plus the signature) in the active language."""
    full_context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = " ".join(_render_text(f"{template}_subject.txt", full_context).split())
    body = _render_text(f"{template}_body.txt", full_context)
    if signature:
        body += _render_text("notifications/signature.txt", full_context)
    return Rendered(subject=f"{SUBJECT_PREFIX}{subject}", body=body)


def _render_text(name: str, context: Mapping[str, Any]) -> str:
    # Plain-text e-mail: no HTML escaping, or "l'animation" would arrive as "l&#x27;animation".
    return get_template(name).template.render(Context(dict(context), autoescape=False))  # type: ignore[attr-defined,no-any-return]
