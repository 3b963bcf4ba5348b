"""Message kinds and their renderers.

Each app registers how to render its kinds (``@message_kind("circles.joined.person")``); the sweeper
calls the renderer when it sends, so that a message says what is true then, not when it was queued.
A renderer returns ``None`` when there is nothing to say any more (the object it was about is gone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.utils import translation

from cercles.core.selectors import programme_name

if TYPE_CHECKING:
    from cercles.notifications.models import Message


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
# Loads, in one query for a whole batch, what the kind's renderer needs: keeps queries per message flat.
Preloader = Callable[[Sequence["Message"]], None]
_renderers: dict[str, Renderer] = {}
_preloaders: dict[str, Preloader] = {}


class UnknownMessageKind(LookupError):
    pass


def message_kind(kind: str, *, preload: Preloader | None = None) -> Callable[[Renderer], Renderer]:
    """Register the renderer of ``kind``; registering a kind twice is a programming error.

    ``preload(messages)``, optional, is called once per batch with the kind's messages before they are
    rendered; it stores what it loads with ``preloaded_set`` for the renderer to find with ``preloaded``.
    """

    def register(renderer: Renderer) -> Renderer:
        if kind in _renderers and _renderers[kind] is not renderer:
            raise ValueError(f"message kind {kind!r} is already registered")
        _renderers[kind] = renderer
        if preload is not None:
            _preloaders[kind] = preload
        return renderer

    return register


def preload_batch(messages: Sequence[Message]) -> None:
    """Run each kind's preloader once over the batch's messages of that kind."""
    by_kind: dict[str, list[Message]] = {}
    for message in messages:
        by_kind.setdefault(message.kind, []).append(message)
    for kind, group in by_kind.items():
        if kind in _preloaders:
            _preloaders[kind](group)


def preloaded_set(message: Message, value: object) -> None:
    message.__dict__["_preloaded"] = value


def preloaded(message: Message, default: object = None) -> Any:
    """What the kind's preloader found for this message (``default`` when it did not run)."""
    return message.__dict__.get("_preloaded", default)


def renderer_for(kind: str) -> Renderer:
    try:
        return _renderers[kind]
    except KeyError:
        raise UnknownMessageKind(kind) from None


def subject_for_programme(subject: str) -> str:
    """Every e-mail's subject starts with the programme's name, so that people can sort and trust it."""
    return f"[{programme_name()}] {subject}"


class _Batch(threading.local):
    # What every message of a batch shares, worked out once (see ``batch_scope``); None outside a batch.
    shared: dict[tuple[object, ...], str] | None = None


_batch = _Batch()


@contextmanager
def batch_scope() -> Iterator[None]:
    """Within: the programme's name, the signature and shared subjects are worked out once, not per message.

    The sweeper renders each batch inside one scope (a batch takes seconds: a name changed meanwhile
    shows from the next batch). Outside a scope every call renders everything.
    """
    previous, _batch.shared = _batch.shared, {}
    try:
        yield
    finally:
        _batch.shared = previous


def _shared(key: tuple[object, ...], work_out: Callable[[], str]) -> str:
    if _batch.shared is None:
        return work_out()
    key = (translation.get_language(), *key)
    if key not in _batch.shared:
        _batch.shared[key] = work_out()
    return _batch.shared[key]


def render_templates(
    template: str, context: Mapping[str, Any], *, signature: bool = True, subject_key: object = None
) -> Rendered:
    """Render ``<template>_subject.txt`` and ``<template>_body.txt`` (plus the signature) in the active language.

    ``subject_key``: what the subject depends on (for a reminder, the circle's title and the meeting's
    start), when it is the same for many recipients; within a ``batch_scope`` it is rendered once per key.
    """
    name = _shared(("programme_name",), programme_name)
    full_context = {"site_url": settings.SITE_URL.rstrip("/"), "programme_name": name, **context}

    def subject() -> str:
        return " ".join(_render_text(f"{template}_subject.txt", full_context).split())

    text = subject() if subject_key is None else _shared(("subject", template, name, subject_key), subject)
    body = _render_text(f"{template}_body.txt", full_context)
    if signature:
        # The signature depends only on the programme and the site: the same for the whole batch.
        body += _shared(
            ("signature", name, full_context["site_url"]),
            lambda: _render_text("notifications/signature.txt", full_context),
        )
    return Rendered(subject=f"[{name}] {text}", body=body)


def _render_text(name: str, context: Mapping[str, Any]) -> str:
    # Plain-text e-mail: no HTML escaping, or "l'animation" would arrive as "l&#x27;animation".
    return get_template(name).template.render(Context(dict(context), autoescape=False))  # type: ignore[attr-defined,no-any-return]
