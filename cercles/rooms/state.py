"""The room's state, its commands and the refusal codes: frozen values, no Django (checked by import-linter).

The state is what every member of a meeting sees at the same moment: the plan (the meeting's steps),
whether it runs, the current step and its deadline (or the time left while paused), who holds the word,
the round's order, raised hands, roles, who is present, and a version that grows with every change.

Times are aware datetimes; the state stores deadlines, never ticks. What depends on the clock (the
step a self-ending phase has reached, time left, overrun, projected end) is derived by
``cercles.rooms.reducer`` from the state and ``now``.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PersonId = int


class Mode(enum.StrEnum):
    """Who holds the word in a step (the same values as ``cercles.methods.protocol.SpeakingMode``)."""

    SINGLE = "un_orateur"
    ROUND = "tour"
    FREE = "libre"
    SILENCE = "silence"
    SUBGROUPS = "sous_groupes"


class Status(enum.StrEnum):
    WAITING = "attente"  # not started
    RUNNING = "en_cours"
    PAUSED = "en_pause"
    ENDED = "terminee"


@dataclass(frozen=True)
class Step:
    """One step of the meeting's plan (a phase of the method, with the minutes the circle gives it)."""

    key: str
    minutes: int
    mode: Mode
    speakers: frozenset[str] = frozenset()  # roles that speak; empty means everyone present
    advances_by_itself: bool = False

    def __post_init__(self) -> None:
        if self.minutes < 1:
            raise ValueError("a step lasts at least one minute")

    @property
    def duration(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.minutes)


def _frozen_mapping(value: Mapping[PersonId, str]) -> Mapping[PersonId, str]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class RoomState:
    plan: tuple[Step, ...]
    facilitators: frozenset[PersonId]
    role_names: frozenset[str]
    default_role: str
    status: Status = Status.WAITING
    step: int = 0  # index in ``plan``; meaningful once started
    deadline: datetime.datetime | None = None  # while running
    remaining: datetime.timedelta | None = None  # while paused
    ended_at: datetime.datetime | None = None
    speaker: PersonId | None = None
    order: tuple[PersonId, ...] = ()  # the round's order (round steps only)
    done: frozenset[PersonId] = frozenset()  # who has spoken or passed in this round
    passed: frozenset[PersonId] = frozenset()  # who said "je passe" in this round
    hands: tuple[PersonId, ...] = ()  # raised hands, first raised first (free steps only)
    roles: Mapping[PersonId, str] = field(default_factory=dict)
    # Connections (person, connection id): a person with two tabs open is present once.
    connections: frozenset[tuple[PersonId, str]] = frozenset()
    version: int = 1

    def __post_init__(self) -> None:
        if not self.plan:
            raise ValueError("a room needs at least one step")
        if self.default_role not in self.role_names:
            raise ValueError("the default role must be one of the roles")
        object.__setattr__(self, "roles", _frozen_mapping(self.roles))

    def __hash__(self) -> int:  # MappingProxyType is not hashable
        return hash((self.version, self.status, self.step, self.deadline))

    @property
    def present(self) -> frozenset[PersonId]:
        return frozenset(person for person, _ in self.connections)

    @property
    def current(self) -> Step:
        return self.plan[self.step]

    def role_of(self, person: PersonId) -> str:
        return self.roles.get(person, self.default_role)

    def may_speak(self, person: PersonId) -> bool:
        """Whether the current step's speaking roles include this person's role."""
        speakers = self.current.speakers
        return not speakers or self.role_of(person) in speakers


# --- commands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    actor: PersonId


@dataclass(frozen=True)
class Start(Command):
    pass


@dataclass(frozen=True)
class Next(Command):
    pass


@dataclass(frozen=True)
class Previous(Command):
    pass


@dataclass(frozen=True)
class Jump(Command):
    step: int


@dataclass(frozen=True)
class End(Command):
    pass


@dataclass(frozen=True)
class AddMinutes(Command):
    minutes: int  # negative to take time away


@dataclass(frozen=True)
class Pause(Command):
    pass


@dataclass(frozen=True)
class Resume(Command):
    pass


@dataclass(frozen=True)
class GiveWord(Command):
    """The facilitator gives the word to ``person`` (None: nobody holds it)."""

    person: PersonId | None


@dataclass(frozen=True)
class NextSpeaker(Command):
    """The current speaker (or a facilitator) ends the turn; the round moves on."""


@dataclass(frozen=True)
class ReorderRound(Command):
    order: tuple[PersonId, ...]


@dataclass(frozen=True)
class PassTurn(Command):
    """ "Je passe": the actor gives up their turn in this round."""


@dataclass(frozen=True)
class RaiseHand(Command):
    pass


@dataclass(frozen=True)
class LowerHand(Command):
    pass


@dataclass(frozen=True)
class AssignRole(Command):
    person: PersonId
    role: str | None  # None: back to the default role


@dataclass(frozen=True)
class Join(Command):
    """The actor opened the room in one more tab (``connection`` tells the tabs apart)."""

    connection: str


@dataclass(frozen=True)
class Leave(Command):
    connection: str


@dataclass(frozen=True)
class DeadlineReached(Command):
    """A client saw the deadline of ``step`` pass; idempotent (the first one persists the move)."""

    step: int


# --- outcomes ------------------------------------------------------------------------------------


class Refusal(enum.StrEnum):
    NOT_FACILITATOR = "not_facilitator"
    NOT_PRESENT = "not_present"
    NOT_STARTED = "not_started"
    ALREADY_STARTED = "already_started"
    ENDED = "ended"
    NOT_PAUSED = "not_paused"
    ALREADY_PAUSED = "already_paused"
    NO_SUCH_STEP = "no_such_step"
    FIRST_STEP = "first_step"
    LAST_STEP = "last_step"
    BAD_MINUTES = "bad_minutes"
    NOT_A_ROUND = "not_a_round"
    NOT_IN_ROUND = "not_in_round"
    ALREADY_SPOKEN = "already_spoken"
    NOT_A_PERMUTATION = "not_a_permutation"
    NOT_FREE = "not_free"
    CANNOT_SPEAK = "cannot_speak"
    NOT_SPEAKER = "not_speaker"
    NO_SUCH_ROLE = "no_such_role"
    TOO_EARLY = "too_early"
    BAD_CONNECTION = "bad_connection"


@dataclass(frozen=True)
class Accepted:
    state: RoomState
    changed: bool  # False for an idempotent repeat: nothing to store or broadcast


@dataclass(frozen=True)
class Refused:
    code: Refusal


Outcome = Accepted | Refused


@dataclass(frozen=True)
class View:
    """What a client shows at ``now``: the derived step, time left (never negative), overrun, end."""

    status: Status
    step: int
    time_left: datetime.timedelta
    overrun: datetime.timedelta
    projected_end: datetime.datetime
    speaker: PersonId | None
    order: tuple[PersonId, ...]
    hands: tuple[PersonId, ...]
    present: frozenset[PersonId]
    version: int
