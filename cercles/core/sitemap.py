"""The site map ("plan du site"): each app lists its own pages, the site map shows those one may open.

Apps register their pages in ``AppConfig.ready`` so that core, the lowest layer, never imports them;
the policy decides who sees an entry (a rule name, or ``None`` for everyone).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from cercles.core.policy import allows

# Sections in the order the site map shows them.
SECTIONS = ("decouvrir", "mon_espace", "coordination", "informations")
AUDIENCES = ("everyone", "signed_in", "anonymous")


@dataclass(frozen=True)
class SitePage:
    section: str
    label: str | Promise
    url_name: str
    rule: str | None = None  # a policy rule the visitor must pass; None: every visitor
    audience: str = "everyone"  # or "signed_in" (pages about oneself), "anonymous" (signing in, up)
    order: int = 100


_pages: list[SitePage] = []


def register_page(page: SitePage) -> None:
    if page.audience not in AUDIENCES:
        raise ValueError(f"unknown site map audience {page.audience!r}")
    if page.section not in SECTIONS:
        raise ValueError(f"unknown site map section {page.section!r}")
    if any(existing.url_name == page.url_name for existing in _pages):
        return  # ready() may run twice in some test set-ups: registering is idempotent
    _pages.append(page)


def pages_for(user: object) -> dict[str, list[SitePage]]:
    """The pages ``user`` may open, by section, in the sections' order (empty sections left out)."""
    authenticated = bool(getattr(user, "is_authenticated", False))
    visible: dict[str, list[SitePage]] = {}
    for section in SECTIONS:
        entries = [
            page
            for page in sorted(_pages, key=lambda page: (page.order, str(page.label)))
            if page.section == section
            and (page.audience == "everyone" or (page.audience == "signed_in") == authenticated)
            and (page.rule is None or allows(user, page.rule))
        ]
        if entries:
            visible[section] = entries
    return visible
