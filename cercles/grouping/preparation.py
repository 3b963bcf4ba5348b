"""Turn a :class:`Problem` into the arrays the solvers work on.

Must-linked people are merged into *units* that move as one; locks become fixed
units; the shared-slot rule becomes a choice of one meeting slot per group plus a
unit × group "allowed" mask. Everything that can be proven infeasible cheaply is
proven here and raised as :class:`InfeasibleProblem`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cercles.grouping.exceptions import ErrorCode, InfeasibleProblem
from cercles.grouping.model import FloatMatrix, Problem, UnplacedReason

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Prepared:
    """Unit-level view of a problem (internal)."""

    members: list[IntArray]
    weight: IntArray
    lower: IntArray
    upper: IntArray
    fixed: IntArray
    allowed: BoolArray | None
    conflicts: IntArray
    group_slots: list[str | None]
    excluded: dict[int, UnplacedReason]
    codes: IntArray | None
    column_weight: FloatMatrix | None
    total_weight: float

    @property
    def units(self) -> int:
        """Number of units."""
        return len(self.members)

    @property
    def groups(self) -> int:
        """Number of groups."""
        return len(self.lower)


def _infeasible(code: ErrorCode, message: str, **data: object) -> InfeasibleProblem:
    return InfeasibleProblem(code, message, data)


def _units(problem: Problem) -> tuple[IntArray, list[IntArray]]:
    """Union-find over must-links; return person → unit and unit members."""
    index = problem.index_of()
    parent = list(range(problem.size))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for unit in problem.must_link:
        first = root(index[unit[0]])
        for person in unit[1:]:
            parent[root(index[person])] = first
    roots = [root(x) for x in range(problem.size)]
    unit_ids: dict[int, int] = {}
    unit_of = np.empty(problem.size, dtype=np.int64)
    members: list[list[int]] = []
    for position, r in enumerate(roots):
        if r not in unit_ids:
            unit_ids[r] = len(members)
            members.append([])
        unit_of[position] = unit_ids[r]
        members[unit_ids[r]].append(position)
    return unit_of, [np.array(m, dtype=np.int64) for m in members]


def prepare(problem: Problem) -> Prepared:
    """Build the unit-level arrays; raise :class:`InfeasibleProblem` on proofs."""
    ids = [person.id for person in problem.people]
    index = problem.index_of()
    unit_of, members = _units(problem)
    units = len(members)
    weight = np.array([len(m) for m in members], dtype=np.int64)
    lower = np.array([g.min_size for g in problem.groups], dtype=np.int64)
    upper = np.array([g.max_size for g in problem.groups], dtype=np.int64)

    largest = int(weight.max()) if units else 0
    if largest > upper.max():
        unit = int(weight.argmax())
        raise _infeasible(
            ErrorCode.MUST_LINK_TOO_LARGE,
            f"{largest} people must stay together but no group holds more than {int(upper.max())}",
            people=[ids[p] for p in members[unit]],
        )

    pairs = []
    for a, b in problem.cannot_link:
        ua, ub = int(unit_of[index[a]]), int(unit_of[index[b]])
        if ua == ub:
            raise _infeasible(
                ErrorCode.CONFLICTING_LINKS,
                f"{a} and {b} must be together (must-link) and apart (cannot-link)",
                people=[a, b],
            )
        pairs.append((min(ua, ub), max(ua, ub)))
    conflicts = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)

    fixed = np.full(units, -1, dtype=np.int64)
    for person, group in problem.locked.items():
        unit = int(unit_of[index[person]])
        if fixed[unit] not in (-1, group):
            raise _infeasible(
                ErrorCode.CONFLICTING_LOCKS,
                f"must-linked people are locked into groups {int(fixed[unit])} and {group}",
                people=[ids[p] for p in members[unit]],
            )
        fixed[unit] = group
    _check_locked_groups(fixed, weight, upper, conflicts, members, ids)

    n = problem.size
    if n < lower.min() or n == 0:
        raise _infeasible(
            ErrorCode.TOO_FEW_PEOPLE,
            f"{n} people cannot fill a group of at least {int(lower.min())}",
            people=n,
        )
    if n < lower.sum() or _placeable(problem, members, weight) > upper.sum():
        raise _infeasible(
            ErrorCode.BOUNDS_CANNOT_FIT,
            f"{n} people cannot be split into groups whose sizes sum to {int(lower.sum())}..{int(upper.sum())}",
            people=n,
            min_total=int(lower.sum()),
            max_total=int(upper.sum()),
        )

    allowed: BoolArray | None = None
    group_slots: list[str | None] = [None] * len(lower)
    excluded: dict[int, UnplacedReason] = {}
    if problem.require_shared_slot:
        allowed, group_slots = _slots(problem, members, weight, fixed, ids)
        for nowhere in np.flatnonzero(~allowed.any(axis=1)):
            excluded[int(nowhere)] = UnplacedReason.NO_SHARED_SLOT
        placeable = n - sum(int(weight[u]) for u in excluded)
        if placeable < lower.sum():
            raise _infeasible(
                ErrorCode.NO_SHARED_SLOT,
                f"only {placeable} people can meet in the chosen slots, the groups need at least {int(lower.sum())}",
                people=[ids[p] for u in excluded for p in members[u]],
            )

    codes, column_weight, total = attribute_codes(problem)
    return Prepared(
        members=members,
        weight=weight,
        lower=lower,
        upper=upper,
        fixed=fixed,
        allowed=allowed,
        conflicts=conflicts,
        group_slots=group_slots,
        excluded=excluded,
        codes=codes,
        column_weight=column_weight,
        total_weight=total,
    )


def _placeable(problem: Problem, members: list[IntArray], weight: IntArray) -> int:
    """People who could join some group (an empty slot list cannot)."""
    if not problem.require_shared_slot:
        return int(weight.sum())
    cannot = [p.slots is not None and not p.slots for p in problem.people]
    return sum(int(weight[u]) for u, inside in enumerate(members) if not any(cannot[i] for i in inside))


def _check_locked_groups(
    fixed: IntArray,
    weight: IntArray,
    upper: IntArray,
    conflicts: IntArray,
    members: list[IntArray],
    ids: list[str],
) -> None:
    for group in range(len(upper)):
        inside = np.flatnonzero(fixed == group)
        if weight[inside].sum() > upper[group]:
            raise _infeasible(
                ErrorCode.LOCKED_GROUP_TOO_LARGE,
                f"{int(weight[inside].sum())} people are locked into group {group}, "
                f"which holds at most {int(upper[group])}",
                group=group,
                people=[ids[p] for u in inside for p in members[u]],
            )
    for a, b in conflicts:
        if fixed[a] != -1 and fixed[a] == fixed[b]:
            raise _infeasible(
                ErrorCode.CONFLICTING_LOCKS,
                f"people who cannot be together are locked into group {int(fixed[a])}",
                group=int(fixed[a]),
                people=[ids[p] for u in (a, b) for p in members[u]],
            )


def _slots(
    problem: Problem,
    members: list[IntArray],
    weight: IntArray,
    fixed: IntArray,
    ids: list[str],
) -> tuple[BoolArray, list[str | None]]:
    """Choose a meeting slot per group and derive the unit × group mask.

    Each group gets one slot: groups with locked members take a slot all of them
    can attend; the others are handed out greedily in proportion to how many
    people can attend each slot (people with fewer options count more), which
    keeps the mask feasible in practice without a flow computation.
    """
    people = problem.people
    every = sorted({s for p in people if p.slots is not None for s in p.slots})
    slot_index = {s: k for k, s in enumerate(every)}
    units = len(members)
    groups = len(problem.groups)
    # One extra column stands for "no slot named anywhere": people without a
    # slot list can meet there, people with an empty list cannot.
    available = np.ones((units, len(every) + 1), dtype=bool)
    for unit, inside in enumerate(members):
        for person in inside:
            own = people[int(person)].slots
            if own is not None:
                row = np.zeros(len(every) + 1, dtype=bool)
                row[[slot_index[s] for s in own]] = True
                available[unit] &= row
        if not available[unit].any() and len(inside) > 1:
            raise _infeasible(
                ErrorCode.NO_SHARED_SLOT,
                "people who must stay together share no slot",
                people=[ids[int(p)] for p in inside],
            )
    if not every:
        allowed = np.repeat(available[:, :1], groups, axis=1)
        return allowed, [None] * groups
    available = available[:, :-1]
    reachable = available.any(axis=1)

    share = np.where(reachable, weight / np.maximum(available.sum(axis=1), 1), 0)
    demand = (available * share[:, None]).sum(axis=0)
    mean_size = float(weight.sum()) / groups
    chosen = np.full(groups, -1, dtype=np.int64)
    for group in range(groups):
        inside = np.flatnonzero(fixed == group)
        if len(inside):
            candidates = available[inside].all(axis=0)
            if not candidates.any():
                raise _infeasible(
                    ErrorCode.NO_SHARED_SLOT,
                    f"people locked into group {group} share no slot",
                    group=group,
                    people=[ids[int(p)] for u in inside for p in members[u]],
                )
            slot = int(np.argmax(np.where(candidates, demand, -np.inf)))
            chosen[group] = slot
            demand[slot] -= mean_size
    for unset in np.flatnonzero(chosen < 0):
        slot = int(np.argmax(demand))
        chosen[unset] = slot
        demand[slot] -= mean_size
    allowed = available[:, chosen]
    return allowed, [every[int(s)] for s in chosen]


def attribute_codes(
    problem: Problem,
) -> tuple[IntArray | None, FloatMatrix | None, float]:
    """Encode attribute values as global column numbers (person × attribute)."""
    if problem.distances is not None:
        return None, None, 0.0
    columns: dict[tuple[int, str], int] = {}
    codes = np.empty((problem.size, len(problem.attributes)), dtype=np.int64)
    for k, attribute in enumerate(problem.attributes):
        for person_index, person in enumerate(problem.people):
            key = (k, person.attributes[attribute.name])
            codes[person_index, k] = columns.setdefault(key, len(columns))
    column_weight = np.zeros(len(columns), dtype=np.float64)
    for (k, _), column in columns.items():
        column_weight[column] = problem.attributes[k].weight
    total = float(sum(a.weight for a in problem.attributes))
    return codes, column_weight, total


def person_distances(problem: Problem, prepared: Prepared) -> FloatMatrix:
    """Dense person × person distance matrix (given, or built from attributes)."""
    if problem.distances is not None:
        return np.asarray(problem.distances, dtype=np.float64)
    assert prepared.codes is not None
    assert prepared.column_weight is not None
    n = problem.size
    matrix = np.full((n, n), prepared.total_weight, dtype=np.float64)
    for k in range(prepared.codes.shape[1]):
        column = prepared.codes[:, k]
        same = column[:, None] == column[None, :]
        matrix -= same * prepared.column_weight[column][:, None]
    np.fill_diagonal(matrix, 0.0)
    return matrix


def unit_distances(distances: FloatMatrix, members: list[IntArray]) -> tuple[FloatMatrix, FloatMatrix]:
    """Collapse person distances to unit distances; also return intra-unit sums."""
    if all(len(m) == 1 for m in members):
        order = np.array([m[0] for m in members], dtype=np.int64)
        collapsed = distances[np.ix_(order, order)]
        return np.ascontiguousarray(collapsed), np.zeros(len(members))
    units = len(members)
    rows = np.zeros((units, distances.shape[0]), dtype=np.float64)
    for unit, inside in enumerate(members):
        rows[unit] = distances[inside].sum(axis=0)
    collapsed = np.zeros((units, units), dtype=np.float64)
    for unit, inside in enumerate(members):
        collapsed[:, unit] = rows[:, inside].sum(axis=1)
    intra = np.diag(collapsed).copy() / 2.0
    np.fill_diagonal(collapsed, 0.0)
    return collapsed, intra
