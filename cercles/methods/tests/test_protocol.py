"""Protocols as data: the shipped codéveloppement, and every kind of fault named with its place."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cercles.methods.library import CODEVELOPPEMENT, SHIPPED
from cercles.methods.protocol import (
    MAX_REPEAT,
    Adaptation,
    AdaptedStep,
    Problem,
    ProblemCode,
    ProtocolError,
    SpeakingMode,
    Visibility,
    default_adaptation,
    method_document,
    parse_adaptation,
    parse_method,
    plan_for,
)


def codev() -> dict[str, Any]:
    return copy.deepcopy(CODEVELOPPEMENT)


def faults(document: Any) -> list[Problem]:
    with pytest.raises(ProtocolError) as caught:
        parse_method(document)
    return list(caught.value.problems)


def test_every_shipped_method_is_valid_and_round_trips_through_its_document() -> None:
    for document in SHIPPED.values():
        method = parse_method(document)
        assert parse_method(method_document(method)) == method


def test_codeveloppement_has_the_canonical_steps_roles_and_variants() -> None:
    method = parse_method(CODEVELOPPEMENT)
    assert {role.key for role in method.roles} >= {"client", "consultant", "animateur"}
    seance = method.protocol("seance")
    assert seance is not None
    assert [phase.key for phase in seance.phases] == [
        "retour",
        "expose",
        "clarification",
        "contrat",
        "consultation",
        "synthese",
        "apprentissages",
    ]
    assert 90 <= seance.total_minutes <= 120
    first = method.protocol("premiere_seance")
    assert first is not None
    assert first.phases[0].key == "accord"
    two = method.protocol("deux_clients")
    assert two is not None
    assert sum(phase.key.startswith("consultation") for phase in two.phases) == 2
    assert method.protocol("inconnu") is None
    assert method.role_name("client") == "Client·e"
    assert method.role_name("inconnu") == "inconnu"


def test_codeveloppement_keeps_each_artefact_where_the_method_says() -> None:
    seance = parse_method(CODEVELOPPEMENT).protocol("seance")
    assert seance is not None
    slots = {slot.key: slot for phase in seance.phases for slot in phase.slots}
    assert slots["plan"].visibility == Visibility.AUTHOR_AND_FACILITATORS
    assert slots["apprentissages"].visibility == Visibility.AUTHOR
    assert slots["demande"].visibility == Visibility.CIRCLE
    assert seance.phase("expose").mode == SpeakingMode.SINGLE  # type: ignore[union-attr]
    assert seance.phase("apprentissages").mode == SpeakingMode.ROUND  # type: ignore[union-attr]


def test_shape_faults_are_named_with_their_place() -> None:
    document = codev()
    document["protocols"][0]["phases"][1]["minutes"] = "dix"
    document["protocols"][0]["phases"][2]["mode"] = "chorale"
    document["protocols"][0]["phases"][3]["max_minutes"] = 999
    document["protocols"][0]["phases"][4]["key"] = "Pas Une Clé"
    del document["protocols"][0]["phases"][5]["name"]
    document["couleur"] = "bleu"
    found = {(problem.code, problem.where) for problem in faults(document)}
    assert found == {
        (ProblemCode.NOT_A_NUMBER, ("protocols", 0, "phases", 1, "minutes")),
        (ProblemCode.BAD_CHOICE, ("protocols", 0, "phases", 2, "mode")),
        (ProblemCode.TOO_LARGE, ("protocols", 0, "phases", 3, "max_minutes")),
        (ProblemCode.BAD_KEY, ("protocols", 0, "phases", 4, "key")),
        (ProblemCode.MISSING, ("protocols", 0, "phases", 5, "name")),
        (ProblemCode.UNKNOWN_FIELD, ("couleur",)),
    }


def test_meaning_faults_are_named_with_their_place() -> None:
    document = codev()
    phases = document["protocols"][0]["phases"]
    phases[1]["minutes"] = 40  # above its 15-minute maximum
    phases[2]["speakers"] = ["roi"]
    phases[4]["slots"][0]["writers"] = ["reine"]
    phases[4]["slots"].append(dict(phases[4]["slots"][0], writers=[]))
    phases[3]["key"] = phases[2]["key"]
    document["roles"].append(dict(document["roles"][0]))
    document["protocols"].append(copy.deepcopy(document["protocols"][1]))
    document["default_role"] = "personne"
    found = {(problem.code, problem.where) for problem in faults(document)}
    assert (ProblemCode.DURATION_ORDER, ("protocols", 0, "phases", 1, "minutes")) in found
    assert (ProblemCode.UNKNOWN_ROLE, ("protocols", 0, "phases", 2, "speakers")) in found
    assert (ProblemCode.UNKNOWN_ROLE, ("protocols", 0, "phases", 4, "slots", 0, "writers")) in found
    assert (ProblemCode.DUPLICATE_KEY, ("protocols", 0, "phases", 4, "slots")) in found
    assert (ProblemCode.DUPLICATE_KEY, ("protocols", 0, "phases")) in found
    assert (ProblemCode.DUPLICATE_KEY, ("roles",)) in found
    assert (ProblemCode.DUPLICATE_KEY, ("protocols",)) in found
    assert (ProblemCode.UNKNOWN_ROLE, ("default_role",)) in found


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert [problem.code for problem in faults(["une", "liste"])] == [ProblemCode.NOT_A_DOCUMENT]


def test_a_circle_skips_and_repeats_phases_within_their_ranges() -> None:
    seance = parse_method(CODEVELOPPEMENT).protocol("seance")
    assert seance is not None
    steps = [{"phase": "expose", "minutes": 15}, {"phase": "clarification", "minutes": 10}]
    steps += [{"phase": "consultation", "minutes": 30}] * 2 + [{"phase": "apprentissages", "minutes": 5}]
    adaptation = parse_adaptation(seance, {"steps": steps})
    plan = plan_for(seance, adaptation)
    assert [(step.phase.key, step.minutes) for step in plan] == [
        ("expose", 15),
        ("clarification", 10),
        ("consultation", 30),
        ("consultation", 30),
        ("apprentissages", 5),
    ]
    assert [step.minutes for step in plan_for(seance)] == [phase.minutes for phase in seance.phases]
    assert plan_for(seance, default_adaptation(seance)) == plan_for(seance)


def test_a_bad_adaptation_names_each_fault() -> None:
    seance = parse_method(CODEVELOPPEMENT).protocol("seance")
    assert seance is not None
    steps = [
        {"phase": "consultation", "minutes": 25},
        {"phase": "expose", "minutes": 10},  # before the consultation: out of order
        {"phase": "fantome", "minutes": 10},
        {"phase": "apprentissages", "minutes": 90},
    ] + [{"phase": "apprentissages", "minutes": 10}] * MAX_REPEAT
    with pytest.raises(ProtocolError) as caught:
        parse_adaptation(seance, {"steps": steps})
    codes = {problem.code for problem in caught.value.problems}
    assert codes == {
        ProblemCode.OUT_OF_ORDER,
        ProblemCode.UNKNOWN_PHASE,
        ProblemCode.OUT_OF_RANGE,
        ProblemCode.REPEATED_TOO_OFTEN,
    }
    with pytest.raises(ProtocolError) as caught:
        parse_adaptation(seance, {"steps": []})
    assert [problem.code for problem in caught.value.problems] == [ProblemCode.NO_STEP]
    with pytest.raises(ProtocolError) as caught:
        parse_adaptation(seance, {"steps": [{"phase": "expose"}]})
    assert [problem.code for problem in caught.value.problems] == [ProblemCode.MISSING]


def test_a_plan_drops_phases_the_protocol_no_longer_has_and_clamps_durations() -> None:
    seance = parse_method(CODEVELOPPEMENT).protocol("seance")
    assert seance is not None
    stale = Adaptation(steps=(AdaptedStep(phase="disparue", minutes=5), AdaptedStep(phase="expose", minutes=60)))
    assert [(step.phase.key, step.minutes) for step in plan_for(seance, stale)] == [("expose", 15)]
    gone = Adaptation(steps=(AdaptedStep(phase="disparue", minutes=5),))
    assert plan_for(seance, gone) == plan_for(seance)
