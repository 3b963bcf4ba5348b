"""Helpers for tests that drive the coordination pages (the Django admin) with the test client."""

from __future__ import annotations

from typing import Any

from django.test import Client


def admin_form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """What the admin's change form posts as it was opened, with ``changes`` typed in."""
    page = client.get(url)
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue  # an unchecked box is not posted
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes


def filtered(client: Client, url: str, *, shown: list[str], hidden: list[str]) -> None:
    """The list at ``url`` shows each of ``shown`` and none of ``hidden``."""
    html = client.get(url).content.decode()
    assert [text for text in shown if text not in html] == []
    assert [text for text in hidden if text in html] == []
