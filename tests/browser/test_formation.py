"""A coordinator forms groups in the browser: runs the formation, watches its progress, moves someone by
hand and sees the score change, publishes; a placed person takes their seat and sees their new circle."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from cercles.formation import services
from cercles.formation.models import Application, ApplicationStatus, FormationRun
from cercles.formation.tests.factories import make_applicants, make_call
from tests.browser.test_accessibility import AXE_OPTIONS, format_violations
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_coordinator_forms_publishes_and_a_member_sees_their_circle(
    signed_in_context: Callable[..., Any], reference_data: None, settings: Any
) -> None:
    # The run waits in the queue, as on the site, until "the worker" (this test) takes it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    claire = make_user("claire", is_staff=True)
    call = make_call(claire, seconds=1, title="Codéveloppement du printemps")
    make_applicants(call, 16, organisations=60, slot_sets=[list(call.slots.all())])

    page: Page = signed_in_context(claire).new_page()
    page.goto(f"/formation/appels/{call.pk}/")
    page.get_by_role("button", name="Former les groupes").click()
    expect(page.get_by_role("heading", name=re.compile("Calcul n° 1"))).to_be_visible()
    expect(page.locator("#progression-etat")).to_contain_text("En attente de démarrage")
    expect(page.get_by_role("button", name="Annuler le calcul")).to_be_visible()

    run = FormationRun.objects.get(call=call)
    services.run_execute(run_id=run.pk)  # the worker's turn; the page is polling meanwhile
    expect(page.get_by_role("heading", name=re.compile("Résultat du calcul n° 1"))).to_be_visible()
    score_before = page.locator("#score-valeur").inner_text()
    assert "du maximum possible" in score_before

    run.refresh_from_db()
    first, second = run.groups[0][0], run.groups[1][0]
    page.locator("#edit-person").select_option(first)
    page.locator("#edit-swap").select_option(second)
    expect(page.locator("#apercu")).to_contain_text("Effet sur le score")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.locator("#score-valeur")).not_to_have_text(score_before)

    page.get_by_role("button", name="Publier ces groupes").click()
    expect(page.get_by_role("heading", name="Cercles formés")).to_be_visible()

    application = Application.objects.select_related("user", "circle").get(pk=int(first))
    assert application.status == ApplicationStatus.OFFERED
    member: Page = signed_in_context(application.user).new_page()
    member.goto(f"/places/{application.pk}/")
    member.get_by_label("J'accepte le pacte de confidentialité du cercle").check()
    member.get_by_role("button", name="Prendre ma place").click()
    expect(member.get_by_role("heading", name=application.circle.title)).to_be_visible()
    expect(member.locator("body")).to_contain_text(application.user.last_name)


def test_a_coordinator_adds_a_question_to_an_open_call_and_an_applicant_answers_it_by_keyboard(
    signed_in_context: Callable[..., Any], reference_data: None
) -> None:
    claire = make_user("claire", is_staff=True)
    call = make_call(claire, title="Codéveloppement d'automne")
    coordinator: Page = signed_in_context(claire).new_page()
    coordinator.goto(f"/formation/appels/{call.pk}/")
    coordinator.get_by_role("link", name="modifier l'appel").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Modifier l'appel")
    first_question = coordinator.get_by_role("group", name="Question 1")
    first_question.get_by_label("Question").fill("Ancienneté dans la fonction")
    first_question.get_by_label("Réponses proposées").fill("moins de 2 ans")  # one answer: refused
    coordinator.get_by_role("button", name="Enregistrer l'appel").press("Enter")
    expect(coordinator.locator("body")).to_contain_text("doit proposer de 2 à 12 réponses")
    violations = Axe().run(coordinator, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations("edit page with an error", violations)
    coordinator.get_by_role("group", name="Question 1").get_by_label("Réponses proposées").fill(
        "moins de 2 ans\n2 à 5 ans\nplus de 5 ans"
    )
    coordinator.get_by_role("button", name="Enregistrer l'appel").press("Enter")
    expect(coordinator.locator(".alert-success")).to_contain_text("L'appel est modifié.")

    applicant = make_user("pia")
    page: Page = signed_in_context(applicant).new_page()
    page.goto(f"/appels/{call.pk}/")
    page.get_by_label("Ce que vous venez chercher").fill("Prendre du recul.")
    page.get_by_label("mardi 9h–12h").check()
    page.get_by_role("button", name="Envoyer ma candidature").press("Enter")
    expect(page.locator("body")).to_contain_text("Répondez à la question « Ancienneté dans la fonction ».")
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations("apply page with an unanswered question", violations)
    expect(page.get_by_label("Ce que vous venez chercher")).to_have_value("Prendre du recul.")
    answer = page.get_by_role("group", name="Ancienneté dans la fonction").get_by_label("2 à 5 ans")
    answer.focus()
    page.keyboard.press("Space")
    expect(answer).to_be_checked()
    page.get_by_role("button", name="Envoyer ma candidature").press("Enter")
    expect(page.locator("body")).to_contain_text("Ancienneté dans la fonction : 2 à 5 ans")

    coordinator.goto(f"/formation/appels/{call.pk}/")
    expect(coordinator.locator("table")).to_contain_text("Ancienneté dans la fonction : 2 à 5 ans")
    coordinator.get_by_role("link", name="modifier l'appel").click()
    expect(coordinator.locator("body")).to_contain_text("les questions ne peuvent plus changer")
    expect(coordinator.get_by_role("group", name="Question 1").get_by_label("Question")).to_be_disabled()
