"""Rendering within a batch: what every message shares is worked out once, and only within the batch."""

from __future__ import annotations

import pytest

from cercles.notifications import registry
from cercles.notifications.registry import batch_scope, render_templates

pytestmark = pytest.mark.django_db
TEMPLATE = "reminders/email/circle_message"


@pytest.fixture
def rendered_templates(monkeypatch) -> list[str]:
    names: list[str] = []
    render_text = registry._render_text

    def counting(name, context):  # type: ignore[no-untyped-def]
        names.append(name)
        return render_text(name, context)

    monkeypatch.setattr(registry, "_render_text", counting)
    return names


def context(subject: str, text: str) -> dict[str, object]:
    return {"subject": subject, "text": text, "author": "Alice", "person": None, "circle_id": 1}


def test_within_a_batch_the_signature_and_a_shared_subject_are_rendered_once(rendered_templates) -> None:
    with batch_scope():
        first = render_templates(TEMPLATE, context("Séance de mars", "Pour Bob"), subject_key="mars")
        second = render_templates(TEMPLATE, context("Séance de mars", "Pour Charlie"), subject_key="mars")
        other = render_templates(TEMPLATE, context("Séance d'avril", "Pour Bob"), subject_key="avril")
    assert (first.subject, second.subject, other.subject) == (
        "[Cercles] Séance de mars",
        "[Cercles] Séance de mars",
        "[Cercles] Séance d'avril",
    )
    assert "Pour Charlie" in second.body
    assert second.body.endswith(first.body[first.body.index("--") :])  # the same signature
    assert rendered_templates.count("notifications/signature.txt") == 1
    assert rendered_templates.count(f"{TEMPLATE}_subject.txt") == 2  # once per key
    assert rendered_templates.count(f"{TEMPLATE}_body.txt") == 3  # the body is each person's own


def test_outside_a_batch_and_in_the_next_batch_everything_is_rendered_again(rendered_templates, settings) -> None:
    with batch_scope():
        render_templates(TEMPLATE, context("Objet", "Texte"), subject_key="k")
    settings.SITE_URL = "https://autre.example.fr"
    with batch_scope():
        again = render_templates(TEMPLATE, context("Objet", "Texte"), subject_key="k")
    assert "https://autre.example.fr" in again.body
    render_templates(TEMPLATE, context("Objet", "Texte"), subject_key="k")
    assert rendered_templates.count("notifications/signature.txt") == 3
