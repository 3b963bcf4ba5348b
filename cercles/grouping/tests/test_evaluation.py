"""The evaluation API: deltas equal rescoring, violations appear at once."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cercles.grouping import (
    GroupBounds,
    GroupingEvaluator,
    InfeasibleProblem,
    InvalidProblem,
    Person,
    Problem,
    ViolationCode,
    objective,
    solve,
)
from cercles.grouping.tests.strategies import problems


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(problems(), st.integers(0, 2**32 - 1))
def test_move_and_swap_deltas_equal_rescoring(problem: Problem, seed: int) -> None:
    try:
        solution = solve(problem, seed=1, max_iterations=5)
    except InfeasibleProblem:
        return
    evaluator = GroupingEvaluator(problem, solution.groups)
    assert evaluator.objective == pytest.approx(solution.objective)
    rng = np.random.default_rng(seed)
    ids = [p.id for p in problem.people]
    for _ in range(6):
        before = evaluator.objective
        if rng.random() < 0.5:
            person = ids[int(rng.integers(len(ids)))]
            group = int(rng.integers(len(problem.groups) + 1))
            target = None if group == len(problem.groups) else group
            effect = evaluator.apply_move(person, target)
        else:
            a, b = (ids[int(i)] for i in rng.choice(len(ids), 2, replace=True))
            effect = evaluator.apply_swap(a, b)
        rescored = objective(problem, evaluator.groups)
        assert evaluator.objective == pytest.approx(rescored, abs=1e-6)
        assert effect.delta == pytest.approx(rescored - before, abs=1e-6)
        # Breaks are violations now present; repairs are gone.
        now = {(v.code, v.group) for v in evaluator.violations()}
        assert all((v.code, v.group) in now for v in effect.breaks)


def _team() -> Problem:
    people = (
        Person("manager", {"org": "A"}, frozenset({"lundi"})),
        Person("agent", {"org": "A"}, frozenset({"lundi", "mardi"})),
        Person("x", {"org": "B"}, frozenset({"mardi"})),
        Person("y", {"org": "C"}, frozenset({"lundi", "mardi"})),
        Person("z", {"org": "B"}, frozenset({"lundi", "mardi"})),
        Person("w", {"org": "C"}, frozenset({"mardi"})),
    )
    from cercles.grouping import Attribute

    return Problem(
        people=people,
        groups=(GroupBounds(2, 4), GroupBounds(2, 4)),
        attributes=(Attribute("org"),),
        cannot_link=(("manager", "agent"),),
        must_link=(("y", "z"),),
        locked={"w": 1},
        require_shared_slot=True,
    )


def test_hand_moves_report_each_broken_constraint() -> None:
    problem = _team()
    evaluator = GroupingEvaluator(problem, [["manager", "y", "z"], ["agent", "x", "w"]])
    assert evaluator.violations() == ()
    codes = {v.code for v in evaluator.move("agent", 0).breaks}
    assert ViolationCode.CANNOT_LINK in codes
    codes = {v.code for v in evaluator.move("x", 0).breaks}
    assert ViolationCode.NO_SHARED_SLOT in codes
    codes = {v.code for v in evaluator.move("y", 1).breaks}
    assert ViolationCode.MUST_LINK_SPLIT in codes
    codes = {v.code for v in evaluator.move("w", 0).breaks}
    assert {ViolationCode.LOCK_BROKEN, ViolationCode.NO_SHARED_SLOT} <= codes
    evaluator.apply_move("x", 0)
    codes = {v.code for v in evaluator.move("agent", 0).breaks}
    assert ViolationCode.GROUP_TOO_SMALL in codes
    evaluator.apply_move("x", 1)
    codes = {v.code for v in evaluator.swap("manager", "x").breaks}
    assert ViolationCode.NO_SHARED_SLOT in codes
    assert evaluator.move("agent", 1) == evaluator.swap("agent", "x").__class__(0.0, (), ())
    effect = evaluator.apply_move("agent", 0)
    assert effect.breaks
    repaired = evaluator.move("agent", 1)
    assert {v.code for v in repaired.repairs} >= {ViolationCode.CANNOT_LINK}
    assert evaluator.group_of("agent") == 0
    assert not evaluator.certificate().holds


def test_unplaced_people_and_bad_input() -> None:
    problem = _team()
    evaluator = GroupingEvaluator(problem, [["manager", "y", "z"], ["agent", "w"]])
    assert evaluator.group_of("x") is None
    missing = evaluator.violations()
    assert missing == ()  # unplaced people are not violations
    assert evaluator.move("x", 0).delta == pytest.approx(2.0)
    assert evaluator.swap("x", "x").delta == 0.0
    with pytest.raises(InvalidProblem) as error:
        evaluator.move("nobody", 0)
    assert error.value.code == "UNKNOWN_PERSON"
    with pytest.raises(InvalidProblem) as error:
        evaluator.move("x", 5)
    assert error.value.code == "UNKNOWN_GROUP"
    with pytest.raises(InvalidProblem) as error:
        GroupingEvaluator(problem, [["x"], ["x"]])
    assert error.value.code == "DUPLICATE_PERSON"
    with pytest.raises(InvalidProblem) as error:
        GroupingEvaluator(problem, [["ghost"], []])
    assert error.value.code == "UNKNOWN_PERSON"
    with pytest.raises(InvalidProblem) as error:
        GroupingEvaluator(problem, [[]])
    assert error.value.code == "UNKNOWN_GROUP"


def test_overlay_reads_like_the_placement_after_the_change() -> None:
    from cercles.grouping.evaluation import _Overlay

    overlay = _Overlay({"a": 1, "b": 2}, {"a": None, "c": 3})
    assert dict(overlay) == {"b": 2, "c": 3}
    assert len(overlay) == 2
    assert overlay.get("a") is None
    assert overlay["c"] == 3
