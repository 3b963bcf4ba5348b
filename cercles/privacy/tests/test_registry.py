from __future__ import annotations

from typing import Any

import pytest

from cercles.privacy.registry import Erase, declarations, personal_data, undeclared_person_links


def test_every_link_to_a_person_is_declared_by_its_app() -> None:
    """A model with a relation to a person or an e-mail field must say how it is exported and erased
    (cercles/<app>/personal_data.py): see docs/privacy.md."""
    assert undeclared_person_links() == []


def _field_at(model: Any, path: str) -> Any:
    """The field a path names ("user", or "application__user" through the relations)."""
    *relations, last = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(last)


def test_every_declared_field_exists_on_its_model() -> None:
    for declaration in declarations():
        for name in declaration.person_fields + declaration.address_fields:
            if name != "pk":
                _field_at(declaration.model, name)
        for path in declaration.export_fields:
            assert declaration.model.objects.values(path).query is not None


def test_a_model_cannot_be_declared_twice_differently() -> None:
    membership = next(d for d in declarations() if d.key == "circles.Membership")
    with pytest.raises(ValueError, match="already declared"):
        personal_data(membership.model, label="autre", person_fields=("user",))


def test_rows_kept_after_erasure_must_say_why() -> None:
    from cercles.circles.models import CircleKind

    with pytest.raises(ValueError, match="note"):
        personal_data(CircleKind, label="x", erase=Erase.KEEP_BY_ID)
    assert "circles.CircleKind" not in {d.key for d in declarations()}
