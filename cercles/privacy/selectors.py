"""Reads of personal data: everything held about a person, as each app declares it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db import models

from cercles.core.policy import require
from cercles.people.models import User
from cercles.privacy.registry import Declaration, declarations


def person_addresses(person: User) -> frozenset[str]:
    """Every address the person used: the account's and those allauth verified or not."""
    addresses = {person.email.lower()}
    addresses |= {a.lower() for a in EmailAddress.objects.filter(user=person).values_list("email", flat=True)}
    return frozenset(a for a in addresses if a)


@dataclass(frozen=True)
class ExportSection:
    key: str
    label: str
    columns: list[tuple[str, str]]  # (field path, French label)
    rows: list[dict[str, Any]]


def _column_label(model: type[models.Model], path: str) -> str:
    current: Any = model
    parts = path.split("__")
    for part in parts[:-1]:
        current = current._meta.get_field(part).related_model
    return str(current._meta.get_field(parts[-1]).verbose_name)


def person_data_export(*, person: User, viewer: User) -> list[ExportSection]:
    """Every declared row about ``person``, one section per model (one query per declaration).

    Raises PolicyDenied unless the viewer is the person (``privacy.export_own``): nobody else downloads it.
    """
    require(viewer, "privacy.export_own", person)
    addresses = person_addresses(person)
    sections = []
    for declaration in sorted(declarations(), key=lambda d: (d.stage != 90, d.key)):
        if not declaration.export_fields:
            continue
        sections.append(_section(declaration, person, addresses))
    return sections


def _section(declaration: Declaration, person: User, addresses: frozenset[str]) -> ExportSection:
    columns = [(path, _column_label(declaration.model, path)) for path in declaration.export_fields]
    return ExportSection(
        key=declaration.key,
        label=str(declaration.label),
        columns=columns,
        rows=declaration.export(person, addresses),
    )


def export_as_json(sections: list[ExportSection]) -> dict[str, Any]:
    """The JSON download: one key per declared model, with its French label and its rows."""
    return {
        section.key: {"label": section.label, "rows": [_jsonable(row) for row in section.rows]} for section in sections
    }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()}


def person_for_erasure(*, person_id: int, viewer: User) -> User:
    """The account a coordinator is about to erase on the person's request.

    Raises Http404 for an unknown id, PolicyDenied (``privacy.erase_person``) otherwise refused.
    """
    from django.shortcuts import get_object_or_404

    person = get_object_or_404(User, pk=person_id)
    require(viewer, "privacy.erase_person", person)
    return person
