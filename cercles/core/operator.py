"""Who runs the site, as the legal notice, the accessibility statement and the footer say it (settings)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Operator:
    name: str
    address: str
    publication_director: str
    hosting_provider: str
    contact_email: str
    site_url: str


def operator() -> Operator:
    return Operator(
        name=settings.OPERATOR_NAME,
        address=settings.OPERATOR_ADDRESS,
        publication_director=settings.PUBLICATION_DIRECTOR,
        hosting_provider=settings.HOSTING_PROVIDER,
        contact_email=settings.CONTACT_EMAIL,
        site_url=settings.SITE_URL.rstrip("/"),
    )
