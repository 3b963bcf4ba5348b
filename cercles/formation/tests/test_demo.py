"""The demo's open call: a newcomer can run a formation in the first minute."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cercles.formation.demo import DEMO_APPLICANTS
from cercles.formation.models import Application, ApplicationAnswer, ApplicationStatus, Call, RunStatus
from cercles.formation.selectors import run_result
from cercles.formation.services import run_start
from cercles.people.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_call_with_varied_applications_that_form_groups(
    tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DATA_DIR = tmp_path
    call_command("load_demo", "--quiet", stdout=StringIO())
    call = Call.objects.get()
    assert call.is_open_now
    applications = Application.objects.filter(call=call, status=ApplicationStatus.APPLIED)
    assert applications.count() == DEMO_APPLICANTS
    assert applications.values("user__profile__organisation").distinct().count() >= 30
    assert applications.values("user__profile__organisation__kind").distinct().count() >= 4
    assert applications.exclude(avoid_text="").exists()
    assert applications.exclude(with_text="").exists()
    # The call asks a question of its own, counted for diversity; most answer it, with every choice.
    question = call.questions.get()
    answers = ApplicationAnswer.objects.filter(question=question)
    assert DEMO_APPLICANTS * 0.8 <= answers.count() < DEMO_APPLICANTS
    assert set(answers.values_list("choice", flat=True)) == set(question.choices)
    coordinator = User.objects.get(email__startswith="coordination@")
    Call.objects.filter(pk=call.pk).update(time_budget_seconds=1)  # the demo's 10 s are for people, not tests
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(call_id=call.pk, started_by=coordinator)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert sum(len(group) for group in run.groups) >= DEMO_APPLICANTS * 0.9
    assert [question.attribute, float(question.weight)] in run.problem["attributes"]
    assert "à « Ancienneté dans la fonction »" in run_result(run=run).groups[0].words
