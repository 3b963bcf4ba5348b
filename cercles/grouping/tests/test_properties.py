"""Hypothesis properties of solve(): placement, bounds, constraints, replay."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from cercles.grouping import (
    ErrorCode,
    InfeasibleProblem,
    Problem,
    Progress,
    StopReason,
    UnplacedReason,
    check_grouping,
    objective,
    solve,
)
from cercles.grouping.tests.strategies import problems

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(problems())
def test_every_person_once_bounds_and_constraints_hold(problem: Problem) -> None:
    try:
        solution = solve(problem, seed=7, max_iterations=60)
    except InfeasibleProblem as error:
        assert isinstance(error.code, ErrorCode)  # noqa: PT017 - infeasible draws are a valid outcome
        return
    placed = [p for group in solution.groups for p in group]
    unplaced = [u.person for u in solution.unplaced]
    assert sorted(placed + unplaced) == sorted(p.id for p in problem.people)
    assert len(set(placed)) == len(placed)
    for members, bounds in zip(solution.groups, problem.groups, strict=True):
        assert bounds.min_size <= len(members) <= bounds.max_size
    assert all(isinstance(u.reason, UnplacedReason) for u in solution.unplaced)
    certificate = check_grouping(problem, solution.groups, unplaced)
    assert certificate.holds
    assert solution.certificate.holds
    assert solution.objective == objective(problem, solution.groups)


@PROPERTY
@given(problems(max_people=12))
def test_same_seed_and_iterations_give_the_same_result(problem: Problem) -> None:
    try:
        first = solve(problem, seed=11, max_iterations=40)
    except InfeasibleProblem:
        return
    second = solve(problem, seed=11, max_iterations=40)
    assert first.groups == second.groups
    assert first.objective == second.objective
    replay = solve(problem, seed=11, max_iterations=first.iterations)
    assert replay.groups == first.groups


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(problems(max_people=12, constraints=False))
def test_cancel_stops_at_a_replayable_iteration(problem: Problem) -> None:
    seen: list[Progress] = []

    def cancel_on_second(progress: Progress) -> bool:
        seen.append(progress)
        return len(seen) >= 2

    solution = solve(
        problem,
        seed=2,
        max_iterations=1000,
        progress=cancel_on_second,
        progress_every=7,
    )
    if solution.stop_reason is StopReason.CANCELLED:
        assert solution.iterations == 14
        assert [p.iterations for p in seen] == [7, 14]
        assert seen[-1].best_objective <= solution.objective + 1e-6
    replay = solve(problem, seed=2, max_iterations=solution.iterations)
    assert replay.groups == solution.groups


def test_a_run_stopped_by_the_clock_replays_from_its_iteration_count() -> None:
    from cercles.grouping.tests.test_rounds import skewed

    problem = skewed(60, 9)
    timed = solve(problem, seed=8, seconds=0.05, max_iterations=10**9)
    replay = solve(problem, seed=8, max_iterations=timed.iterations)
    assert replay.groups == timed.groups
    assert replay.objective == timed.objective
