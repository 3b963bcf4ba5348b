"""Every URL pattern × every persona: the outcome written in tests/permission_matrix.py, and the
protected strings absent wherever the persona may not see them (present where it may)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix_world import build_world
from tests.permission_matrix import (
    PERSONAS,
    ROWS,
    SECRETS,
    Outcome,
    Row,
    doc_with_table,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "confidentiality.md"


def _patterns(
    resolvers: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> list[tuple[str, str]]:
    """(route, full name) of every URL pattern of the site."""
    found: list[tuple[str, str]] = []
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _patterns(entry.url_patterns, route, inner)
        else:
            found.append((route, f"{namespace}{entry.name}" if entry.name else ""))
    return found


def test_every_url_pattern_has_a_row_in_the_matrix() -> None:
    named = {row.name for row in ROWS if not row.prefix}
    prefixes = [row.name for row in ROWS if row.prefix]
    missing = [
        f"{route} ({name or 'no name'})"
        for route, name in _patterns(get_resolver().url_patterns)
        if not any(route.startswith(prefix) for prefix in prefixes) and name not in named
    ]
    assert missing == [], f"URL patterns without a row in tests/permission_matrix.py: {missing}"


def test_the_confidentiality_page_shows_the_matrix_as_tested() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert doc == doc_with_table(doc), (
        "docs/confidentiality.md is stale: run `python -m tests.permission_matrix --write`"
    )


def _outcome(response: HttpResponse) -> Outcome:
    if response.status_code == 200:
        return Outcome.OK
    if response.status_code in (302, 303):  # 303: a command posted without JavaScript, back to its page
        target = response["Location"]
        return Outcome.LOGIN if "login" in target or "connexion" in target else Outcome.REDIRECT
    return {403: Outcome.DENIED, 404: Outcome.NOT_FOUND, 400: Outcome.REFUSED, 409: Outcome.REFUSED}.get(
        response.status_code,
        Outcome.REFUSED if response.status_code < 500 else None,  # type: ignore[arg-type]
    )


CELLS = [pytest.param(row, persona, id=f"{row.name}-{row.method}-{persona}") for row in ROWS for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "persona"), CELLS)
def test_each_persona_meets_the_outcome_the_matrix_states(client, row: Row, persona: str) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    user = world.users[persona]
    if user is not None:
        client.force_login(user)
    path = row.path(world)
    data = row.data(world) if row.data else {}
    # The htmx header is not sent: a domain refusal then answers with its own status, not a redirect.
    response = client.post(path, data) if row.method == "POST" else client.get(path)
    assert response.status_code < 500
    assert _outcome(response) == row.expect[persona], f"{row.method} {path} as {persona}: {response.status_code}"
    body = response.content.decode(errors="replace")  # a PDF is bytes
    for key, allowed in row.secrets.items():
        secret = world.secrets[key]
        if persona in allowed and response.status_code == 200:
            assert secret in body, f"{path} should show {SECRETS[key]} to {persona}"
        elif persona not in allowed:
            assert secret not in body, f"{path} shows {SECRETS[key]} to {persona}"
