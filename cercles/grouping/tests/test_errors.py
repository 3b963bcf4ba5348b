"""Bad problems and impossible calls get precise codes with the people named."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cercles.grouping import (
    Attribute,
    ErrorCode,
    GroupBounds,
    GroupingError,
    InfeasibleProblem,
    InvalidProblem,
    Person,
    Problem,
    groups_for_target,
    solve,
)


def people(n: int, slots: frozenset[str] | None = None) -> tuple[Person, ...]:
    return tuple(Person(f"p{i}", {"org": f"o{i % 3}"}, slots) for i in range(n))


ORG = (Attribute("org"),)
TWO = (GroupBounds(2, 3), GroupBounds(2, 3))


def problem(**changes: object) -> Problem:
    fields: dict[str, object] = {"people": people(5), "groups": TWO, "attributes": ORG}
    fields.update(changes)
    return Problem(**fields)  # type: ignore[arg-type]


def raised(call: Callable[[], object]) -> GroupingError:
    with pytest.raises(GroupingError) as error:
        call()
    return error.value


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"people": people(2) + people(1)}, ErrorCode.DUPLICATE_PERSON),
        ({"groups": ()}, ErrorCode.INVALID_BOUNDS),
        ({"groups": (GroupBounds(3, 2),)}, ErrorCode.INVALID_BOUNDS),
        ({"cannot_link": (("p0", "nobody"),)}, ErrorCode.UNKNOWN_PERSON),
        ({"cannot_link": (("p0", "p0"),)}, ErrorCode.CONFLICTING_LINKS),
        ({"locked": {"p0": 7}}, ErrorCode.UNKNOWN_GROUP),
        ({"distances": np.zeros((2, 2))}, ErrorCode.INVALID_DISTANCES),
        ({"distances": -np.ones((5, 5))}, ErrorCode.INVALID_DISTANCES),
        ({"distances": np.triu(np.ones((5, 5)))}, ErrorCode.INVALID_DISTANCES),
        ({"attributes": ORG + ORG}, ErrorCode.INVALID_ATTRIBUTES),
        ({"attributes": (Attribute("org", -1.0),)}, ErrorCode.INVALID_ATTRIBUTES),
        ({"attributes": (Attribute("role"),)}, ErrorCode.INVALID_ATTRIBUTES),
    ],
)
def test_invalid_problems(changes: dict[str, object], code: ErrorCode) -> None:
    error = raised(lambda: problem(**changes))
    assert isinstance(error, InvalidProblem)
    assert error.code == code
    assert code in str(error)


@pytest.mark.parametrize(
    ("changes", "code", "named"),
    [
        ({"people": people(1)}, ErrorCode.TOO_FEW_PEOPLE, None),
        ({"people": people(9)}, ErrorCode.BOUNDS_CANNOT_FIT, None),
        (
            {"must_link": (("p0", "p1"),), "cannot_link": (("p1", "p0"),)},
            ErrorCode.CONFLICTING_LINKS,
            ["p1", "p0"],
        ),
        (
            {"must_link": (("p0", "p1", "p2", "p3"),)},
            ErrorCode.MUST_LINK_TOO_LARGE,
            ["p0", "p1", "p2", "p3"],
        ),
        (
            {"must_link": (("p0", "p1"),), "locked": {"p0": 0, "p1": 1}},
            ErrorCode.CONFLICTING_LOCKS,
            ["p0", "p1"],
        ),
        (
            {"locked": {"p0": 0, "p1": 0, "p2": 0, "p3": 0}},
            ErrorCode.LOCKED_GROUP_TOO_LARGE,
            ["p0", "p1", "p2", "p3"],
        ),
        (
            {"locked": {"p0": 1, "p1": 1}, "cannot_link": (("p0", "p1"),)},
            ErrorCode.CONFLICTING_LOCKS,
            ["p0", "p1"],
        ),
    ],
)
def test_proven_infeasible(changes: dict[str, object], code: ErrorCode, named: list[str] | None) -> None:
    error = raised(lambda: solve(problem(**changes), max_iterations=5))
    assert isinstance(error, InfeasibleProblem)
    assert error.code == code
    if named is not None:
        assert error.data["people"] == named


def test_slot_infeasibility_names_people() -> None:
    mixed = (
        Person("a", {"org": "x"}, frozenset({"lundi"})),
        Person("b", {"org": "y"}, frozenset({"mardi"})),
        *people(4, frozenset({"lundi", "mardi"})),
    )
    error = raised(
        lambda: solve(
            problem(people=mixed, must_link=(("a", "b"),), require_shared_slot=True),
            max_iterations=5,
        )
    )
    assert error.code == ErrorCode.NO_SHARED_SLOT
    assert error.data["people"] == ["a", "b"]
    error = raised(
        lambda: solve(
            problem(people=mixed, locked={"a": 0, "b": 0}, require_shared_slot=True),
            max_iterations=5,
        )
    )
    assert error.code == ErrorCode.NO_SHARED_SLOT
    assert error.data["group"] == 0
    nobody = people(4, frozenset()) + people(2)[:0]
    lonely = (*nobody, Person("q", {"org": "o"}), Person("r", {"org": "o"}))
    error = raised(lambda: solve(problem(people=lonely, require_shared_slot=True), max_iterations=5))
    assert error.code == ErrorCode.NO_SHARED_SLOT
    assert error.data["people"] == ["p0", "p1", "p2", "p3"]


def test_people_who_can_meet_nowhere_are_left_out_with_a_reason() -> None:
    crowd = (
        *people(5, frozenset({"lundi"})),
        Person("late", {"org": "o1"}, frozenset({"vendredi"})),
        Person("never", {"org": "o2"}, frozenset()),
    )
    solution = solve(problem(people=crowd, require_shared_slot=True), seed=1, max_iterations=20)
    left = {u.person: u.reason for u in solution.unplaced}
    assert left == {"late": "NO_SHARED_SLOT", "never": "NO_SHARED_SLOT"}
    assert solution.certificate.shared_slots == ("lundi", "lundi")


def test_cannot_link_and_room_reasons() -> None:
    solution = solve(
        problem(people=people(3), groups=(GroupBounds(0, 3),), cannot_link=(("p0", "p2"),)),
        max_iterations=5,
    )
    assert [u.reason for u in solution.unplaced] == ["CANNOT_LINK"]
    pairs = solve(
        problem(
            people=people(4),
            groups=(GroupBounds(0, 3), GroupBounds(0, 1)),
            must_link=(("p0", "p1"), ("p2", "p3")),
        ),
        max_iterations=5,
    )
    assert [u.reason for u in pairs.unplaced] == ["NO_ROOM", "NO_ROOM"]
    assert pairs.certificate.holds


def test_group_that_cannot_reach_its_minimum() -> None:
    crowd = people(3, frozenset({"lundi"})) + people(6)[3:]
    error = raised(
        lambda: solve(
            problem(
                people=crowd,
                groups=(GroupBounds(3, 3), GroupBounds(3, 3)),
                cannot_link=(("p3", "p4"), ("p4", "p5"), ("p3", "p5")),
            ),
            max_iterations=5,
        )
    )
    assert error.code == ErrorCode.GROUP_CANNOT_BE_FILLED


def test_parameters_and_targets() -> None:
    good = problem()
    for kwargs in (
        {},
        {"max_iterations": -1},
        {"seconds": -1.0},
        {"max_iterations": 5, "progress_every": 0},
    ):
        error = raised(lambda kwargs=kwargs: solve(good, **kwargs))  # type: ignore[misc]
        assert error.code == ErrorCode.INVALID_PARAMETER
    assert len(groups_for_target(180, 6, 5, 8)) == 30
    assert len(groups_for_target(13, 7, 6, 8)) == 2
    assert raised(lambda: groups_for_target(3, 6, 5, 8)).code == ErrorCode.TOO_FEW_PEOPLE
    assert raised(lambda: groups_for_target(9, 5, 5, 5)).code == ErrorCode.BOUNDS_CANNOT_FIT
    assert raised(lambda: groups_for_target(9, 4, 5, 8)).code == ErrorCode.INVALID_BOUNDS


def test_time_cap_stops_and_reports_iterations() -> None:
    solution = solve(problem(), seed=4, seconds=0.0)
    assert solution.stop_reason == "TIME"
    assert solution.iterations == 0
    assert solution.certificate.holds
