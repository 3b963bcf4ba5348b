"""The matrix-free solver used for large attribute-mode problems."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings

from cercles.grouping import (
    Attribute,
    InfeasibleProblem,
    Person,
    Problem,
    attribute_upper_bound,
    groups_for_target,
    objective,
    solve,
)
from cercles.grouping.tests.strategies import problems


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems(matrix=False))
def test_round_search_keeps_every_constraint(problem: Problem) -> None:
    with mock.patch("cercles.grouping.solver.DENSE_LIMIT", 0):
        try:
            solution = solve(problem, seed=5, max_iterations=30)
        except InfeasibleProblem:
            return
        replay = solve(problem, seed=5, max_iterations=solution.iterations)
    assert solution.certificate.holds
    assert solution.objective == objective(problem, solution.groups)
    assert replay.groups == solution.groups
    for members, bounds in zip(solution.groups, problem.groups, strict=True):
        assert bounds.min_size <= len(members) <= bounds.max_size


def skewed(n: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    sizes = {"org": 25, "role": 6, "region": 9}
    people = []
    for i in range(n):
        values = {}
        for name, count in sizes.items():
            weights = 1.0 / np.arange(1, count + 1)
            values[name] = str(rng.choice(count, p=weights / weights.sum()))
        people.append(Person(f"p{i}", values, frozenset({"a", "b"} if i % 3 else {"a"})))
    return Problem(
        people=tuple(people),
        groups=groups_for_target(n, 7, 6, 8),
        attributes=(Attribute("org", 3.0), Attribute("role"), Attribute("region", 2.0)),
        cannot_link=(("p0", "p1"), ("p2", "p3")),
        must_link=(("p4", "p5"),),
        locked={"p6": 0},
        require_shared_slot=True,
    )


def test_round_search_closes_most_of_the_gap_to_the_bound() -> None:
    problem = skewed(400, 3)
    with mock.patch("cercles.grouping.solver.DENSE_LIMIT", 0):
        start = solve(problem, seed=1, max_iterations=0)
        solution = solve(problem, seed=1, max_iterations=250)
    bound = attribute_upper_bound(problem, [len(g) for g in solution.groups])
    assert solution.certificate.holds
    assert not solution.unplaced
    closed = (solution.objective - start.objective) / (bound - start.objective)
    assert closed > 0.9


def test_dense_search_on_attributes_reaches_the_bound_when_it_is_easy() -> None:
    people = tuple(Person(f"p{i}", {"org": f"o{i % 4}"}) for i in range(16))
    problem = Problem(
        people=people,
        groups=groups_for_target(16, 4, 4, 4),
        attributes=(Attribute("org"),),
    )
    solution = solve(problem, seed=0, max_iterations=200)
    assert solution.objective == attribute_upper_bound(problem, [4, 4, 4, 4]) == 24.0
