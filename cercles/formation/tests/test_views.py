"""The formation's pages: what each person sees, forms that keep what was typed, htmx fragments, query counts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercles.circles.models import Membership, MembershipStatus
from cercles.formation import services
from cercles.formation.exceptions import RUN_EDITED_MEANWHILE, SLOT_REQUIRED
from cercles.formation.models import Application, ApplicationStatus, Call, FormationRun, RunStatus
from cercles.formation.tests.factories import make_applicants, make_call
from cercles.people.models import User
from conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Runner = Callable[..., FormationRun]


class TestApplyPage:
    def test_a_refused_application_keeps_what_was_typed(self, call: Call, bob: User) -> None:
        response = client_for(bob).post(
            reverse("formation:apply", args=[call.pk]),
            {"motivation": "Mon texte patiemment écrit", "avoid_text": "Jean Dupont"},
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Mon texte patiemment écrit" in html
        assert "Jean Dupont" in html
        assert str(SLOT_REQUIRED) in html.replace("&#x27;", "'")

    def test_the_applicant_sees_their_own_application_and_nobody_elses(self, call: Call, bob: User) -> None:
        other = make_user("zoe")
        services.application_submit(
            call_id=call.pk, user=other, motivation="Motivation de Zoé", slot_ids=[call.slots.first().pk]
        )
        response = client_for(bob).post(
            reverse("formation:apply", args=[call.pk]),
            {"motivation": "Motivation de Bob", "slots": [call.slots.first().pk], "avoid_text": "Zoé Test"},
            follow=True,
        )
        html = response.content.decode()
        assert "Motivation de Bob" in html
        assert "Motivation de Zoé" not in html
        # Whether "Zoé Test" matched anyone is never said to Bob.
        assert "correspond" not in html

    def test_the_form_says_that_with_must_be_mutual(self, call: Call, bob: User) -> None:
        html = client_for(bob).get(reverse("formation:apply", args=[call.pk])).content.decode()
        assert "seulement si cette personne vous nomme aussi" in html


def _sizes(count: int, call: Call) -> None:
    make_applicants(call, count, organisations=count)


class TestCoordinatorPages:
    def test_the_management_page_keeps_its_query_count_whatever_the_number_of_applications(self, claire: User) -> None:
        counts = []
        for size in (10, 80):
            call = make_call(claire)
            _sizes(size, call)
            client = client_for(claire)
            client.get(reverse("formation:manage", args=[call.pk]))
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("formation:manage", args=[call.pk]))
            assert response.status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_the_result_page_keeps_its_query_count_and_explains_the_groups(self, claire: User, run_now: Runner) -> None:
        counts = []
        for size in (20, 60):
            call = make_call(claire, seconds=1)
            _sizes(size, call)
            run = run_now(call)
            assert run.status == RunStatus.DONE
            client = client_for(claire)
            client.get(reverse("formation:run", args=[run.pk]))
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("formation:run", args=[run.pk]))
            html = response.content.decode()
            counts.append(len(queries))
            assert "du maximum possible" in html
            assert "une répartition au hasard atteindrait" in html
            assert "Le groupe le moins varié est le groupe" in html
            assert "organisations" in html
            assert "familles de métiers" in html
            assert f"Calcul affiché : n° {run.number}" in html
        assert counts[0] == counts[1]

    def test_progress_is_polled_until_the_result_is_there(self, call: Call, claire: User) -> None:
        make_applicants(call, 12)
        run = services.run_start(call_id=call.pk, started_by=claire)
        client = client_for(claire)
        fragment = client.get(reverse("formation:run_progress", args=[run.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in fragment
        assert "Annuler le calcul" in fragment
        services.run_execute(run_id=run.pk)
        response = client.get(reverse("formation:run_progress", args=[run.pk]))
        assert response["HX-Redirect"] == reverse("formation:run", args=[run.pk])
        assert 'hx-trigger="every 1s"' not in response.content.decode()

    def test_the_preview_shows_the_score_change_and_what_breaks(
        self, call: Call, claire: User, run_now: Runner
    ) -> None:
        make_applicants(call, 12, organisations=40, slot_sets=[list(call.slots.all())])
        run = run_now(call)
        person = run.groups[0][0]
        html = (
            client_for(claire)
            .get(reverse("formation:run_preview", args=[run.pk]), {"person": person, "group": ""})
            .content.decode()
        )
        assert "Effet sur le score" in html
        assert "a moins de personnes que la taille minimale" in html

    def test_an_edit_from_an_older_page_says_so(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 20, organisations=40)
        run = run_now(call)
        client = client_for(claire)
        url = reverse("formation:run_edit", args=[run.pk])
        first, second = run.groups[0][0], run.groups[1][0]
        client.post(url, {"version": 0, "person": first, "swap_with": second})
        response = client.post(url, {"version": 0, "person": first, "swap_with": second}, follow=True)
        assert str(RUN_EDITED_MEANWHILE) in response.content.decode().replace("&#x27;", "'")
        assert FormationRun.objects.get(pk=run.pk).edits_version == 1


class TestSeat:
    def test_a_placed_person_sees_no_member_list_until_they_accept_the_pact(
        self, call: Call, claire: User, run_now: Runner
    ) -> None:
        make_applicants(call, 20, organisations=40)
        run = run_now(call)
        circles = services.call_publish(run_id=run.pk, published_by=claire)
        offered = list(Application.objects.filter(call=call, circle=circles[0]).select_related("user"))
        first, second = offered[0], offered[1]
        services.seat_accept(application_id=first.pk, user=first.user, pact_accepted=True)
        client = client_for(second.user)
        detail = client.get(reverse("circles:detail", args=[circles[0].pk])).content.decode()
        assert first.user.last_name not in detail
        page = client.get(reverse("formation:seat", args=[second.pk])).content.decode()
        assert "Le pacte de confidentialité" in page
        response = client.post(reverse("formation:seat", args=[second.pk]), {"pact": "on"})
        assert response.status_code == 302
        assert Membership.objects.get(circle=circles[0], user=second.user).status == MembershipStatus.ACTIVE
        detail = client.get(reverse("circles:detail", args=[circles[0].pk])).content.decode()
        assert first.user.last_name in detail

    def test_a_seat_after_its_delay_cannot_be_taken(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 20, organisations=40)
        run = run_now(call)
        services.call_publish(run_id=run.pk, published_by=claire)
        application = Application.objects.filter(call=call, status=ApplicationStatus.OFFERED).first()
        Application.objects.filter(pk=application.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(1))
        response = client_for(application.user).post(reverse("formation:seat", args=[application.pk]), {"pact": "on"})
        assert response.status_code == 400
        assert "le délai pour l" in response.content.decode().replace("&#x27;", "'")


def test_coordinators_open_a_call_with_french_slots_and_bad_input_keeps_the_form(claire: User) -> None:
    from cercles.circles.models import CircleKind

    client = client_for(claire)
    now = timezone.localtime()
    data: dict[str, Any] = {
        "kind": CircleKind.objects.get(slug="codeveloppement").pk,
        "title": "Cercles de codéveloppement, session de printemps",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "cycle_starts_on": (now + datetime.timedelta(days=40)).date().isoformat(),
        "slots_text": "mardi 9h–12h\nle jeudi après-midi",
        "weight_organisation": 3,
        "weight_organisation_type": 2,
        "weight_job_family": 2,
        "weight_territory": 1,
        "territory": "departement",
        "meeting_format": "en_ligne",
        "seat_delay_days": 7,
        "time_budget_seconds": 20,
        # One question of the call's own, and a blank one, which asks nothing.
        "questions-TOTAL_FORMS": 2,
        "questions-INITIAL_FORMS": 0,
        "questions-0-label": "Taille de la collectivité",
        "questions-0-choices_text": "moins de 2 000 habitants",
        "questions-0-weight": 2,
        "questions-1-required": "on",
        "questions-1-weight": 1,
    }
    response = client.post(reverse("formation:call_create"), data)
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert "Créneau illisible : « le jeudi après-midi »" in html
    assert "La question « Taille de la collectivité » doit proposer de 2 à 12 réponses" in html
    assert "session de printemps" in html
    assert "moins de 2 000 habitants" in html
    data["slots_text"] = "mardi 9h–12h\njeudi 14h-17h"
    data["questions-0-choices_text"] = "moins de 2 000 habitants\nde 2 000 à 20 000\nplus de 20 000"
    response = client.post(reverse("formation:call_create"), data)
    call = Call.objects.get(title__endswith="session de printemps")
    assert response["Location"] == reverse("formation:manage", args=[call.pk])
    assert (call.min_size, call.max_size) == (call.kind.min_size, call.kind.max_size)
    question = call.questions.get()
    assert (question.label, len(question.choices), question.required, question.weight) == (
        "Taille de la collectivité",
        3,
        False,
        2,
    )
