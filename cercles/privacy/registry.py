"""Per-app declarations of personal data: what each model holds about a person, how it is exported
and how it is erased.

Every model that links to a person (a foreign key, one-to-one or many-to-many to the user model) or
holds an e-mail address is declared once, by the app that owns it, with :func:`personal_data`
(usually in the app's ``personal_data.py``, imported from its ``AppConfig.ready``). The privacy
services read this registry and nothing else: "Télécharger mes données" exports every declared row,
"Supprimer mon compte" runs every declared erasure in one transaction. ``tests`` fail when a model has
a link to a person and no declaration (``undeclared_person_links``), so a new app cannot forget.

This module imports no app: apps register into it (docs/privacy.md).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.functional import Promise


class Erase(enum.Enum):
    """How a declared model's rows about a person are erased."""

    # The rows are the person's own data: deleted.
    DELETE = "delete"
    # The rows must outlive the person and refer to them by id only (the id shows "personne
    # supprimée" once the account is erased); nothing personal is kept in them.
    KEEP_BY_ID = "keep_by_id"


@dataclass(frozen=True)
class ErasureContext:
    """What an eraser is given: the person (locked), the addresses they used, who asked, and when."""

    person: Any
    addresses: frozenset[str]
    erased_by: Any
    now: Any


Eraser = Callable[[ErasureContext], None]


@dataclass(frozen=True)
class Declaration:
    model: type[models.Model]
    label: str | Promise
    # Fields that point at the person (relations to the user model; "pk" for the user model itself; a
    # path such as "application__user" for rows that reach the person through another row).
    person_fields: tuple[str, ...] = ()
    # E-mail fields that may hold one of the person's addresses.
    address_fields: tuple[str, ...] = ()
    # Field paths exported (``values()`` paths); empty: the rows are not part of the export.
    export_fields: tuple[str, ...] = ()
    erase: Erase | Eraser = Erase.DELETE
    # Lower runs first: apps' own erasures (leaving circles) before deletions, the account last.
    stage: int = 50
    # Why the rows are kept, or what the eraser does: read by the documentation and the reviewers.
    note: str = ""

    @property
    def key(self) -> str:
        return self.model._meta.label

    def rows_of(self, person: Any, addresses: Iterable[str]) -> QuerySet[Any]:
        """The rows of this model that are about ``person`` (by link or by address)."""
        condition = Q(pk__in=[])
        for name in self.person_fields:
            condition |= Q(**{name: person.pk})
        for name in self.address_fields:
            for address in addresses:
                condition |= Q(**{f"{name}__iexact": address})
        return self.model._default_manager.filter(condition)

    def export(self, person: Any, addresses: frozenset[str]) -> list[dict[str, Any]]:
        return list(self.rows_of(person, addresses).order_by("pk").values("pk", *self.export_fields))


_declarations: dict[str, Declaration] = {}


def personal_data(
    model: type[models.Model],
    *,
    label: str | Promise,
    person_fields: tuple[str, ...] = (),
    address_fields: tuple[str, ...] = (),
    export_fields: tuple[str, ...] = (),
    erase: Erase | Eraser = Erase.DELETE,
    stage: int = 50,
    note: str = "",
) -> Declaration:
    """Declare what ``model`` holds about a person; a model is declared once, by the app that owns it."""
    declaration = Declaration(
        model=model,
        label=label,
        person_fields=person_fields,
        address_fields=address_fields,
        export_fields=export_fields,
        erase=erase,
        stage=stage,
        note=note,
    )
    existing = _declarations.get(declaration.key)
    if existing is not None and existing != declaration:
        raise ValueError(f"{declaration.key} is already declared")
    if erase is Erase.KEEP_BY_ID and not note:
        raise ValueError(f"{declaration.key}: say in `note` why its rows outlive the person")
    _declarations[declaration.key] = declaration
    return declaration


def declarations() -> list[Declaration]:
    """Every declaration, in erasure order."""
    return sorted(_declarations.values(), key=lambda d: (d.stage, d.key))


def declaration_for(model: type[models.Model]) -> Declaration:
    return _declarations[model._meta.label]


def _links_to_person(model: type[models.Model]) -> list[str]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    names = []
    for model_field in model._meta.get_fields():
        if not model_field.concrete and not model_field.many_to_many:
            continue
        if model_field.auto_created and not model_field.concrete:
            continue
        points_at_person = model_field.is_relation and model_field.related_model is user_model
        if (points_at_person and model is not user_model) or isinstance(model_field, models.EmailField):
            names.append(model_field.name)
    return names


def undeclared_person_links() -> list[str]:
    """``app.Model.field`` for every link to a person (relation to the user model, e-mail field) that
    no declaration covers. The many-to-many tables Django creates for a declared model are covered by it.
    """
    missing = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue  # its table is its concrete model's, checked on its own
        if model._meta.auto_created:
            owner: Any = model._meta.auto_created
            if owner._meta.label in _declarations:
                continue
        declaration = _declarations.get(model._meta.label)
        covered = set(declaration.person_fields + declaration.address_fields) if declaration else set()
        for name in _links_to_person(model):
            if name not in covered:
                missing.append(f"{model._meta.label}.{name}")
    return sorted(missing)
