"""Generators of small random problems for the tests (no benchmark data)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from cercles.grouping import Attribute, GroupBounds, Person, Problem

SLOTS = ("lundi", "mardi", "jeudi")


@st.composite
def problems(
    draw: st.DrawFn,
    max_people: int = 14,
    constraints: bool = True,
    matrix: bool | None = None,
) -> Problem:
    """A random small problem, attribute or matrix mode, maybe constrained."""
    n = draw(st.integers(2, max_people))
    groups = draw(st.integers(1, max(1, min(4, n // 2))))
    low = draw(st.integers(1, max(1, n // groups)))
    high = draw(st.integers(max(low, -(-n // groups)), n))
    bounds = tuple(GroupBounds(low, high) for _ in range(groups))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    use_slots = constraints and draw(st.booleans())
    people = []
    for i in range(n):
        slots = None
        if use_slots and rng.random() < 0.7:
            size = int(rng.integers(1, len(SLOTS) + 1))
            slots = frozenset(str(s) for s in rng.choice(SLOTS, size, replace=False))
        attributes = {
            "organisation": f"org{int(rng.integers(4))}",
            "role": f"role{int(rng.integers(3))}",
        }
        people.append(Person(f"p{i}", attributes, slots))
    ids = [p.id for p in people]
    cannot: list[tuple[str, str]] = []
    must: list[tuple[str, ...]] = []
    locked: dict[str, int] = {}
    if constraints:
        pairs = list(itertools.combinations(ids, 2))
        order = rng.permutation(len(pairs))
        for k in order[: draw(st.integers(0, 3))]:
            cannot.append(pairs[int(k)])
        if draw(st.booleans()) and n >= 4:
            must.append((ids[-1], ids[-2]))
        if draw(st.booleans()):
            locked[ids[0]] = int(rng.integers(groups))
    use_matrix = draw(st.booleans()) if matrix is None else matrix
    distances = None
    if use_matrix:
        upper = np.triu(np.round(rng.random((n, n)) * 100, 2), 1)
        distances = upper + upper.T
    return Problem(
        people=tuple(people),
        groups=bounds,
        attributes=(Attribute("organisation", 2.0), Attribute("role", 1.0)),
        distances=distances,
        cannot_link=tuple(cannot),
        must_link=tuple(must),
        locked=locked,
        require_shared_slot=use_slots,
    )
