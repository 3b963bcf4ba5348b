"""axe-core on every page reachable from home, signed out and as each persona: a crawl, not a list.

From "/" each persona follows the links of every page it opens (same site, GET only: every change
is a POST, so a crawl changes nothing), one page per URL pattern and persona, with the site's CSP in
force. Every HTML page answered 200 gets an axe audit (WCAG 2.1 A/AA); the report names the page and
the persona. The coordination (Django admin) shares one template set across its models: it is
audited on each kind of page once (home, an app's index, a list, a change form, an add form…).

This runs once per CI run, in the embedded mode (SQLite): a crawl costs minutes, not seconds.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from tests.browser.test_accessibility import AXE_OPTIONS, format_violations
from tests.matrix_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PERSONAS = ("anonymous", "outsider", "waiting", "member", "facilitator", "coordinator", "observer")
MAX_PAGES_PER_PERSONA = 80
ADMIN_PAGE_KINDS = ("_changelist", "_change", "_add", "_history", "_delete")


def pattern_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace == "admin":
        # One page of each kind for the whole coordination: a list stands for every list.
        name = match.url_name or ""
        if name.startswith("password_change"):
            return f"admin:{name}"
        return "admin:" + next((kind for kind in ADMIN_PAGE_KINDS if name.endswith(kind)), name)
    return f"{match.namespace}:{match.url_name}" if match.namespace else (match.url_name or match.route)


@pytest.fixture
def embedded_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the accessibility crawl runs once per CI run, in the embedded mode (SQLite)")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_reachable_from_home_has_no_wcag_violation(
    persona: str, embedded_only: None, reference_data: None, live_server, fresh_context, signed_in_context
) -> None:
    world = build_world()
    user = world.users[persona]
    context = signed_in_context(user) if user is not None else fresh_context()
    page = context.new_page()
    origin = urlsplit(live_server.url)

    seen_patterns: set[str] = set()
    queue: deque[str] = deque(["/"])
    audited: list[str] = []
    failures: list[str] = []
    while queue and len(audited) < MAX_PAGES_PER_PERSONA:
        path = queue.popleft()
        pattern = pattern_of(urlsplit(path).path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # an export or a calendar file: nothing to audit
            raise
        if response is None or response.status != 200:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        audited.append(path)
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        if violations:
            failures.append(format_violations(f"{path} ({persona})", violations))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)"):
            target = urlsplit(urldefrag(href)[0])
            if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(audited) >= 5, f"the crawl as {persona} reached only {audited}"
    assert not failures, "\n\n".join(failures)
