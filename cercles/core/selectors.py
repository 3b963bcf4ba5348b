"""Reads of the programme-wide records: the programme's identity (name, line, logo, accent colour)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from cercles.core.models import ProgrammeIdentity

IDENTITY_CACHE_KEY = "cercles:programme-identity"
# The site's own accent (Bootstrap's blue, darkened to 4.5:1 on white) until coordinators choose one.
DEFAULT_ACCENT = "#0b5394"


@dataclass(frozen=True)
class Identity:
    name: str
    tagline: str
    accent_colour: str
    has_logo: bool
    logo_extension: str
    version: int


# What the cache holds when coordinators have set nothing: the name then follows the setting.
NO_IDENTITY_ROW = "no-row"


def identity() -> Identity:
    """The programme's identity, cached for every page (refreshed by identity_update on commit)."""
    cached = cache.get(IDENTITY_CACHE_KEY)
    if cached is None:
        row = ProgrammeIdentity.objects.filter(pk=1).first()
        cached = NO_IDENTITY_ROW if row is None else _identity_of(row)
        cache.set(IDENTITY_CACHE_KEY, cached, timeout=None)
    if isinstance(cached, Identity):
        return cached
    return Identity(settings.PROGRAMME_NAME, "", DEFAULT_ACCENT, False, "", 0)


def _identity_of(row: ProgrammeIdentity) -> Identity:
    extension = (row.logo.name or "").rsplit(".", 1)[-1].lower() if row.logo else ""
    return Identity(row.name, row.tagline, row.accent_colour, bool(row.logo), extension, row.version)


def programme_name() -> str:
    return identity().name


def identity_for_edit() -> ProgrammeIdentity:
    """The row the coordination edits (not saved: a first edit creates it)."""
    current = identity()
    return ProgrammeIdentity.objects.filter(pk=1).first() or ProgrammeIdentity(
        pk=1, name=current.name, accent_colour=current.accent_colour, version=0
    )
