"""Evaluation API for hand edits on the formation screen.

A :class:`GroupingEvaluator` holds a grouping, its objective and a running
table of person-to-group distances, so that pricing a proposed move or swap
costs O(attributes) in attribute mode (O(1) with a distance matrix) and
checking it costs O(size of the two groups): fast enough to answer while a
coordinator drags a person.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cercles.grouping.checking import ProblemIndex, check_grouping
from cercles.grouping.exceptions import ErrorCode, InvalidProblem
from cercles.grouping.model import Certificate, Problem, Violation, ViolationCode
from cercles.grouping.preparation import attribute_codes

_GROUP_WIDE = {
    ViolationCode.GROUP_TOO_SMALL,
    ViolationCode.GROUP_TOO_LARGE,
    ViolationCode.NO_SHARED_SLOT,
}


@dataclass(frozen=True)
class Effect:
    """What a proposed change would do.

    ``delta`` is the change of objective; ``breaks`` the hard constraints it
    would newly violate and ``repairs`` those it would fix.
    """

    delta: float
    breaks: tuple[Violation, ...]
    repairs: tuple[Violation, ...]


class _Overlay(Mapping[str, int]):
    """Placement after a few changes, without copying the whole placement."""

    def __init__(self, base: Mapping[str, int], changes: dict[str, int | None]) -> None:
        self._base = base
        self._changes = changes

    def __getitem__(self, person: str) -> int:
        if person in self._changes:
            group = self._changes[person]
            if group is None:
                raise KeyError(person)
            return group
        return self._base[person]

    def __iter__(self) -> Iterator[str]:
        placed = (p for p in self._base if p not in self._changes)
        moved = (p for p, g in self._changes.items() if g is not None)
        return itertools.chain(placed, moved)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _key(violation: Violation) -> tuple[object, ...]:
    if violation.code in _GROUP_WIDE:
        return (violation.code, violation.group)
    return (violation.code, violation.group, violation.people)


class GroupingEvaluator:
    """Score a grouping and price moves and swaps of people between groups.

    ``groups[k]`` lists the ids of group k's members; people in no group are
    unplaced. Raises :class:`InvalidProblem` for unknown or repeated people or
    a wrong number of groups.
    """

    def __init__(self, problem: Problem, groups: Sequence[Sequence[str]]) -> None:
        if len(groups) != len(problem.groups):
            raise InvalidProblem(
                ErrorCode.UNKNOWN_GROUP,
                f"{len(groups)} groups given, the problem has {len(problem.groups)}",
                {"groups": len(groups)},
            )
        self.problem = problem
        self._index = ProblemIndex(problem)
        self._position = problem.index_of()
        self._members: list[list[str]] = [[] for _ in problem.groups]
        self._where: dict[str, int] = {}
        for group, members in enumerate(groups):
            for person in members:
                if person not in self._position:
                    raise InvalidProblem(
                        ErrorCode.UNKNOWN_PERSON,
                        f"unknown person {person}",
                        {"people": [person]},
                    )
                if person in self._where:
                    raise InvalidProblem(
                        ErrorCode.DUPLICATE_PERSON,
                        f"{person} is in two groups",
                        {"people": [person]},
                    )
                self._where[person] = group
                self._members[group].append(person)
        n, m = problem.size, len(problem.groups)
        assignment = np.full(n, -1, dtype=np.int64)
        for person, group in self._where.items():
            assignment[self._position[person]] = group
        self._distances = None if problem.distances is None else np.asarray(problem.distances, dtype=np.float64)
        if self._distances is not None:
            # table[i, g] = sum of distances from person i to group g's members.
            self._table = np.zeros((n, m), dtype=np.float64)
            for group in range(m):
                self._table[:, group] = self._distances[:, assignment == group].sum(axis=1)
        else:
            codes, column_weight, total = attribute_codes(problem)
            assert codes is not None
            assert column_weight is not None
            self._codes, self._column_weight, self._total = codes, column_weight, total
            self._table = np.zeros((m, len(column_weight)), dtype=np.float64)
            for person, group in self._where.items():
                self._table[group, codes[self._position[person]]] += 1.0
        self._value = self._score()

    def _score(self) -> float:
        total = 0.0
        for group in range(len(self._members)):
            for person in self._members[group]:
                total += self._gain(self._position[person], group)
        return total / 2.0

    def _gain(self, person: int, group: int | None) -> float:
        """Sum of distances from a person to the members of a group."""
        if group is None:
            return 0.0
        if self._distances is not None:
            return float(self._table[person, group])
        codes = self._codes[person]
        matches = float((self._table[group, codes] * self._column_weight[codes]).sum())
        return self._total * len(self._members[group]) - matches

    def _distance(self, a: int, b: int) -> float:
        if self._distances is not None:
            return float(self._distances[a, b])
        same = self._codes[a] == self._codes[b]
        return self._total - float(self._column_weight[self._codes[a]][same].sum())

    @property
    def objective(self) -> float:
        """Sum of within-group pairwise distances of the current grouping."""
        return self._value

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The current grouping."""
        return tuple(tuple(members) for members in self._members)

    def group_of(self, person: str) -> int | None:
        """Group index of a person (None: unplaced)."""
        self._require(person)
        return self._where.get(person)

    def certificate(self) -> Certificate:
        """Every hard constraint checked on the current grouping."""
        unplaced = [p for p in self._position if p not in self._where]
        return check_grouping(self.problem, self.groups, unplaced)

    def violations(self) -> tuple[Violation, ...]:
        """Hard constraints the current grouping breaks (unplaced people aside)."""
        return self.certificate().violations

    def _require(self, person: str) -> None:
        if person not in self._position:
            raise InvalidProblem(
                ErrorCode.UNKNOWN_PERSON,
                f"unknown person {person}",
                {"people": [person]},
            )

    def _check_group(self, group: int | None) -> None:
        if group is not None and not 0 <= group < len(self._members):
            raise InvalidProblem(ErrorCode.UNKNOWN_GROUP, f"no group {group}", {"group": group})

    def _local(self, changes: dict[str, int | None]) -> tuple[list[Violation], list[Violation]]:
        """Violations of the touched groups before and after some changes."""
        touched = {g for g in (self._where.get(p) for p in changes) if g is not None}
        touched |= {g for g in changes.values() if g is not None}
        for person in changes:
            for partner in self._index.unit.get(person, ()):
                if partner in self._where:
                    touched.add(self._where[partner])
        before: list[Violation] = []
        after: list[Violation] = []
        where_after = _Overlay(self._where, changes)
        for group in sorted(touched):
            members = self._members[group]
            before += self._index.group_violations(group, members, self._where)
            moved = [p for p in members if where_after.get(p) == group]
            moved += [p for p, g in changes.items() if g == group and p not in members]
            after += self._index.group_violations(group, moved, where_after)
        return before, after

    def _effect(self, delta: float, changes: dict[str, int | None]) -> Effect:
        before, after = self._local(changes)
        old = {_key(v) for v in before}
        new = {_key(v) for v in after}
        return Effect(
            delta=delta,
            breaks=tuple(v for v in after if _key(v) not in old),
            repairs=tuple(v for v in before if _key(v) not in new),
        )

    def move(self, person: str, group: int | None) -> Effect:
        """Price moving ``person`` to ``group`` (None: out of every group)."""
        self._require(person)
        self._check_group(group)
        source = self._where.get(person)
        if source == group:
            return Effect(0.0, (), ())
        index = self._position[person]
        delta = self._gain(index, group) - self._gain(index, source)
        return self._effect(delta, {person: group})

    def swap(self, first: str, second: str) -> Effect:
        """Price exchanging the groups of two people."""
        self._require(first)
        self._require(second)
        a, b = self._where.get(first), self._where.get(second)
        if a == b:
            return Effect(0.0, (), ())
        i, j = self._position[first], self._position[second]
        delta = self._gain(i, b) - self._gain(i, a) + self._gain(j, a) - self._gain(j, b)
        # Each one joins the other's group without the other in it.
        delta -= self._distance(i, j) * ((a is not None) + (b is not None))
        return self._effect(delta, {first: b, second: a})

    def apply_move(self, person: str, group: int | None) -> Effect:
        """Move ``person`` to ``group`` (None: unplace); return its effect."""
        effect = self.move(person, group)
        self._relocate(person, group)
        self._value += effect.delta
        return effect

    def apply_swap(self, first: str, second: str) -> Effect:
        """Exchange the groups of two people; return the effect."""
        effect = self.swap(first, second)
        a, b = self._where.get(first), self._where.get(second)
        self._relocate(first, b)
        self._relocate(second, a)
        self._value += effect.delta
        return effect

    def _relocate(self, person: str, group: int | None) -> None:
        source = self._where.get(person)
        if source == group:
            return
        index = self._position[person]
        for target, sign in ((source, -1.0), (group, 1.0)):
            if target is None:
                continue
            if self._distances is not None:
                self._table[:, target] += sign * self._distances[index]
            else:
                self._table[target, self._codes[index]] += sign
        if source is not None:
            self._members[source].remove(person)
            del self._where[person]
        if group is not None:
            self._members[group].append(person)
            self._where[person] = group
