"""The entry point :func:`solve`: prepare, construct, search, verify."""

from __future__ import annotations

import time

import numpy as np

from cercles.grouping.checking import check_grouping
from cercles.grouping.construction import construct
from cercles.grouping.dense import DenseTabu, TabuSettings, iterated_tabu
from cercles.grouping.exceptions import ErrorCode, InfeasibleProblem, InvalidProblem
from cercles.grouping.model import (
    Problem,
    ProgressCallback,
    Solution,
    StopReason,
    UnplacedPerson,
    UnplacedReason,
)
from cercles.grouping.preparation import (
    IntArray,
    Prepared,
    person_distances,
    prepare,
    unit_distances,
)
from cercles.grouping.rounds import RoundSearch
from cercles.grouping.scoring import objective
from cercles.grouping.search import Limits

DENSE_LIMIT = 300
"""Above this many units in attribute mode, the matrix-free solver is used.

Measured (10 s runs, 8 attributes): the tabu search is ahead at 180 people
(98.6 % of the bound against 98.2 %), the round search at 360 (98.46 % against
98.37 %) and 600 (98.38 % against 98.12 %).
"""

UNLIMITED = 2**62

RETRIES = 20
"""Shuffled constructions tried when the first one leaves people out."""


def _left_out(prepared: Prepared, reasons: dict[int, UnplacedReason]) -> int:
    return sum(int(prepared.weight[unit]) for unit in reasons)


def solve(
    problem: Problem,
    *,
    seed: int = 0,
    max_iterations: int | None = None,
    seconds: float | None = None,
    progress: ProgressCallback | None = None,
    progress_every: int = 1000,
) -> Solution:
    """Find a maximally diverse grouping that satisfies every hard constraint.

    The run is determined by (problem, seed, max_iterations); ``seconds`` only
    stops it early and ``Solution.iterations`` then says how far it got, so
    ``solve(problem, seed=seed, max_iterations=solution.iterations)`` replays it.
    ``progress`` is called every ``progress_every`` iterations; a truthy answer
    cancels the run (the best grouping so far is returned).

    Raises :class:`InvalidProblem` for bad parameters and
    :class:`InfeasibleProblem` when infeasibility is proven.
    """
    if max_iterations is None and seconds is None:
        raise InvalidProblem(
            ErrorCode.INVALID_PARAMETER,
            "give an iteration budget, a time cap or both",
        )
    if (max_iterations is not None and max_iterations < 0) or (seconds is not None and not seconds >= 0):
        raise InvalidProblem(
            ErrorCode.INVALID_PARAMETER,
            "the iteration budget and the time cap must not be negative",
            {"max_iterations": max_iterations, "seconds": seconds},
        )
    if progress_every < 1:
        raise InvalidProblem(
            ErrorCode.INVALID_PARAMETER,
            "progress_every must be at least 1",
            {"progress_every": progress_every},
        )
    started = time.perf_counter()
    limits = Limits(
        max_iterations=UNLIMITED if max_iterations is None else max_iterations,
        deadline=None if seconds is None else started + seconds,
        progress=progress,
        progress_every=progress_every,
        started=started,
    )
    prepared = prepare(problem)
    rng = np.random.default_rng(seed)
    assignment, reasons = construct(prepared, rng)
    for _ in range(RETRIES if len(reasons) > len(prepared.excluded) else 0):
        # Someone was left out for lack of room or because of cannot-links:
        # other orders of placement may fit everyone.
        try:
            other, other_reasons = construct(prepared, rng, shuffle=True)
        except InfeasibleProblem:
            continue
        if _left_out(prepared, other_reasons) < _left_out(prepared, reasons):
            assignment, reasons = other, other_reasons
    placed = np.flatnonzero(assignment >= 0)
    if problem.distances is not None or len(placed) <= DENSE_LIMIT:
        assignment, iterations, stop = _dense(problem, prepared, assignment, rng, limits)
    else:
        search = RoundSearch(problem, prepared, assignment, rng)
        assignment, iterations, stop = search.run(limits)

    ids = [person.id for person in problem.people]
    groups: list[list[str]] = [[] for _ in range(prepared.groups)]
    for unit, group in enumerate(assignment):
        if group >= 0:
            groups[int(group)].extend(ids[int(p)] for p in prepared.members[unit])
    unplaced = tuple(
        UnplacedPerson(ids[int(p)], reason) for unit, reason in sorted(reasons.items()) for p in prepared.members[unit]
    )
    frozen = tuple(tuple(members) for members in groups)
    certificate = check_grouping(problem, frozen, [u.person for u in unplaced])
    if not certificate.holds:  # pragma: no cover - would be a solver bug
        raise AssertionError(f"solver broke constraints: {certificate.violations}")
    return Solution(
        groups=frozen,
        objective=objective(problem, frozen),
        unplaced=unplaced,
        certificate=certificate,
        seed=seed,
        iterations=iterations,
        seconds=time.perf_counter() - started,
        stop_reason=stop,
    )


def _dense(
    problem: Problem,
    prepared: Prepared,
    assignment: IntArray,
    rng: np.random.Generator,
    limits: Limits,
) -> tuple[IntArray, int, StopReason]:
    """Iterated tabu search over the placed units; returns the full assignment."""
    placed = np.flatnonzero(assignment >= 0)
    # A random order breaks ties between equal gains differently per seed.
    placed = placed[rng.permutation(len(placed))]
    distances = person_distances(problem, prepared)
    unit_matrix, intra = unit_distances(distances, [prepared.members[int(u)] for u in placed])
    local = {int(u): k for k, u in enumerate(placed)}
    conflicts = np.array(
        [(local[int(a)], local[int(b)]) for a, b in prepared.conflicts if int(a) in local and int(b) in local],
        dtype=np.int64,
    ).reshape(-1, 2)
    state = DenseTabu(
        distances=unit_matrix,
        weight=prepared.weight[placed],
        lower=prepared.lower,
        upper=prepared.upper,
        movable=prepared.fixed[placed] < 0,
        allowed=None if prepared.allowed is None else prepared.allowed[placed],
        conflicts=conflicts,
        assignment=assignment[placed],
        rng=rng,
    )
    settings = TabuSettings.for_size(len(placed), prepared.groups)
    reasons = set(np.flatnonzero(assignment < 0).tolist())

    def restart() -> IntArray | None:
        try:
            fresh, left_out = construct(prepared, rng, shuffle=True)
        except InfeasibleProblem:
            return None
        if set(left_out) != reasons:
            return None
        return fresh[placed]

    restarter = restart if (prepared.weight[placed] > 1).any() else None
    result = iterated_tabu(state, limits, float(intra.sum()), settings, restarter)
    full = assignment.copy()
    full[placed] = result.assignment
    return full, result.iterations, result.stop_reason
