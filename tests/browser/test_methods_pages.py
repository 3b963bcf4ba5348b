"""The methods' pages in Chromium: no WCAG 2.1 A/AA violation (axe-core), and they reflow at 320 px
(no horizontal scrolling), for the public pages and the editors."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import AXE_OPTIONS, format_violations
from tests.factories import make_circle, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def audit(page: Page, path: str, heading: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations(path, violations)


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def test_the_methods_pages_are_accessible_and_reflow_at_320_px(fresh_context, signed_in_context) -> None:  # type: ignore[no-untyped-def]
    fanny = make_user("fanny")
    claire = make_user("claire", is_staff=True)
    circle = make_circle(title="Codéveloppement des cadres", facilitators=(fanny,))
    pages = [
        (None, "/methodes/", "Les méthodes des cercles"),
        (None, "/methodes/codeveloppement/", "Codéveloppement professionnel"),
        (None, f"/cercles/{circle.pk}/methode/", "La méthode de"),
        (fanny, f"/cercles/{circle.pk}/methode/seance/adapter/", "Adapter"),
        (claire, "/methodes/codeveloppement/seance/modifier/", "Modifier"),
    ]
    for who, path, heading in pages:
        for width in (1280, 320):
            viewport = {"width": width, "height": 900}
            context = signed_in_context(who, viewport=viewport) if who else fresh_context(viewport=viewport)
            page = context.new_page()
            audit(page, path, heading)
            if width == 320:
                assert not scrolls_sideways(page), f"{path} scrolls sideways at 320 px"
            context.close()
