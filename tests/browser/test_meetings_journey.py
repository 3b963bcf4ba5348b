"""Meetings in a browser: find a time together from two accounts, plan the cycle from it, download an .ics.

Keyboard and accessible names only (labels, roles); the meetings pages are audited with axe-core.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import icalendar
import pytest
from playwright.sync_api import Page, expect

from cercles.meetings.models import Meeting, Poll
from cercles.meetings.planning import PARIS
from tests.browser.test_accessibility import AXE_OPTIONS, format_violations
from tests.factories import make_circle, make_user, seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _axe(page: Page, label: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations(label, violations)


def test_a_poll_answered_by_two_members_becomes_a_cycle_and_an_ics(
    signed_in_context: Callable[..., object], reference_data: None
) -> None:
    fanny, marc, nina = make_user("fanny"), make_user("marc"), make_user("nina")
    circle = make_circle(title="Codéveloppement des cadres", facilitators=(fanny,), meeting_duration_minutes=120)
    seat(circle, marc)
    seat(circle, nina)
    year = datetime.date.today().year + 2
    facilitator: Page = signed_in_context(fanny).new_page()  # type: ignore[attr-defined]

    # The facilitator proposes three slots.
    facilitator.goto(f"/cercles/{circle.pk}/seances/")
    facilitator.get_by_role("link", name="Trouver un créneau").click()
    facilitator.get_by_label(re.compile("Créneaux proposés")).fill(
        f"12/01/{year} 18:00\n13/01/{year} 12:30\n14/01/{year} 09:00"
    )
    facilitator.get_by_role("button", name="Proposer ces créneaux").press("Enter")
    expect(facilitator.get_by_role("heading", level=1)).to_contain_text("Trouver un créneau")
    _axe(facilitator, "poll page (facilitator)")
    poll = Poll.objects.get()

    # Two members answer from their own accounts.
    answers = {marc: ["Non", "Oui", "Si besoin"], nina: ["Oui", "Oui", "Non"]}
    for person, choices in answers.items():
        page: Page = signed_in_context(person).new_page()  # type: ignore[attr-defined]
        page.goto(f"/creneaux/{poll.pk}/")
        for row, choice in enumerate(choices):
            page.locator("tbody tr").nth(row).get_by_label(choice, exact=True).check()
        page.get_by_role("button", name="Enregistrer mes disponibilités").press("Enter")
        expect(page.locator(".alert").first).to_contain_text("disponibilités sont enregistrées")
        page.close()

    # The 13th has two "oui": it ranks first, is checked, and its pick prefills the plan.
    facilitator.reload()
    expect(facilitator.locator("#pick-" + str(poll.slots.order_by("starts_at")[1].pk))).to_be_checked()
    facilitator.get_by_role("button", name="Retenir ce créneau").press("Enter")
    expect(facilitator.get_by_label("Date de la première séance")).to_have_value(f"{year}-01-13")
    expect(facilitator.get_by_label("Heure de début (heure de Paris)")).to_have_value("12:30")
    facilitator.get_by_label("Rythme").select_option("mensuel_nieme")
    facilitator.get_by_label("Nombre de séances").fill("4")
    facilitator.get_by_role("button", name="Voir l'aperçu").press("Enter")
    expect(facilitator.get_by_role("heading", name="Aperçu")).to_be_visible()
    _axe(facilitator, "plan preview")
    facilitator.get_by_role("button", name="Enregistrer ce cycle").press("Enter")
    expect(facilitator.get_by_role("heading", level=1)).to_contain_text("Séances de")
    assert Meeting.objects.filter(circle=circle).count() == 4
    _axe(facilitator, "circle meetings (facilitator)")

    # A member downloads the first meeting's .ics.
    member: Page = signed_in_context(marc).new_page()  # type: ignore[attr-defined]
    member.goto(f"/cercles/{circle.pk}/seances/")
    _axe(member, "circle meetings (member)")
    with member.expect_download() as download:
        member.get_by_role("link", name="Ajouter à mon agenda (.ics)").first.click()
    body = open(download.value.path(), "rb").read()  # noqa: SIM115 - Playwright gives a path
    [event] = list(icalendar.Calendar.from_ical(body).walk("VEVENT"))
    assert event.decoded("dtstart") == datetime.datetime(year, 1, 13, 12, 30, tzinfo=PARIS)
    assert str(event["summary"]) == "Codéveloppement des cadres"
    member.goto("/mes-seances/")
    expect(member.get_by_role("heading", level=1)).to_contain_text("Mes prochaines séances")
    _axe(member, "upcoming meetings")
