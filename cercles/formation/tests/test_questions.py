"""The call's own questions: asked on the application form, checked, weighed by the engine, named on the result page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from cercles.formation import explain, selectors, services
from cercles.formation.exceptions import (
    ANSWER_NOT_A_CHOICE,
    ANSWER_REQUIRED,
    QUESTION_CHOICE_TOO_LONG,
    QUESTION_CHOICES_COUNT,
    QUESTION_LABEL_INVALID,
    QUESTION_LABEL_REPEATED,
    QUESTION_WEIGHT_INVALID,
    TOO_MANY_QUESTIONS,
    CallEditError,
    FormationError,
)
from cercles.formation.models import ApplicationAnswer, Call, CallQuestion, FormationRun, RunStatus
from cercles.formation.services import QuestionFields
from cercles.formation.tests.factories import make_applicants, make_call
from cercles.people.models import User
from cercles.privacy.registry import declaration_for
from cercles.privacy.services import person_erase
from conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Runner = Callable[..., FormationRun]

SENIORITY = QuestionFields(
    "Ancienneté dans la fonction", ("moins de 2 ans", "2 à 5 ans", "plus de 5 ans"), required=True, weight=4
)
SIZE = QuestionFields("Taille de la collectivité", ("petite", "moyenne", "grande"), required=False, weight=0)


def _call_with_questions(coordinator: User, *questions: QuestionFields, **options: Any) -> Call:
    return make_call(coordinator, questions=questions or (SENIORITY, SIZE), **options)


def _questions(call: Call) -> list[CallQuestion]:
    return list(call.questions.order_by("position"))


def _apply(call: Call, user: User, answers: dict[int, str]) -> Any:
    return services.application_submit(
        call_id=call.pk,
        user=user,
        motivation="Comparer nos pratiques.",
        slot_ids=[s.pk for s in call.slots.all()],
        answers=answers,
    )


class TestQuestionsOfACall:
    def test_a_call_keeps_its_questions_in_order_with_spaces_tidied_and_repeated_choices_dropped(
        self, claire: User
    ) -> None:
        untidy = QuestionFields("  Ancienneté   dans la fonction ", (" moins de 2 ans", "", "Moins de 2 ans", "plus"))
        call = _call_with_questions(claire, untidy, SIZE)
        first, second = _questions(call)
        assert (first.label, first.choices, first.required, first.weight) == (
            "Ancienneté dans la fonction",
            ["moins de 2 ans", "plus"],
            True,
            1,
        )
        assert (second.label, second.required, second.weight, second.position) == (SIZE.label, False, 0, 1)
        assert first.attribute == f"question_{first.pk}"

    @pytest.mark.parametrize(
        ("questions", "message"),
        [
            ((QuestionFields("  ", ("a", "b")),), str(QUESTION_LABEL_INVALID)),
            ((QuestionFields("x" * 121, ("a", "b")),), str(QUESTION_LABEL_INVALID)),
            (
                (QuestionFields("Ancienneté", ("seule", "Seule ")),),
                str(QUESTION_CHOICES_COUNT).format(label="Ancienneté"),
            ),
            (
                (QuestionFields("Ancienneté", tuple(f"réponse {i}" for i in range(13))),),
                str(QUESTION_CHOICES_COUNT).format(label="Ancienneté"),
            ),
            (
                (QuestionFields("Ancienneté", ("a", "b" * 81)),),
                str(QUESTION_CHOICE_TOO_LONG).format(choice="b" * 81, label="Ancienneté"),
            ),
            (
                (QuestionFields("Ancienneté", ("a", "b")), QuestionFields("ancienneté", ("c", "d"))),
                str(QUESTION_LABEL_REPEATED).format(label="ancienneté"),
            ),
            (
                (QuestionFields("Ancienneté", ("a", "b"), weight=11),),
                str(QUESTION_WEIGHT_INVALID).format(label="Ancienneté"),
            ),
            (
                tuple(QuestionFields(f"Question {i}", ("a", "b")) for i in range(7)),
                str(TOO_MANY_QUESTIONS).format(count=6),
            ),
        ],
    )
    def test_a_bad_question_is_refused_with_a_french_message_naming_it(
        self, claire: User, questions: tuple[QuestionFields, ...], message: str
    ) -> None:
        with pytest.raises(CallEditError) as error:
            _call_with_questions(claire, *questions)
        assert str(error.value.message) == message
        assert error.value.field == "questions"
        assert not Call.objects.exists()


class TestAnswers:
    def test_a_required_question_must_be_answered_with_one_of_its_choices(self, claire: User, bob: User) -> None:
        call = _call_with_questions(claire)
        seniority, size = _questions(call)
        with pytest.raises(FormationError) as missing:
            _apply(call, bob, {size.pk: "petite"})
        assert str(missing.value.message) == str(ANSWER_REQUIRED).format(label=seniority.label)
        with pytest.raises(FormationError) as invented:
            _apply(call, bob, {seniority.pk: "vingt ans"})
        assert str(invented.value.message) == str(ANSWER_NOT_A_CHOICE).format(label=seniority.label)
        with pytest.raises(FormationError) as invented_optional:
            _apply(call, bob, {seniority.pk: "2 à 5 ans", size.pk: "immense"})
        assert str(invented_optional.value.message) == str(ANSWER_NOT_A_CHOICE).format(label=size.label)
        # An optional question may stay unanswered; an answer to a question the call does not ask is ignored.
        application = _apply(call, bob, {seniority.pk: " 2 à 5 ans ", 999999: "n'importe quoi"})
        assert [(a.question_id, a.choice) for a in application.answers.all()] == [(seniority.pk, "2 à 5 ans")]

    def test_applying_again_after_withdrawing_keeps_only_the_new_answers(self, claire: User, bob: User) -> None:
        call = _call_with_questions(claire)
        seniority, size = _questions(call)
        _apply(call, bob, {seniority.pk: "moins de 2 ans", size.pk: "petite"})
        services.application_withdraw(call_id=call.pk, user=bob)
        application = _apply(call, bob, {seniority.pk: "plus de 5 ans"})
        assert [a.choice for a in application.answers.all()] == ["plus de 5 ans"]


class TestQuestionsInTheEngine:
    def test_each_question_is_one_more_attribute_weighted_as_the_call_says(self, claire: User) -> None:
        call = _call_with_questions(claire)
        seniority, size = _questions(call)
        answered, silent = make_applicants(call, 2, answers=[["2 à 5 ans", "grande"], ["plus de 5 ans", ""]])
        data = services._problem_data(call)
        # A weight of 0 asks the question without counting it, as for the profile's attributes.
        assert [seniority.attribute, 4.0] in data["attributes"]
        assert all(name != size.attribute for name, _ in data["attributes"])
        people = {p["id"]: p["attributes"] for p in data["people"]}
        assert people[str(answered.pk)][seniority.attribute] == "2 à 5 ans"
        assert people[str(answered.pk)][size.attribute] == "grande"
        # An unanswered question is like nobody else's answer: it never counts as shared.
        assert people[str(silent.pk)][size.attribute] == f"?{silent.pk}"
        assert data["questions"] == [
            {"attribute": seniority.attribute, "label": seniority.label},
            {"attribute": size.attribute, "label": size.label},
        ]

    def test_a_heavy_question_spreads_its_answers_and_the_result_page_names_it(
        self, claire: User, run_now: Runner
    ) -> None:
        # The profile's attributes do not count here: only the question does.
        call = _call_with_questions(
            claire,
            SENIORITY,
            weight_organisation=0,
            weight_organisation_type=0,
            weight_job_family=0,
            weight_territory=0,
            same_organisation_allowed=True,
        )
        choices = [[choice] for choice in SENIORITY.choices]
        make_applicants(call, 24, organisations=4, slot_sets=[list(call.slots.all())], answers=choices)
        run = run_now(call)
        assert run.status == RunStatus.DONE
        result = selectors.run_result(run=run)
        assert len(result.groups) == 3
        for group in result.groups:
            assert [(a.label, a.distinct, a.unanswered) for a in group.answers] == [(SENIORITY.label, 3, 0)]
            assert "3 réponses différentes à « Ancienneté dans la fonction »" in group.words
        assert run.objective == pytest.approx(run.upper_bound)

    def test_a_replay_reads_the_questions_and_answers_kept_with_the_run(self, claire: User, run_now: Runner) -> None:
        call = _call_with_questions(claire)
        make_applicants(
            call, 20, answers=[["moins de 2 ans", "petite"], ["plus de 5 ans", ""], ["2 à 5 ans", "grande"]]
        )
        first = run_now(call)
        assert any(p["attributes"][_questions(call)[0].attribute] == "plus de 5 ans" for p in first.problem["people"])
        # The applicants' answers and the questions' wording change after the run…
        ApplicationAnswer.objects.filter(application__call=call).update(choice="moins de 2 ans")
        CallQuestion.objects.filter(call=call).update(label="Autre intitulé")
        replay = run_now(call, replay_of_id=first.pk)
        # …a replay still gives the same groups from the same inputs, and the page names the question as asked then.
        assert replay.status == RunStatus.DONE
        assert (replay.groups, replay.seed, replay.inputs_digest) == (first.groups, first.seed, first.inputs_digest)
        assert selectors.run_result(run=replay).groups[0].answers[0].label == SENIORITY.label
        # A new run reads today's answers: its inputs differ.
        assert run_now(call).inputs_digest != first.inputs_digest


class TestWords:
    def test_a_group_says_how_varied_its_answers_are_and_how_many_did_not_answer(self) -> None:
        questions = [{"attribute": "question_1", "label": "Ancienneté"}, {"attribute": "question_2", "label": "Taille"}]
        attributes = {
            "1": {"question_1": "court", "question_2": "?1"},
            "2": {"question_1": "long", "question_2": "?2"},
            "3": {"question_1": "court", "question_2": "?3"},
            "4": {"question_1": "?4", "question_2": "?4"},
        }
        groups = explain.group_diversity(
            groups=[["1", "2", "3", "4"], ["1", "3"]],
            attributes_of=attributes,
            weights=[["question_1", 2.0]],
            slot_labels=[],
            locked=[],
            questions=questions,
        )
        assert "2 réponses différentes à « Ancienneté » (1 sans réponse)" in groups[0].words
        assert "aucune réponse à « Taille »" in groups[0].words
        assert "1 seule réponse à « Ancienneté »" in groups[1].words
        # Two pairs share "court" and the unanswered one shares with nobody: 6 pairs, 1 alike.
        assert groups[0].score == 2.0 * 5


class TestPersonalData:
    def test_answers_are_in_the_persons_export_and_erased_with_them(self, claire: User) -> None:
        call = _call_with_questions(claire)
        seniority, _ = _questions(call)
        person = make_user("dora")
        _apply(call, person, {seniority.pk: "2 à 5 ans"})
        exported = declaration_for(ApplicationAnswer).export(person, frozenset())
        assert [(row["question__label"], row["choice"], row["application__call__title"]) for row in exported] == [
            (seniority.label, "2 à 5 ans", call.title)
        ]
        person_erase(person_id=person.pk, erased_by=person)
        assert not ApplicationAnswer.objects.filter(application__call=call).exists()


class TestPages:
    def test_the_apply_form_asks_the_questions_and_a_refusal_keeps_what_was_typed(
        self, claire: User, bob: User
    ) -> None:
        call = _call_with_questions(claire)
        seniority, size = _questions(call)
        client = client_for(bob)
        url = reverse("formation:apply", args=[call.pk])
        page = client.get(url).content.decode()
        assert seniority.label in page
        assert 'type="radio"' in page
        assert "Je préfère ne pas répondre" in page  # the optional question only
        typed = {
            "motivation": "Mon texte patiemment écrit",
            "slots": [call.slots.first().pk],
            f"question_{size.pk}": "grande",
        }
        response = client.post(url, typed)
        html = response.content.decode().replace("&#x27;", "'")
        assert response.status_code == 400
        assert str(ANSWER_REQUIRED).format(label=seniority.label) in html
        assert "Mon texte patiemment écrit" in html
        chosen = re.search(r'<input[^>]*value="grande"[^>]*>', html)
        assert chosen is not None
        assert "checked" in chosen.group()
        response = client.post(url, {**typed, f"question_{seniority.pk}": "douze ans"})
        assert str(ANSWER_NOT_A_CHOICE).format(label=seniority.label) in response.content.decode().replace(
            "&#x27;", "'"
        )
        response = client.post(url, {**typed, f"question_{seniority.pk}": "2 à 5 ans"}, follow=True)
        assert f"{seniority.label} : 2 à 5 ans" in response.content.decode()
        manage = client_for(claire).get(reverse("formation:manage", args=[call.pk])).content.decode()
        assert f"{size.label} : grande" in manage
        assert f"« {seniority.label} » (obligatoire, poids 4) ; « {size.label} » (facultative, poids 0)" in manage
