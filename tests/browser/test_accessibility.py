"""Accessibility audit of the main pages with axe-core: no WCAG 2.1 A/AA violation.

axe is injected with Playwright's ``page.evaluate`` (a DevTools call, which the site's strict
``script-src 'self'`` policy does not block), so the pages are audited exactly as served, CSP
included. Each page is audited in its own test so that a report names the page at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from cercles.circles.models import Circle, MembershipStatus
from cercles.people.models import User
from tests.factories import make_circle, make_user, seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


@dataclass
class Programme:
    facilitator: User
    member: User
    outsider: User
    waiting: User
    applicant: User
    circle: Circle
    full_circle: Circle
    approval_circle: Circle


@pytest.fixture
def programme(live_server: object, reference_data: None) -> Programme:
    facilitator = make_user("fanny")
    member = make_user("marc")
    outsider = make_user("octave")
    circle = make_circle(title="Codéveloppement des cadres", capacity=6, facilitators=(facilitator,))
    seat(circle, member)
    full_circle = make_circle(title="Cercle complet", capacity=1, facilitators=(facilitator,))
    seat(full_circle, make_user())
    waiting = make_user("wanda")
    seat(full_circle, waiting, status=MembershipStatus.WAITING)
    applicant = make_user("agathe")
    approval_circle = make_circle(title="Cercle sur validation", approval=True, facilitators=(facilitator,))
    seat(approval_circle, applicant, status=MembershipStatus.PENDING)
    return Programme(facilitator, member, outsider, waiting, applicant, circle, full_circle, approval_circle)


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)


def assert_accessible(page: Page, path: str, *, status: int = 200, heading: str | None = None) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations(path, violations)


PAGES: dict[str, tuple[str | None, Callable[[Programme], str], str, int]] = {
    # name: (who, path, first heading, status)
    "home": (None, lambda p: "/", "Cercles d'apprentissage et d'entraide", 200),
    "catalogue": (None, lambda p: "/cercles/", "Tous les cercles", 200),
    "catalogue-filtered-empty": (None, lambda p: "/cercles/?q=introuvable&statut=ouvert", "Tous les cercles", 200),
    "circle-anonymous": (None, lambda p: f"/cercles/{p.circle.pk}/", "Codéveloppement des cadres", 200),
    "circle-full-anonymous": (None, lambda p: f"/cercles/{p.full_circle.pk}/", "Cercle complet", 200),
    "login": (None, lambda p: "/compte/login/", "", 200),
    "signup": (None, lambda p: "/compte/signup/", "", 200),
    "privacy": (None, lambda p: "/profil/donnees-personnelles/", "Vos données personnelles", 200),
    "not-found": (None, lambda p: "/cette-page-n-existe-pas/", "Page introuvable", 404),
    "circle-member": ("member", lambda p: f"/cercles/{p.circle.pk}/", "Codéveloppement des cadres", 200),
    "circle-facilitator": ("facilitator", lambda p: f"/cercles/{p.full_circle.pk}/", "Cercle complet", 200),
    "circle-facilitator-applications": (
        "facilitator",
        lambda p: f"/cercles/{p.approval_circle.pk}/",
        "Cercle sur validation",
        200,
    ),
    "circle-waiting": ("waiting", lambda p: f"/cercles/{p.full_circle.pk}/", "Cercle complet", 200),
    "circle-applicant": ("applicant", lambda p: f"/cercles/{p.approval_circle.pk}/", "Cercle sur validation", 200),
    "join-approval": ("outsider", lambda p: f"/cercles/{p.approval_circle.pk}/rejoindre/", "Rejoindre", 200),
    "my-circles-waiting": ("waiting", lambda p: "/mes-cercles/", "Mes cercles", 200),
    "circle-edit": ("facilitator", lambda p: f"/cercles/{p.circle.pk}/modifier/", "Modifier", 200),
    "join": ("outsider", lambda p: f"/cercles/{p.circle.pk}/rejoindre/", "Rejoindre", 200),
    "join-full": ("outsider", lambda p: f"/cercles/{p.full_circle.pk}/rejoindre/", "Rejoindre", 200),
    "profile": ("member", lambda p: "/profil/", "Mon profil", 200),
    "my-circles": ("member", lambda p: "/mes-cercles/", "Mes cercles", 200),
    "my-circles-facilitator": ("facilitator", lambda p: "/mes-cercles/", "Mes cercles", 200),
    "leave-member": ("member", lambda p: f"/cercles/{p.circle.pk}/quitter/", "Quitter le cercle", 200),
    "leave-waiting": ("waiting", lambda p: f"/cercles/{p.full_circle.pk}/quitter/", "Quitter la liste", 200),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_violation(name: str, programme: Programme, fresh_context, signed_in_context) -> None:
    who, path_for, heading, status = PAGES[name]
    context = signed_in_context(getattr(programme, who)) if who else fresh_context()
    assert_accessible(context.new_page(), path_for(programme), status=status, heading=heading or None)


def test_profile_form_errors_are_accessible(programme: Programme, signed_in_context) -> None:
    """The profile form after a submission with missing fields: errors shown and still accessible."""
    newcomer = make_user("nina", complete_profile=False)
    page = signed_in_context(newcomer).new_page()
    page.goto("/profil/")
    page.get_by_role("button", name="Enregistrer mon profil").press("Enter")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations("/profil/ (after an invalid submission)", violations)
