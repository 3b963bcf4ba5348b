"""check_grouping: the independent verifier behind the certificate."""

from __future__ import annotations

import pytest

from cercles.grouping import (
    Attribute,
    GroupBounds,
    InvalidProblem,
    Person,
    Problem,
    ViolationCode,
    check_grouping,
    solve,
)


def small() -> Problem:
    return Problem(
        people=tuple(Person(f"p{i}", {"org": str(i % 2)}) for i in range(4)),
        groups=(GroupBounds(1, 3), GroupBounds(1, 3)),
        attributes=(Attribute("org"),),
        locked={"p3": 1},
    )


def test_reports_unknown_repeated_missing_and_unplaced_locks() -> None:
    problem = small()
    certificate = check_grouping(problem, [["p0", "ghost"], ["p0", "p1"]], ["p3"])
    codes = [v.code for v in certificate.violations]
    assert not certificate.holds
    assert codes == [
        ViolationCode.UNKNOWN_PERSON,
        ViolationCode.PERSON_REPEATED,
        ViolationCode.PERSON_MISSING,
        ViolationCode.LOCK_BROKEN,
    ]
    assert certificate.violations[2].people == ("p2",)
    with pytest.raises(InvalidProblem):
        check_grouping(problem, [["p0"]])


def test_construction_paths_for_unplaced_people_and_odd_bounds() -> None:
    # Impossible size vector for the pair DP (fallback), and a lone group.
    import numpy as np

    from cercles.grouping.construction import most_pairs_sizes

    low, high = np.array([2, 2]), np.array([3, 3])
    assert list(most_pairs_sizes(low, high, 9)) == [2, 2]
    assert list(most_pairs_sizes(low, high, 5)) in ([3, 2], [2, 3])
    # The unit fills the large group; the two who must be apart cannot both
    # join the small one, so one is left out, with a reason.
    people = tuple(Person(f"p{i}", {"org": "x"}) for i in range(5))
    problem = Problem(
        people=people,
        groups=(GroupBounds(0, 2), GroupBounds(0, 3)),
        attributes=(Attribute("org"),),
        must_link=(("p0", "p1", "p2"),),
        cannot_link=(("p3", "p4"),),
    )
    solution = solve(problem, seed=0, max_iterations=10)
    assert solution.certificate.holds
    assert [u.reason for u in solution.unplaced] in (["NO_ROOM"], ["CANNOT_LINK"])


def test_minimums_are_filled_from_left_out_people_then_from_spare_groups() -> None:
    import numpy as np

    from cercles.grouping.construction import _fill_minimums
    from cercles.grouping.model import UnplacedReason
    from cercles.grouping.preparation import Prepared

    prepared = Prepared(
        members=[np.array([k]) for k in range(5)],
        weight=np.ones(5, dtype=np.int64),
        lower=np.array([3, 1]),
        upper=np.array([3, 3]),
        fixed=np.full(5, -1, dtype=np.int64),
        allowed=None,
        conflicts=np.zeros((0, 2), dtype=np.int64),
        group_slots=[None, None],
        excluded={},
        codes=None,
        column_weight=None,
        total_weight=0.0,
    )
    assignment = np.array([0, 1, 1, 1, -1])
    sizes = np.array([1, 3])
    reasons = {4: UnplacedReason.NO_ROOM}
    allowed = np.ones((5, 2), dtype=bool)
    _fill_minimums(prepared, assignment, sizes, reasons, allowed, [[] for _ in range(5)])
    assert list(sizes) == [3, 2]
    assert reasons == {}
    assert assignment[4] == 0
    assert (assignment == 0).sum() == 3
