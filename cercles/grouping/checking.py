"""Independent verification of a grouping against every hard constraint.

Works on people (not on the solver's internal units) so that it checks the
solver rather than trusting it; the evaluation API and the certificate use it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from cercles.grouping.exceptions import ErrorCode, InvalidProblem
from cercles.grouping.model import (
    Certificate,
    Person,
    Problem,
    Violation,
    ViolationCode,
)

CHECKED = (
    "EACH_PERSON_ONCE",
    "GROUP_SIZE",
    "CANNOT_LINK",
    "MUST_LINK",
    "LOCK",
    "SHARED_SLOT",
)


class ProblemIndex:
    """Per-person lookups of a problem's constraints (built once, read often)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.people: dict[str, Person] = {p.id: p for p in problem.people}
        self.partners: dict[str, list[str]] = {}
        for a, b in problem.cannot_link:
            self.partners.setdefault(a, []).append(b)
            self.partners.setdefault(b, []).append(a)
        self.unit: dict[str, tuple[str, ...]] = {}
        for unit in problem.must_link:
            for person in unit:
                merged = set(self.unit.get(person, ())) | set(unit)
                for other in merged:
                    self.unit[other] = tuple(sorted(merged))

    def shared_slot(self, members: Sequence[str]) -> tuple[bool, str | None]:
        """Whether ``members`` share a slot, and the first such slot (None: any)."""
        if not self.problem.require_shared_slot:
            return True, None
        common: set[str] | None = None
        for person in members:
            slots = self.people[person].slots
            if slots is not None:
                common = set(slots) if common is None else common & slots
        if common is None:
            return True, None
        return bool(common), min(common) if common else None

    def group_violations(self, group: int, members: Sequence[str], where: Mapping[str, int]) -> list[Violation]:
        """Violations that concern one group (sizes, links, locks, slot).

        ``where`` maps every placed person to its group.
        """
        found: list[Violation] = []
        bounds = self.problem.groups[group]
        if len(members) < bounds.min_size:
            found.append(Violation(ViolationCode.GROUP_TOO_SMALL, tuple(members), group))
        if len(members) > bounds.max_size:
            found.append(Violation(ViolationCode.GROUP_TOO_LARGE, tuple(members), group))
        inside = set(members)
        reported: set[tuple[str, ...]] = set()
        for person in members:
            for other in self.partners.get(person, ()):
                pair = (min(person, other), max(person, other))
                if other in inside and pair not in reported:
                    reported.add(pair)
                    found.append(Violation(ViolationCode.CANNOT_LINK, pair, group))
            unit = self.unit.get(person)
            if unit and unit not in reported:
                reported.add(unit)
                if any(where.get(p) != group for p in unit):
                    found.append(Violation(ViolationCode.MUST_LINK_SPLIT, unit, group))
            locked = self.problem.locked.get(person)
            if locked is not None and locked != group:
                found.append(Violation(ViolationCode.LOCK_BROKEN, (person,), group))
        if not self.shared_slot(members)[0]:
            found.append(Violation(ViolationCode.NO_SHARED_SLOT, tuple(members), group))
        return found


def check_grouping(
    problem: Problem,
    groups: Sequence[Sequence[str]],
    unplaced: Collection[str] = (),
) -> Certificate:
    """Check every hard constraint; return a certificate (``holds`` or not).

    Raises :class:`InvalidProblem` when the number of groups is wrong.

    People neither in a group nor in ``unplaced`` are reported missing; a lock
    counts as broken when its person is unplaced.
    """
    violations: list[Violation] = []
    if len(groups) != len(problem.groups):
        raise InvalidProblem(
            ErrorCode.UNKNOWN_GROUP,
            f"{len(groups)} groups given, the problem has {len(problem.groups)}",
            {"groups": len(groups)},
        )
    index = ProblemIndex(problem)
    where: dict[str, int] = {}
    known = index.people
    for group, members in enumerate(groups):
        for person in members:
            if person not in known:
                violations.append(Violation(ViolationCode.UNKNOWN_PERSON, (person,), group))
            elif person in where:
                violations.append(Violation(ViolationCode.PERSON_REPEATED, (person,), group))
            where[person] = group
    left_out = set(unplaced)
    missing = [p for p in known if p not in where and p not in left_out]
    if missing:
        violations.append(Violation(ViolationCode.PERSON_MISSING, tuple(missing)))
    slots: list[str | None] = []
    for group, members in enumerate(groups):
        violations += index.group_violations(group, members, where)
        slots.append(index.shared_slot(members)[1])
    for person in left_out:
        if person in problem.locked:
            violations.append(Violation(ViolationCode.LOCK_BROKEN, (person,), problem.locked[person]))
    return Certificate(
        holds=not violations,
        checked=CHECKED,
        shared_slots=tuple(slots),
        violations=tuple(violations),
    )
