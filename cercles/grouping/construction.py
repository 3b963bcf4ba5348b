"""A first grouping that satisfies every hard constraint (before any search)."""

from __future__ import annotations

import numpy as np

from cercles.grouping.exceptions import ErrorCode, InfeasibleProblem
from cercles.grouping.model import UnplacedReason
from cercles.grouping.preparation import IntArray, Prepared


def conflict_lists(prepared: Prepared) -> list[list[int]]:
    """Cannot-link partners of each unit."""
    partners: list[list[int]] = [[] for _ in range(prepared.units)]
    for a, b in prepared.conflicts:
        partners[int(a)].append(int(b))
        partners[int(b)].append(int(a))
    return partners


def construct(
    prepared: Prepared, rng: np.random.Generator, shuffle: bool = False
) -> tuple[IntArray, dict[int, UnplacedReason]]:
    """Place units greedily, most constrained first, filling minimums first.

    With ``shuffle`` the units come in a random order instead (restarts).

    Returns unit → group (-1 = unplaced) and the reason for each unplaced unit.
    Raises :class:`InfeasibleProblem` when a group cannot reach its minimum.
    """
    units, groups = prepared.units, prepared.groups
    weight, lower, upper = prepared.weight, prepared.lower, prepared.upper
    allowed = prepared.allowed if prepared.allowed is not None else np.ones((units, groups), dtype=bool)
    partners = conflict_lists(prepared)
    assignment = prepared.fixed.copy()
    sizes = np.bincount(
        assignment[assignment >= 0],
        weights=weight[assignment >= 0],
        minlength=groups,
    ).astype(np.int64)
    reasons = dict(prepared.excluded)

    def options(unit: int) -> tuple[np.ndarray, UnplacedReason | None]:
        # Units that may join no group at all were excluded by preparation.
        ok = allowed[unit].copy()
        for other in partners[unit]:
            if assignment[other] >= 0:
                ok[assignment[other]] = False
        if not ok.any():
            return ok, UnplacedReason.CANNOT_LINK
        ok &= sizes + weight[unit] <= upper
        return ok, None if ok.any() else UnplacedReason.NO_ROOM

    placeable = int(weight.sum()) - sum(int(weight[u]) for u in reasons)
    target = most_pairs_sizes(lower, upper, placeable)
    free = np.flatnonzero(prepared.fixed < 0)
    free = np.array([u for u in free if int(u) not in reasons], dtype=np.int64)
    # Most constrained first: fewest allowed groups, largest, most partners.
    noise = rng.random(len(free))
    flexibility = allowed[free].sum(axis=1)
    links = np.array([len(partners[int(u)]) for u in free], dtype=np.int64)
    order = free[np.lexsort((noise, -links, -weight[free], flexibility))]
    if shuffle:
        order = free[rng.permutation(len(free))]
    for unit in order:
        ok, reason = options(int(unit))
        if reason is not None:
            reasons[int(unit)] = reason
            continue
        deficit = np.where(ok, (lower - sizes) / np.maximum(lower, 1), -np.inf)
        if deficit.max() > 0:
            group = int(np.argmax(deficit))
        else:
            # Head for the sizes with the most pairs, then for the largest
            # group with room (more pairs, more diversity to gain).
            room = np.where(ok, target - sizes, -np.inf)
            group = int(np.argmax(room)) if room.max() > 0 else int(np.argmax(np.where(ok, sizes, -1)))
        assignment[unit] = group
        sizes[group] += weight[unit]

    _fill_minimums(prepared, assignment, sizes, reasons, allowed, partners)
    for unit in list(reasons):
        if unit in prepared.excluded:
            continue
        ok, reason = options(unit)
        if reason is None:
            group = int(np.argmin(np.where(ok, sizes / upper, np.inf)))
            assignment[unit] = group
            sizes[group] += weight[unit]
            del reasons[unit]
        else:
            reasons[unit] = reason
    return assignment, reasons


def most_pairs_sizes(lower: IntArray, upper: IntArray, total: int) -> IntArray:
    """Group sizes within bounds, summing to ``total``, with the most pairs.

    The objective grows with the number of within-group pairs, so the search
    starts from the size vector maximising it (dynamic programme over groups;
    falls back to the lower bounds when ``total`` cannot be reached).
    """
    groups = len(lower)
    if not lower.sum() <= total <= upper.sum():
        return lower.copy()
    best = np.full(total + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros((groups, total + 1), dtype=np.int64)
    for group in range(groups):
        following = np.full(total + 1, -np.inf)
        for size in range(int(lower[group]), int(upper[group]) + 1):
            if size > total:
                break
            candidate = np.full(total + 1, -np.inf)
            candidate[size:] = best[: total + 1 - size] + size * (size - 1) / 2
            better = candidate > following
            following[better] = candidate[better]
            choice[group, better] = size
        best = following
    sizes = np.zeros(groups, dtype=np.int64)
    left = total
    for group in range(groups - 1, -1, -1):
        sizes[group] = choice[group, left]
        left -= int(sizes[group])
    return sizes


def _fill_minimums(
    prepared: Prepared,
    assignment: IntArray,
    sizes: IntArray,
    reasons: dict[int, UnplacedReason],
    allowed: np.ndarray,
    partners: list[list[int]],
) -> None:
    """Move units into groups still below their minimum, or raise."""
    weight, lower, upper = prepared.weight, prepared.lower, prepared.upper
    while True:
        short = np.flatnonzero(sizes < lower)
        if len(short) == 0:
            return
        group = int(short[0])
        # Unplaced units first, then units whose group can spare them.
        candidates = [u for u in reasons if u not in prepared.excluded]
        spare = (
            (assignment >= 0)
            & (prepared.fixed < 0)
            & (assignment != group)
            & allowed[:, group]
            & (sizes[assignment] - weight >= lower[assignment])
        )
        candidates += [int(u) for u in np.flatnonzero(spare)]
        for unit in candidates:
            if (
                allowed[unit, group]
                and sizes[group] + weight[unit] <= upper[group]
                and all(assignment[o] != group for o in partners[unit])
            ):
                if assignment[unit] >= 0:
                    sizes[assignment[unit]] -= weight[unit]
                else:
                    del reasons[unit]
                assignment[unit] = group
                sizes[group] += weight[unit]
                break
        else:
            raise InfeasibleProblem(
                ErrorCode.GROUP_CANNOT_BE_FILLED,
                f"group {group} cannot reach its minimum of {int(lower[group])} people under the constraints",
                {"group": group, "size": int(sizes[group])},
            )
