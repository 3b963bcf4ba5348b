"""Input and output types of the grouping engine (frozen dataclasses and codes)."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cercles.grouping.exceptions import ErrorCode, InvalidProblem

FloatMatrix = npt.NDArray[np.float64]


class ViolationCode(enum.StrEnum):
    """A hard constraint that a grouping breaks."""

    GROUP_TOO_SMALL = "GROUP_TOO_SMALL"
    GROUP_TOO_LARGE = "GROUP_TOO_LARGE"
    CANNOT_LINK = "CANNOT_LINK"
    MUST_LINK_SPLIT = "MUST_LINK_SPLIT"
    LOCK_BROKEN = "LOCK_BROKEN"
    NO_SHARED_SLOT = "NO_SHARED_SLOT"
    PERSON_MISSING = "PERSON_MISSING"
    PERSON_REPEATED = "PERSON_REPEATED"
    UNKNOWN_PERSON = "UNKNOWN_PERSON"


class UnplacedReason(enum.StrEnum):
    """Why the solver left a person out of every group."""

    NO_SHARED_SLOT = "NO_SHARED_SLOT"
    CANNOT_LINK = "CANNOT_LINK"
    NO_ROOM = "NO_ROOM"


class StopReason(enum.StrEnum):
    """What ended a run."""

    ITERATIONS = "ITERATIONS"
    TIME = "TIME"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class GroupBounds:
    """Size bounds of one group (inclusive)."""

    min_size: int
    max_size: int


@dataclass(frozen=True)
class Attribute:
    """A categorical attribute; two people differing on it are ``weight`` apart."""

    name: str
    weight: float = 1.0


@dataclass(frozen=True)
class Person:
    """An applicant: an identifier, attribute values and the slots they can attend.

    ``slots=None`` means "available at any slot".
    """

    id: str
    attributes: Mapping[str, str] = field(default_factory=dict, hash=False)
    slots: frozenset[str] | None = None


@dataclass(frozen=True)
class Problem:
    """What to group and under which hard constraints.

    Exactly one distance model is used: ``distances`` (an n × n symmetric,
    non-negative matrix in the order of ``people``) when given, otherwise the
    categorical ``attributes`` (distance = sum of the weights of the attributes
    on which two people differ). ``locked`` maps a person id to a group index.
    Construction validates everything and raises :class:`InvalidProblem`.
    """

    people: tuple[Person, ...]
    groups: tuple[GroupBounds, ...]
    attributes: tuple[Attribute, ...] = ()
    distances: FloatMatrix | None = field(default=None, compare=False, repr=False)
    cannot_link: tuple[tuple[str, str], ...] = ()
    must_link: tuple[tuple[str, ...], ...] = ()
    locked: Mapping[str, int] = field(default_factory=dict, hash=False)
    require_shared_slot: bool = False

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def size(self) -> int:
        """Number of people."""
        return len(self.people)

    def index_of(self) -> dict[str, int]:
        """Map each person id to its position in ``people``."""
        return {person.id: index for index, person in enumerate(self.people)}


@dataclass(frozen=True)
class Violation:
    """One broken hard constraint, with the people and group concerned."""

    code: ViolationCode
    people: tuple[str, ...] = ()
    group: int | None = None


@dataclass(frozen=True)
class UnplacedPerson:
    """A person the solver could not place, with the reason."""

    person: str
    reason: UnplacedReason


@dataclass(frozen=True)
class Certificate:
    """Proof that a grouping satisfies every hard constraint.

    ``shared_slots[k]`` is a slot all members of group k can attend (None when
    slots are not required); ``violations`` is empty when ``holds``.
    """

    holds: bool
    checked: tuple[str, ...]
    shared_slots: tuple[str | None, ...]
    violations: tuple[Violation, ...] = ()


@dataclass(frozen=True)
class Progress:
    """What the progress callback receives."""

    iterations: int
    best_objective: float
    elapsed_seconds: float


ProgressCallback = Callable[[Progress], bool | None]
"""Called every few iterations; a truthy answer cancels the run."""


@dataclass(frozen=True)
class Solution:
    """Result of :func:`cercles.grouping.solve`.

    ``solve(problem, seed=seed, max_iterations=iterations)`` replays it exactly.
    """

    groups: tuple[tuple[str, ...], ...]
    objective: float
    unplaced: tuple[UnplacedPerson, ...]
    certificate: Certificate
    seed: int
    iterations: int
    seconds: float
    stop_reason: StopReason


def groups_for_target(people: int, target_size: int, min_size: int, max_size: int) -> tuple[GroupBounds, ...]:
    """Choose the number of groups closest to ``people / target_size``.

    Returns that many identical bounds. Raises :class:`InvalidProblem` for
    inconsistent sizes and when no number of groups can hold everyone.
    """
    if not 1 <= min_size <= target_size <= max_size:
        raise InvalidProblem(
            ErrorCode.INVALID_BOUNDS,
            f"need 1 <= min_size <= target_size <= max_size, got {min_size}, {target_size}, {max_size}",
            {"min_size": min_size, "target_size": target_size, "max_size": max_size},
        )
    fewest = math.ceil(people / max_size)
    most = people // min_size
    if people == 0 or fewest > most:
        raise InvalidProblem(
            ErrorCode.TOO_FEW_PEOPLE if people < min_size else ErrorCode.BOUNDS_CANNOT_FIT,
            f"{people} people cannot form groups of {min_size} to {max_size}",
            {"people": people, "min_size": min_size, "max_size": max_size},
        )
    count = min(max(round(people / target_size), fewest), most)
    return tuple(GroupBounds(min_size, max_size) for _ in range(count))


def _fail(code: ErrorCode, message: str, **data: object) -> InvalidProblem:
    return InvalidProblem(code, message, data)


def _validate(problem: Problem) -> None:
    """Check the structure of a problem; raise :class:`InvalidProblem`."""
    n = len(problem.people)
    ids = [person.id for person in problem.people]
    if len(set(ids)) != n:
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise _fail(ErrorCode.DUPLICATE_PERSON, f"repeated ids: {repeated}", people=repeated)
    if not problem.groups:
        raise _fail(ErrorCode.INVALID_BOUNDS, "at least one group is needed")
    for index, bounds in enumerate(problem.groups):
        if not 0 <= bounds.min_size <= bounds.max_size or bounds.max_size < 1:
            raise _fail(
                ErrorCode.INVALID_BOUNDS,
                f"group {index} has bounds {bounds.min_size}..{bounds.max_size}",
                group=index,
            )
    known = set(ids)
    named = [p for pair in problem.cannot_link for p in pair]
    named += [p for unit in problem.must_link for p in unit]
    named += list(problem.locked)
    unknown = sorted({p for p in named if p not in known})
    if unknown:
        raise _fail(ErrorCode.UNKNOWN_PERSON, f"unknown people: {unknown}", people=unknown)
    if any(len(pair) != 2 or pair[0] == pair[1] for pair in problem.cannot_link):
        raise _fail(ErrorCode.CONFLICTING_LINKS, "a cannot-link needs two distinct people")
    for person, group in problem.locked.items():
        if not 0 <= group < len(problem.groups):
            raise _fail(
                ErrorCode.UNKNOWN_GROUP,
                f"{person} is locked into group {group}, which does not exist",
                people=[person],
                group=group,
            )
    if problem.distances is not None:
        _validate_distances(problem.distances, n)
    else:
        _validate_attributes(problem)


def _validate_distances(distances: FloatMatrix, n: int) -> None:
    matrix = np.asarray(distances)
    if matrix.shape != (n, n):
        raise _fail(
            ErrorCode.INVALID_DISTANCES,
            f"distance matrix is {matrix.shape}, expected {(n, n)}",
        )
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise _fail(ErrorCode.INVALID_DISTANCES, "distances must be finite and non-negative")
    if not np.array_equal(matrix, matrix.T):
        raise _fail(ErrorCode.INVALID_DISTANCES, "distance matrix is not symmetric")


def _validate_attributes(problem: Problem) -> None:
    names = [attribute.name for attribute in problem.attributes]
    if len(set(names)) != len(names):
        raise _fail(ErrorCode.INVALID_ATTRIBUTES, "attribute names repeat")
    for attribute in problem.attributes:
        if not math.isfinite(attribute.weight) or attribute.weight < 0:
            raise _fail(
                ErrorCode.INVALID_ATTRIBUTES,
                f"attribute {attribute.name} has weight {attribute.weight}",
            )
    for person in problem.people:
        missing = [name for name in names if name not in person.attributes]
        if missing:
            raise _fail(
                ErrorCode.INVALID_ATTRIBUTES,
                f"{person.id} has no value for {missing}",
                people=[person.id],
                attributes=missing,
            )
