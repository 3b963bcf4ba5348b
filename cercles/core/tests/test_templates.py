"""Templates ask named questions (``membership.is_waiting``), never compare raw status or role strings:
a renamed value would otherwise silently show the wrong thing."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parents[2]


def _choice_values() -> set[str]:
    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("cercles."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and field.choices:
                values.update(str(value) for value, _label in field.flatchoices)
    return values


def test_no_template_compares_a_stored_choice_value() -> None:
    values = _choice_values()
    assert "attente" in values  # the scan sees the models' choices
    comparison = re.compile(r"""[!=]=\s*["']([^"']+)["']""")
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in ROOT.glob("*/templates/**/*")
        if path.is_file()
        for match in comparison.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) in values
    ]
    assert offenders == []
