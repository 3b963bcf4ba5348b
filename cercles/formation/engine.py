"""The formation's side of the engine that runs in the child process: pure Python, no Django.

The parent (``services.run_execute``) hands over the problem as plain JSON data (what the run row
keeps, so that a replay reads exactly the same inputs), the seed and the budgets; this module picks
the number of groups, calls :func:`cercles.grouping.solve` and answers with plain data too. It never
imports Django: the child starts fast and holds no database connection.

Choosing the number of groups is the one decision made here: the engine needs exact bounds, while a
call has fewer or more applicants than whole groups hold. The count closest to ``n / target`` is
tried first, then fewer groups; when the applicants outnumber every seat, the latest applicants are
left out with ``NO_ROOM`` (they go to the call's waiting list). Infeasibility proven by the engine
for every count is reported with its code; nobody is placed then.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cercles.grouping import (
    Attribute,
    GroupBounds,
    InfeasibleProblem,
    InvalidProblem,
    Person,
    Problem,
    Progress,
    attribute_upper_bound,
    solve,
)

ProblemData = Mapping[str, Any]
"""``people`` ([{id, attributes, slots}] in application order), ``attributes`` ([[name, weight]]),
``min_size``, ``max_size``, ``cannot_link``, ``must_link``, ``locked`` ({person: group}) and, for a
re-run or replay, ``group_count`` and ``exact_sizes`` ({group: size} of the groups kept as they are).
``questions`` ([{attribute, label}]) and ``notices`` are for the result page; the engine ignores them."""


def missing_value(person: str) -> str:
    """The value of an attribute a person has none for: like nobody else's, so it never counts as shared."""
    return f"?{person}"


@dataclass(frozen=True)
class Outcome:
    """What a run found, as plain data for the run row."""

    groups: list[list[str]]
    shared_slots: list[str | None]
    unplaced: list[dict[str, str]]
    objective: float
    upper_bound: float
    random_objective: float
    iterations: int
    seconds: float
    stop_reason: str
    group_count: int
    error_code: str = ""
    error_data: dict[str, Any] | None = None


def build_problem(data: ProblemData, group_count: int, left_out: Sequence[str] = ()) -> Problem:
    """The engine's problem for ``group_count`` groups, without the people in ``left_out``."""
    gone = set(left_out)
    people = tuple(
        Person(
            p["id"],
            {name: str(value) for name, value in p["attributes"].items()},
            None if p.get("slots") is None else frozenset(p["slots"]),
        )
        for p in data["people"]
        if p["id"] not in gone
    )
    kept = {p.id for p in people}
    # A group kept as it is (locked) has exactly its size: nobody joins or leaves it.
    exact = {int(group): int(size) for group, size in data.get("exact_sizes", {}).items()}
    return Problem(
        people=people,
        groups=tuple(
            GroupBounds(exact[k], exact[k]) if k in exact else GroupBounds(int(data["min_size"]), int(data["max_size"]))
            for k in range(group_count)
        ),
        attributes=tuple(Attribute(name, float(weight)) for name, weight in data["attributes"]),
        cannot_link=tuple((a, b) for a, b in data.get("cannot_link", ()) if a in kept and b in kept),
        must_link=tuple(tuple(unit) for unit in data.get("must_link", ()) if all(member in kept for member in unit)),
        locked={p: int(g) for p, g in data.get("locked", {}).items() if p in kept and int(g) < group_count},
        require_shared_slot=True,
    )


def group_counts(data: ProblemData) -> list[int]:
    """Numbers of groups to try, best first: closest to the target size, then fewer groups."""
    if data.get("group_count"):
        return [int(data["group_count"])]
    n = len(data["people"])
    low, high = int(data["min_size"]), int(data["max_size"])
    if n < low:
        return [1]
    target = (low + high) / 2
    best = min(max(round(n / target), math.ceil(n / high)), n // low)
    return list(range(max(best, 1), 0, -1))


def random_expectation(problem: Problem, sizes: Sequence[int]) -> float:
    """Expected objective of a random assignment with these group sizes (attribute mode).

    Two people drawn at random share a value of an attribute with probability
    Σ c·(c−1) / (n·(n−1)); each group of size s holds s·(s−1)/2 pairs.
    """
    n = problem.size
    if n < 2:
        return 0.0
    pairs = sum(s * (s - 1) / 2 for s in sizes)
    expected = 0.0
    for attribute in problem.attributes:
        counts: dict[str, int] = {}
        for person in problem.people:
            value = person.attributes[attribute.name]
            counts[value] = counts.get(value, 0) + 1
        same = sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))
        expected += attribute.weight * pairs * (1 - same)
    return expected


def form_groups(
    data: ProblemData,
    *,
    seed: int,
    seconds: float | None,
    max_iterations: int | None,
    progress: Callable[[Progress], bool | None] | None = None,
    progress_every: int = 200,
) -> Outcome:
    """Run the engine on ``data``, trying group counts in turn; see the module docstring."""
    started = time.perf_counter()
    first_error: tuple[str, dict[str, Any]] | None = None
    hopeless = _without_a_possible_slot(data)
    order = [p["id"] for p in data["people"] if p["id"] not in hopeless]
    for count in group_counts(data):
        capacity = count * int(data["max_size"])
        left_out = order[capacity:] if len(order) > capacity else []
        try:
            problem = build_problem(data, count, [*left_out, *hopeless])
            solution = solve(
                problem,
                seed=seed,
                seconds=seconds,
                max_iterations=max_iterations,
                progress=progress,
                progress_every=progress_every,
            )
        except (InfeasibleProblem, InvalidProblem) as error:
            if first_error is None:
                first_error = (str(error.code), {k: _plain(v) for k, v in error.data.items()})
            continue
        sizes = [len(g) for g in solution.groups]
        return Outcome(
            groups=[list(g) for g in solution.groups],
            shared_slots=list(solution.certificate.shared_slots),
            unplaced=[{"person": u.person, "reason": str(u.reason)} for u in solution.unplaced]
            + [{"person": p, "reason": "NO_ROOM"} for p in left_out]
            + [{"person": p, "reason": "NO_SHARED_SLOT"} for p in hopeless],
            objective=solution.objective,
            upper_bound=attribute_upper_bound(problem, sizes) if problem.attributes else 0.0,
            random_objective=random_expectation(problem, sizes),
            iterations=solution.iterations,
            seconds=time.perf_counter() - started,
            stop_reason=str(solution.stop_reason),
            group_count=count,
        )
    code, details = first_error or ("TOO_FEW_PEOPLE", {})
    if hopeless and len(data["people"]) >= int(data["min_size"]):
        code = "NO_SHARED_SLOT"  # enough people, but too few of them share a slot
    return Outcome(
        groups=[],
        shared_slots=[],
        unplaced=[{"person": p["id"], "reason": "NOT_RUN"} for p in data["people"]],
        objective=0.0,
        upper_bound=0.0,
        random_objective=0.0,
        iterations=0,
        seconds=time.perf_counter() - started,
        stop_reason="",
        group_count=0,
        error_code=code,
        error_data=details,
    )


def _without_a_possible_slot(data: ProblemData) -> list[str]:
    """People none of whose slots enough applicants share to fill a group: no group can meet then."""
    minimum = int(data["min_size"])
    people = list(data["people"])
    while True:
        counts: dict[str, int] = {}
        for person in people:
            for slot in person.get("slots") or ():
                counts[slot] = counts.get(slot, 0) + 1
        kept = [p for p in people if p.get("slots") is None or any(counts[s] >= minimum for s in p["slots"])]
        if len(kept) == len(people):
            break
        people = kept
    remaining = {p["id"] for p in people}
    return [p["id"] for p in data["people"] if p["id"] not in remaining]


def _plain(value: object) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def child_main(
    connection: Any, data: ProblemData, seed: int, seconds: float | None, max_iterations: int | None
) -> None:
    """Entry point of the child process: progress and the outcome go up the pipe, "cancel" comes down.

    The progress callback is the engine's only chance to stop: it reads the pipe without waiting
    and answers True once the parent asked to cancel.
    """
    last_sent = 0.0
    cancelled = False

    def on_progress(progress: Progress) -> bool:
        nonlocal last_sent, cancelled
        while connection.poll():
            if connection.recv() == "cancel":
                cancelled = True
        now = time.perf_counter()
        if now - last_sent >= 0.2:
            last_sent = now
            connection.send(("progress", progress.iterations, progress.best_objective, progress.elapsed_seconds))
        return cancelled

    people = len(data["people"])
    outcome = form_groups(
        data,
        seed=seed,
        seconds=seconds,
        max_iterations=max_iterations,
        progress=on_progress,
        progress_every=100 if people <= 300 else 5,
    )
    connection.send(("done", outcome.__dict__))
    connection.close()
