"""The coordination pages on a 1280 px screen: the lists fit without scrolling sideways, in French."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cercles.circles.models import MembershipStatus
from cercles.people.models import User
from tests.factories import fill, make_circle, make_user, seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LIST_PAGES = [
    "/coordination/circles/circle/",
    "/coordination/people/user/",
    "/coordination/circles/membership/",
    "/coordination/django_tasks_database/dbtaskresult/",
]


@pytest.fixture
def coordinator_page(signed_in_context: Callable[..., object], reference_data: None) -> Page:
    from cercles.people.models import Departement

    facilitator = make_user("fanny")
    departements = list(Departement.objects.filter(code__in=["35", "69", "13"]))
    for number in range(12):
        circle = make_circle(
            title=f"Codéveloppement des cadres territoriaux de la région, promotion {number}",
            facilitators=(facilitator,) if number % 3 else (),
            capacity=4,
            departement=departements[number % 3],
        )
        fill(circle, 4)
        seat(circle, make_user(), status=MembershipStatus.WAITING)
    # Long names, as in real life, so that the check does not pass by luck of short test names.
    User.objects.update(last_name="de La Tour d'Auvergne-Lauraguais de Montmorency")
    coordinator = make_user("claire", is_staff=True)
    context = signed_in_context(coordinator, viewport={"width": 1280, "height": 900})
    return context.new_page()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_the_list_fits_a_1280_px_screen(coordinator_page: Page, url: str, tmp_path: Path) -> None:
    coordinator_page.goto(url)
    assert coordinator_page.locator("html").get_attribute("lang") == "fr"
    # Neither the page nor the results table (which the admin lets scroll inside its box) is wider.
    overflow = coordinator_page.evaluate(
        """Math.max(document.documentElement.scrollWidth - window.innerWidth,
                    ...[...document.querySelectorAll('#changelist .results')].map(
                        (box) => box.scrollWidth - box.clientWidth))"""
    )
    coordinator_page.screenshot(path=str(tmp_path / "liste.png"), full_page=True)
    assert overflow <= 0, f"{url} scrolls sideways by {overflow} px at 1280 px (screenshot: {tmp_path})"


def test_the_circle_list_filters_in_french(coordinator_page: Page) -> None:
    coordinator_page.goto(LIST_PAGES[0])
    filters = coordinator_page.locator("#changelist-filter").inner_text()
    for title in ("statut", "animation", "besoin", "région", "département"):
        assert title in filters.lower()
    coordinator_page.get_by_role("link", name="Animation à pourvoir").click()
    expect(coordinator_page).to_have_url(re.compile(r"animation=a_pourvoir"))
    expect(coordinator_page.locator("#result_list tbody tr")).to_have_count(4)


def test_a_coordinator_signs_in_with_password_and_authenticator_code(
    fresh_context: Callable[..., object], live_server: object, reference_data: None
) -> None:
    from tests.factories import PASSWORD, totp_code

    coordinator = make_user("claire", is_staff=True)
    page = fresh_context().new_page()  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/compte/login/")  # type: ignore[attr-defined]
    page.locator("input[name=login]").fill(coordinator.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile("/compte/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_code())
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(lambda url: "/compte/" not in url)  # signed in: sent on from the login pages
    page.goto(f"{live_server.url}/coordination/circles/circle/")  # type: ignore[attr-defined]
    expect(page).to_have_url(re.compile("/coordination/circles/circle/"))
