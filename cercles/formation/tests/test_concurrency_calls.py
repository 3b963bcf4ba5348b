"""Editing a call while others act on it: two coordinators saving at once, an application arriving mid-edit.

Runs on PostgreSQL with real concurrent transactions (the call row is locked with SELECT … FOR UPDATE
by both the edit and the application).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cercles.formation import services
from cercles.formation.exceptions import CallEditConflict, CallEditError, FormationError
from cercles.formation.models import ApplicationAnswer, Call
from cercles.formation.services import QuestionFields
from cercles.formation.tests.factories import call_fields, make_call
from tests.factories import make_user
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SENIORITY = QuestionFields("Ancienneté dans la fonction", ("moins de 2 ans", "2 à 5 ans", "plus de 5 ans"))


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent transactions")


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_saving_the_same_version_at_once_one_wins(attempt: int) -> None:
    claire, camille = make_user("claire", is_staff=True), make_user("camille", is_staff=True)
    call = make_call(claire)

    def edit(editor: object, title: str) -> Callable[[], object]:
        fields = call_fields(call, title=title)
        return lambda: services.call_update(call_id=call.pk, updated_by=editor, version=1, fields=fields)  # type: ignore[arg-type]

    errors = run_at_once([edit(claire, "Titre de Claire"), edit(camille, "Titre de Camille")])
    assert [type(error) for error in errors] == [CallEditConflict]
    saved = Call.objects.get(pk=call.pk)
    assert saved.version == 2
    assert saved.title in {"Titre de Claire", "Titre de Camille"}


@pytest.mark.parametrize("attempt", range(3))
def test_an_application_arriving_while_the_question_changes_never_keeps_an_answer_to_another_question(
    attempt: int,
) -> None:
    claire, pia = make_user("claire", is_staff=True), make_user("pia")
    call = make_call(claire, questions=(SENIORITY,))
    question = call.questions.get()
    narrower = call_fields(call, questions=(QuestionFields(SENIORITY.label, ("moins de 5 ans", "5 ans ou plus")),))

    def apply() -> object:
        return services.application_submit(
            call_id=call.pk,
            user=pia,
            motivation="Comparer nos pratiques.",
            slot_ids=[call.slots.first().pk],  # type: ignore[union-attr]
            answers={question.pk: "plus de 5 ans"},
        )

    def edit() -> object:
        return services.call_update(call_id=call.pk, updated_by=claire, version=1, fields=narrower)

    errors = run_at_once([apply, edit])
    # Whoever comes second is refused: the application (its answer is no longer a choice) or the edit
    # (the questions are frozen once someone applied).
    assert len(errors) == 1
    assert type(errors[0]) in (FormationError, CallEditError)
    question.refresh_from_db()
    for answer in ApplicationAnswer.objects.filter(question=question):
        assert answer.choice in question.choices
    assert ApplicationAnswer.objects.filter(question=question).exists() == (question.choices == list(SENIORITY.choices))
