"""The objective: sum of within-group pairwise distances, and a bound on it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from cercles.grouping.model import Problem


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def objective(problem: Problem, groups: Sequence[Sequence[str]]) -> float:
    """Sum over groups of the distances between every two of its members.

    In attribute mode this follows from value counts: each group contributes,
    for each attribute, ``weight × (pairs − pairs sharing a value)``.
    """
    index = problem.index_of()
    total = 0.0
    if problem.distances is not None:
        matrix = np.asarray(problem.distances, dtype=np.float64)
        for members in groups:
            rows = np.array([index[p] for p in members], dtype=np.int64)
            total += float(matrix[np.ix_(rows, rows)].sum()) / 2.0
        return total
    for members in groups:
        pairs = _pairs(len(members))
        for attribute in problem.attributes:
            counts = Counter(problem.people[index[p]].attributes[attribute.name] for p in members)
            same = sum(_pairs(c) for c in counts.values())
            total += attribute.weight * (pairs - same)
    return total


def attribute_upper_bound(problem: Problem, sizes: Sequence[int]) -> float:
    """Upper bound on the attribute-mode objective for the given group sizes.

    For one attribute, same-value pairs are fewest when each value's count is
    spread as evenly as possible over the groups (the pair count is convex), so
    ``weight × (all pairs − that minimum)`` bounds the attribute's share; the
    bound is the weighted sum over attributes. It ignores the other
    constraints, so it may not be reachable.
    """
    groups = len(sizes)
    pairs = sum(_pairs(s) for s in sizes)
    bound = 0.0
    for attribute in problem.attributes:
        counts = Counter(p.attributes[attribute.name] for p in problem.people)
        fewest = 0
        for count in counts.values():
            base, extra = divmod(count, groups)
            fewest += extra * _pairs(base + 1) + (groups - extra) * _pairs(base)
        bound += attribute.weight * (pairs - fewest)
    return bound
