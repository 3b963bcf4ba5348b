"""Editing an open call: what can change, when, and what is refused (services and the edit page)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from cercles.audit.models import AuditAction, AuditEvent
from cercles.core.policy import PolicyDenied
from cercles.formation import services
from cercles.formation.exceptions import (
    CALL_DATES_OUT_OF_ORDER,
    CALL_EDIT_PUBLISHED,
    CALL_EDITED_MEANWHILE,
    CALL_SIZES_OUT_OF_ORDER,
    QUESTION_LABEL_INVALID,
    QUESTION_LABEL_REPEATED,
    QUESTIONS_FROZEN,
    CallEditConflict,
    CallEditError,
    CallNotFound,
    FormationError,
    slot_chosen_message,
)
from cercles.formation.forms import CallEditForm, QuestionForm
from cercles.formation.models import Application, ApplicationStatus, Call, CallQuestion, FormationRun
from cercles.formation.services import QuestionFields
from cercles.formation.tests.factories import call_fields as fields_of
from cercles.formation.tests.factories import make_applicants, make_call
from cercles.people.models import User
from conftest import client_for

pytestmark = pytest.mark.django_db

Runner = Callable[..., FormationRun]

SENIORITY = QuestionFields("Ancienneté dans la fonction", ("moins de 2 ans", "2 à 5 ans", "plus de 5 ans"), weight=2)


def edit(call: Call, by: User, **changes: Any) -> Call:
    call.refresh_from_db()
    return services.call_update(call_id=call.pk, updated_by=by, version=call.version, fields=fields_of(call, **changes))


class TestCallUpdate:
    def test_a_coordinator_edits_an_open_call_and_the_audit_row_names_the_fields_changed(
        self, call: Call, claire: User
    ) -> None:
        closes_at = call.closes_at + datetime.timedelta(days=3)
        edited = edit(
            call,
            claire,
            title="  Session d'automne ",
            closes_at=closes_at,
            min_size=5,
            max_size=7,
            weight_territory=4,
            same_organisation_allowed=True,
            slots_text="mardi 9h–12h\njeudi 14h–17h\nvendredi 9h-11h30",
            questions=(SENIORITY,),
        )
        assert (edited.title, edited.closes_at, edited.min_size, edited.max_size) == (
            "Session d'automne",
            closes_at,
            5,
            7,
        )
        assert (edited.weight_territory, edited.same_organisation_allowed, edited.version) == (4, True, 2)
        assert [s.label for s in edited.slots.all()] == ["mardi 9h–12h", "jeudi 14h–17h", "vendredi 9h–11h30"]
        assert [q.label for q in edited.questions.all()] == [SENIORITY.label]
        event = AuditEvent.objects.get(action=AuditAction.CALL_UPDATE)
        assert (event.actor_id, event.object_kind, event.object_id) == (claire.pk, "call", call.pk)
        expected = ["closes_at", "max_size", "min_size", "questions", "same_organisation_allowed", "slots", "title"]
        assert event.changes == [*expected, "weight_territory"]

    def test_an_edit_made_on_an_older_version_is_refused_and_changes_nothing(self, call: Call, claire: User) -> None:
        stale = call.version
        edit(call, claire, title="Première modification")
        with pytest.raises(CallEditConflict) as error:
            services.call_update(
                call_id=call.pk, updated_by=claire, version=stale, fields=fields_of(call, title="Seconde")
            )
        assert error.value.message == CALL_EDITED_MEANWHILE
        call.refresh_from_db()
        assert (call.title, call.version) == ("Première modification", 2)
        assert AuditEvent.objects.filter(action=AuditAction.CALL_UPDATE).count() == 1

    def test_only_coordinators_edit_a_call_and_a_missing_one_is_said_so(self, call: Call, bob: User) -> None:
        with pytest.raises(PolicyDenied):
            edit(call, bob, title="Par Bob")
        with pytest.raises(CallNotFound):
            services.call_update(call_id=call.pk + 1000, updated_by=bob, version=1, fields=fields_of(call))

    def test_a_published_call_cannot_be_edited(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 16, organisations=40)
        services.call_publish(run_id=run_now(call).pk, published_by=claire)
        with pytest.raises(FormationError) as error:
            edit(call, claire, title="Trop tard")
        assert error.value.message == CALL_EDIT_PUBLISHED

    @pytest.mark.parametrize(
        ("changes", "message", "field"),
        [
            ({"closes_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)}, CALL_DATES_OUT_OF_ORDER, "closes_at"),
            ({"min_size": 9, "max_size": 8}, CALL_SIZES_OUT_OF_ORDER, "max_size"),
        ],
    )
    def test_dates_and_sizes_out_of_order_are_refused(
        self, call: Call, claire: User, changes: dict[str, Any], message: object, field: str
    ) -> None:
        with pytest.raises(CallEditError) as error:
            edit(call, claire, **changes)
        assert (error.value.message, error.value.field) == (message, field)

    def test_once_people_applied_slots_can_be_added_but_one_they_chose_cannot_be_removed(
        self, call: Call, claire: User
    ) -> None:
        tuesday, thursday = call.slots.all()
        make_applicants(call, 3, slot_sets=[[tuesday, thursday], [tuesday]])
        with pytest.raises(CallEditError) as error:
            edit(call, claire, slots_text="jeudi 14h–17h")
        assert str(error.value.message) == slot_chosen_message("mardi 9h–12h", 3)
        assert "choisi par 3 candidatures" in str(error.value.message)
        assert error.value.field == "slots_text"
        edited = edit(call, claire, slots_text="mardi 9h–12h\njeudi 14h–17h\nlundi 18h-20h")
        assert [s.label for s in edited.slots.all()] == ["lundi 18h–20h", "mardi 9h–12h", "jeudi 14h–17h"]

    def test_a_slot_chosen_only_by_people_who_withdrew_can_be_removed(self, call: Call, claire: User) -> None:
        tuesday, thursday = call.slots.all()
        make_applicants(call, 2, slot_sets=[[tuesday], [thursday]])
        Application.objects.filter(call=call, slots=thursday).update(status=ApplicationStatus.WITHDRAWN)
        edited = edit(call, claire, slots_text="mardi 9h–12h")
        assert [s.label for s in edited.slots.all()] == ["mardi 9h–12h"]

    def test_before_anyone_applies_questions_are_rewritten_in_place_removed_and_added(self, claire: User) -> None:
        size = QuestionFields("Taille de la collectivité", ("petite", "grande"), required=False)
        call = make_call(claire, questions=(SENIORITY, size))
        first_id = call.questions.get(position=0).pk
        reworded = QuestionFields("Ancienneté dans le poste", ("moins de 5 ans", "5 ans ou plus"), weight=3)
        edited = edit(call, claire, questions=(reworded,))
        assert list(edited.questions.values_list("pk", "label", "choices", "weight")) == [
            (first_id, "Ancienneté dans le poste", ["moins de 5 ans", "5 ans ou plus"], 3)
        ]
        edited = edit(call, claire, questions=(reworded, size))
        assert [q.label for q in edited.questions.all()] == [reworded.label, size.label]
        # Saving the same questions again changes none of them.
        edit(call, claire)
        assert AuditEvent.objects.filter(action=AuditAction.CALL_UPDATE).latest("id").changes == []

    def test_once_people_applied_the_questions_are_frozen_except_their_weight(self, claire: User) -> None:
        call = make_call(claire, questions=(SENIORITY,))
        make_applicants(call, 1, answers=[["2 à 5 ans"]])
        for questions in [
            (dataclasses.replace(SENIORITY, label="Ancienneté"),),
            (dataclasses.replace(SENIORITY, choices=("moins de 2 ans", "2 ans ou plus")),),
            (dataclasses.replace(SENIORITY, required=False),),
            (SENIORITY, QuestionFields("Nouvelle question", ("oui", "non"))),
            (),
        ]:
            with pytest.raises(CallEditError) as error:
                edit(call, claire, questions=questions)
            assert (error.value.message, error.value.field) == (QUESTIONS_FROZEN, "questions")
        edited = edit(call, claire, questions=(dataclasses.replace(SENIORITY, weight=7),))
        assert [(q.label, q.weight) for q in edited.questions.all()] == [(SENIORITY.label, 7)]
        assert AuditEvent.objects.filter(action=AuditAction.CALL_UPDATE).latest("id").changes == ["questions"]


def _posted(form: CallEditForm, questions: list[dict[str, Any]], *, extra: int = 0) -> dict[str, Any]:
    """What the edit page posts when nothing is typed: the initial values, questions included."""
    data = {name: value for name, value in form.initial.items() if value is not None and value is not False}
    data.update({"questions-TOTAL_FORMS": len(questions) + extra, "questions-INITIAL_FORMS": len(questions)})
    for index, question in enumerate(questions):
        for name, value in question.items():
            if value is not False:
                data[f"questions-{index}-{name}"] = value
    for index in range(len(questions), len(questions) + extra):
        data[f"questions-{index}-required"] = "on"
        data[f"questions-{index}-weight"] = 1
    return data


class TestEditPage:
    def _data(self, call: Call, *, extra: int = 0) -> dict[str, Any]:
        call.refresh_from_db()
        questions = [QuestionForm.initial_for(q) for q in call.questions.order_by("position")]
        return _posted(CallEditForm(call=call), questions, extra=extra)

    def test_the_page_shows_the_call_as_saved_and_saving_it_unchanged_works(self, claire: User) -> None:
        call = make_call(claire, questions=(SENIORITY,))
        client = client_for(claire)
        html = client.get(reverse("formation:call_edit", args=[call.pk])).content.decode()
        assert "mardi 9h–12h\njeudi 14h–17h" in html
        assert SENIORITY.label in html
        assert "les questions ne pourront plus changer" in html
        response = client.post(reverse("formation:call_edit", args=[call.pk]), self._data(call, extra=2))
        assert response.status_code == 302
        assert response["Location"] == reverse("formation:manage", args=[call.pk])
        call.refresh_from_db()
        assert call.version == 2
        assert [q.label for q in call.questions.all()] == [SENIORITY.label]

    def test_a_question_added_on_the_page_is_kept_and_a_bad_one_keeps_what_was_typed(
        self, call: Call, claire: User
    ) -> None:
        client = client_for(claire)
        url = reverse("formation:call_edit", args=[call.pk])
        data = self._data(call, extra=2)
        data.update({"title": "Titre retouché", "questions-0-label": "Taille de la collectivité"})
        data["questions-0-choices_text"] = "une seule réponse"
        response = client.post(url, data)
        html = response.content.decode().replace("&#x27;", "'")
        assert response.status_code == 400
        assert "doit proposer de 2 à 12 réponses" in html
        assert "Titre retouché" in html
        data["questions-0-choices_text"] = "petite\nmoyenne\ngrande"
        assert client.post(url, data).status_code == 302
        question = CallQuestion.objects.get(call=call)
        assert (question.label, question.choices, question.weight) == (
            "Taille de la collectivité",
            ["petite", "moyenne", "grande"],
            1,
        )

    def test_two_questions_with_one_wording_are_refused_next_to_the_questions(self, call: Call, claire: User) -> None:
        data = self._data(call, extra=2)
        for index in (0, 1):
            data[f"questions-{index}-label"] = "Ancienneté"
            data[f"questions-{index}-choices_text"] = "courte\nlongue"
        response = client_for(claire).post(reverse("formation:call_edit", args=[call.pk]), data)
        html = response.content.decode().replace("&#x27;", "'")
        assert response.status_code == 400
        assert str(QUESTION_LABEL_REPEATED).format(label="Ancienneté") in html
        assert html.index("Questions du formulaire") < html.index("Deux questions s'intitulent")
        assert not CallQuestion.objects.filter(call=call).exists()

    def test_a_concurrent_edit_is_refused_and_the_form_keeps_what_was_typed(self, call: Call, claire: User) -> None:
        client = client_for(claire)
        data = self._data(call)
        edit(call, claire, title="Modifié par une collègue")
        data["title"] = "Mon titre patiemment choisi"
        response = client.post(reverse("formation:call_edit", args=[call.pk]), data)
        html = response.content.decode().replace("&#x27;", "'")
        assert response.status_code == 400
        assert str(CALL_EDITED_MEANWHILE) in html
        assert "Mon titre patiemment choisi" in html
        assert 'name="version" value="2"' in html  # saving again now passes
        call.refresh_from_db()
        assert call.title == "Modifié par une collègue"

    def test_once_people_applied_the_page_says_what_is_frozen_and_names_a_chosen_slot(self, claire: User) -> None:
        call = make_call(claire, questions=(SENIORITY,))
        make_applicants(call, 2, answers=[["2 à 5 ans"]])
        client = client_for(claire)
        url = reverse("formation:call_edit", args=[call.pk])
        html = client.get(url).content.decode().replace("&#x27;", "'")
        assert "un créneau choisi par quelqu'un ne peut plus être retiré" in html
        assert "les questions ne peuvent plus changer, seul leur poids le peut" in html
        assert html.count("disabled") >= 3
        data = self._data(call)
        data.update({"slots_text": "jeudi 14h–17h", "questions-0-label": "Changée en douce", "questions-0-weight": 5})
        response = client.post(url, data)
        assert response.status_code == 400
        assert "a été choisi par 2 candidatures" in response.content.decode()
        data["slots_text"] = "mardi 9h–12h\njeudi 14h–17h"
        assert client.post(url, data).status_code == 302
        # The question's wording was not editable: what was posted for it is ignored; its weight changed.
        assert list(CallQuestion.objects.filter(call=call).values_list("label", "weight")) == [(SENIORITY.label, 5)]

    def test_a_published_call_has_no_edit_page(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 16, organisations=40)
        services.call_publish(run_id=run_now(call).pk, published_by=claire)
        client = client_for(claire)
        response = client.get(reverse("formation:call_edit", args=[call.pk]))
        assert response.status_code == 409
        assert str(CALL_EDIT_PUBLISHED) in response.content.decode().replace("&#x27;", "'")
        manage = client.get(reverse("formation:manage", args=[call.pk])).content.decode()
        assert reverse("formation:call_edit", args=[call.pk]) not in manage

    def test_the_edit_page_of_a_call_that_does_not_exist_is_not_found(self, claire: User) -> None:
        assert client_for(claire).get(reverse("formation:call_edit", args=[999999])).status_code == 404

    @pytest.mark.parametrize("total", [None, "beaucoup", 1000])
    def test_a_tampered_questions_part_is_refused_without_an_error_page(
        self, call: Call, claire: User, total: object
    ) -> None:
        data = {k: v for k, v in self._data(call).items() if not k.startswith("questions-")}
        if total is not None:
            data.update({"questions-TOTAL_FORMS": total, "questions-INITIAL_FORMS": 0})
        response = client_for(claire).post(reverse("formation:call_edit", args=[call.pk]), data)
        assert response.status_code == 400
        call.refresh_from_db()
        assert call.version == 1


class TestQuestionForm:
    def test_choices_without_a_wording_or_a_long_choice_are_refused_and_an_empty_weight_is_the_usual_one(self) -> None:
        unnamed = QuestionForm({"choices_text": "oui\nnon", "weight": 1})
        assert not unnamed.is_valid()
        assert unnamed.errors["label"] == [str(QUESTION_LABEL_INVALID)]
        long = QuestionForm({"label": "Ancienneté", "choices_text": "court\n" + "l" * 81, "weight": 1})
        assert not long.is_valid()
        assert long.errors["choices_text"] == [f"« {'l' * 81} » dépasse 80 caractères."]
        unweighted = QuestionForm({"label": "Ancienneté", "choices_text": "court\nlong"})
        assert unweighted.is_valid()
        assert unweighted.question() == QuestionFields("Ancienneté", ("court", "long"), required=False, weight=1)


def test_a_question_deleted_on_the_edit_page_is_removed(claire: User) -> None:
    call = make_call(claire, questions=(SENIORITY, QuestionFields("Taille", ("petite", "grande"))))
    data = TestEditPage()._data(call)
    data["questions-0-DELETE"] = "on"
    response = client_for(claire).post(reverse("formation:call_edit", args=[call.pk]), data)
    assert response.status_code == 302
    assert [q.label for q in call.questions.all()] == ["Taille"]


def test_opening_a_call_that_closes_before_it_opens_is_refused_next_to_the_close(claire: User) -> None:
    call = make_call(claire)  # its form, as the page would send it, for a new call of the same kind
    data = _posted(CallEditForm(call=call), [], extra=2)
    data.pop("version")
    data["kind"] = call.kind_id
    data["closes_at"] = "2020-01-01T10:00"
    response = client_for(claire).post(reverse("formation:call_create"), data)
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert str(CALL_DATES_OUT_OF_ORDER) in html
    assert Call.objects.count() == 1
