"""Method protocols as data: a method is roles plus one or more protocols (variants) of ordered phases.

Pure: pydantic and the standard library only (an import-linter contract forbids Django here), so
that a protocol can be checked anywhere, and the room's reducer never depends on the web layer.

A protocol document is validated in two passes:

1. *shape* — pydantic parses the JSON document into frozen models (unknown fields, missing fields,
   wrong types and out-of-bounds numbers are refused);
2. *meaning* — :func:`check_method` checks what a type cannot say: keys unique, every role named by a
   phase or a slot exists, ``min ≤ default ≤ max`` for every duration.

Both passes report :class:`Problem` values (a code, where, and the data to explain it), never
sentences: ``cercles.methods.exceptions`` turns them into French, naming the faulty phase or field.

A circle's facilitators adapt a protocol with an :class:`Adaptation`: the phases in the protocol's
order, each kept, skipped or repeated, with a duration inside the phase's allowed range
(:func:`plan_for`).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

MAX_MINUTES = 240
MAX_REPEAT = 3
MAX_PHASES = 40

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES, strict=False)]


class SpeakingMode(enum.StrEnum):
    """Who holds the word during a phase."""

    SINGLE = "un_orateur"  # one person speaks (the client's exposé); the others listen
    ROUND = "tour"  # everyone in turn, in an order the facilitator may change; anyone may say "je passe"
    FREE = "libre"  # anyone asks for the word (raised hand); the facilitator gives it
    SILENCE = "silence"  # nobody speaks (silent reading, journaling)
    SUBGROUPS = "sous_groupes"  # the group splits; the room only keeps the time


class Visibility(enum.StrEnum):
    """Who may read what is written in an artefact slot (docs/confidentiality.md)."""

    AUTHOR = "auteur"
    AUTHOR_AND_FACILITATORS = "auteur_animation"
    CIRCLE = "cercle"
    PUBLISHABLE = "publiable"  # the circle, and published later only with the author's consent


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Role(_Frozen):
    key: Key
    name: Name
    description: Text = ""


class ArtefactSlot(_Frozen):
    """Something written during a phase, kept with a visibility; ``writers`` empty means everyone."""

    key: Key
    name: Name
    visibility: Visibility
    writers: tuple[Key, ...] = ()
    help: Text = ""
    # Shown to everyone who may read it for the rest of the meeting (the client's subject and request
    # stay in view during the consultation).
    pinned: bool = False
    # Holds a list of commitments with optional due dates (the client's action plan), read back at the
    # next meeting's "retour".
    commitments: bool = False


class Phase(_Frozen):
    key: Key
    name: Name
    instructions: Text
    minutes: Minutes
    min_minutes: Minutes
    max_minutes: Minutes
    mode: SpeakingMode
    # Roles that speak in this phase; empty means everyone present.
    speakers: tuple[Key, ...] = ()
    prompts: tuple[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)], ...] = ()
    slots: tuple[ArtefactSlot, ...] = ()
    # Whether the phase ends by itself at its deadline (silent reading, journaling); the room then
    # moves on without the facilitator. Other phases run over and say so, never advance alone.
    advances_by_itself: bool = False


class Protocol(_Frozen):
    """One way to run a meeting with the method (a variant): ordered phases."""

    key: Key
    name: Name
    when: Text = ""  # when to choose this variant
    phases: tuple[Phase, ...] = Field(min_length=1, max_length=MAX_PHASES)

    @property
    def total_minutes(self) -> int:
        return sum(phase.minutes for phase in self.phases)

    def phase(self, key: str) -> Phase | None:
        return next((phase for phase in self.phases if phase.key == key), None)


class Method(_Frozen):
    slug: Key
    name: Name
    summary: Text
    roles: tuple[Role, ...] = Field(min_length=1)
    # The role of a person nobody assigned (consultants in codéveloppement).
    default_role: Key
    # The role of the circle's facilitators in the room.
    facilitator_role: Key
    protocols: tuple[Protocol, ...] = Field(min_length=1)
    rules: tuple[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)], ...] = ()

    def protocol(self, key: str) -> Protocol | None:
        return next((protocol for protocol in self.protocols if protocol.key == key), None)

    def role_name(self, key: str) -> str:
        return next((role.name for role in self.roles if role.key == key), key)


# --- problems ------------------------------------------------------------------------------------


class ProblemCode(enum.StrEnum):
    MISSING = "missing"
    UNKNOWN_FIELD = "unknown_field"
    NOT_A_NUMBER = "not_a_number"
    NOT_TEXT = "not_text"
    NOT_A_LIST = "not_a_list"
    NOT_A_DOCUMENT = "not_a_document"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    BAD_KEY = "bad_key"
    BAD_CHOICE = "bad_choice"
    NOT_YES_NO = "not_yes_no"
    INVALID = "invalid"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_ROLE = "unknown_role"
    DURATION_ORDER = "duration_order"
    UNKNOWN_PHASE = "unknown_phase"
    OUT_OF_RANGE = "out_of_range"
    OUT_OF_ORDER = "out_of_order"
    REPEATED_TOO_OFTEN = "repeated_too_often"
    NO_STEP = "no_step"


@dataclass(frozen=True)
class Problem:
    """What is wrong (``code``), where (a path of field names and list positions) and the data to say it."""

    code: ProblemCode
    where: tuple[str | int, ...]
    data: Mapping[str, Any] = field(default_factory=dict)


class ProtocolError(Exception):
    """A document that is not a valid method or adaptation; ``problems`` names every fault found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.code} at {'/'.join(map(str, p.where))}" for p in problems))
        self.problems = tuple(problems)


_PYDANTIC_CODES = {
    "missing": ProblemCode.MISSING,
    "extra_forbidden": ProblemCode.UNKNOWN_FIELD,
    "int_parsing": ProblemCode.NOT_A_NUMBER,
    "int_type": ProblemCode.NOT_A_NUMBER,
    "int_from_float": ProblemCode.NOT_A_NUMBER,
    "string_type": ProblemCode.NOT_TEXT,
    "tuple_type": ProblemCode.NOT_A_LIST,
    "list_type": ProblemCode.NOT_A_LIST,
    "model_type": ProblemCode.NOT_A_DOCUMENT,
    "model_attributes_type": ProblemCode.NOT_A_DOCUMENT,
    "dict_type": ProblemCode.NOT_A_DOCUMENT,
    "string_too_short": ProblemCode.EMPTY,
    "too_short": ProblemCode.EMPTY,
    "string_too_long": ProblemCode.TOO_LONG,
    "too_long": ProblemCode.TOO_LONG,
    "greater_than_equal": ProblemCode.TOO_SMALL,
    "less_than_equal": ProblemCode.TOO_LARGE,
    "string_pattern_mismatch": ProblemCode.BAD_KEY,
    "enum": ProblemCode.BAD_CHOICE,
    "bool_parsing": ProblemCode.NOT_YES_NO,
    "bool_type": ProblemCode.NOT_YES_NO,
}


def _problems_from(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        code = _PYDANTIC_CODES.get(item["type"], ProblemCode.INVALID)
        data = {key: value for key, value in (item.get("ctx") or {}).items() if isinstance(value, int | str)}
        problems.append(Problem(code, tuple(item["loc"]), data))
    return problems


# --- the method ----------------------------------------------------------------------------------


def _duplicates(keys: Iterable[str]) -> set[str]:
    return {key for key, count in Counter(keys).items() if count > 1}


def check_method(method: Method) -> list[Problem]:
    """What the types cannot say: unique keys, known roles, durations in order (empty when valid)."""
    problems: list[Problem] = []
    roles = {role.key for role in method.roles}
    for key in _duplicates(role.key for role in method.roles):
        problems.append(Problem(ProblemCode.DUPLICATE_KEY, ("roles",), {"key": key}))
    for name in ("default_role", "facilitator_role"):
        if getattr(method, name) not in roles:
            problems.append(Problem(ProblemCode.UNKNOWN_ROLE, (name,), {"role": getattr(method, name)}))
    for key in _duplicates(protocol.key for protocol in method.protocols):
        problems.append(Problem(ProblemCode.DUPLICATE_KEY, ("protocols",), {"key": key}))
    for p_index, protocol in enumerate(method.protocols):
        where_protocol: tuple[str | int, ...] = ("protocols", p_index)
        for key in _duplicates(phase.key for phase in protocol.phases):
            problems.append(Problem(ProblemCode.DUPLICATE_KEY, (*where_protocol, "phases"), {"key": key}))
        for index, phase in enumerate(protocol.phases):
            where = (*where_protocol, "phases", index)
            problems.extend(_check_phase(phase, where, roles))
    return problems


def _check_phase(phase: Phase, where: tuple[str | int, ...], roles: set[str]) -> list[Problem]:
    problems = []
    if not phase.min_minutes <= phase.minutes <= phase.max_minutes:
        problems.append(
            Problem(
                ProblemCode.DURATION_ORDER,
                (*where, "minutes"),
                {"minimum": phase.min_minutes, "default": phase.minutes, "maximum": phase.max_minutes},
            )
        )
    for role in phase.speakers:
        if role not in roles:
            problems.append(Problem(ProblemCode.UNKNOWN_ROLE, (*where, "speakers"), {"role": role}))
    for key in _duplicates(slot.key for slot in phase.slots):
        problems.append(Problem(ProblemCode.DUPLICATE_KEY, (*where, "slots"), {"key": key}))
    for s_index, slot in enumerate(phase.slots):
        for role in slot.writers:
            if role not in roles:
                problems.append(
                    Problem(ProblemCode.UNKNOWN_ROLE, (*where, "slots", s_index, "writers"), {"role": role})
                )
    return problems


def parse_method(document: Any) -> Method:
    """The method described by a JSON-like document; raises :class:`ProtocolError` naming every fault."""
    try:
        method = Method.model_validate(document)
    except ValidationError as error:
        raise ProtocolError(_problems_from(error)) from error
    problems = check_method(method)
    if problems:
        raise ProtocolError(problems)
    return method


def method_document(method: Method) -> dict[str, Any]:
    """The JSON document stored for a method (the inverse of :func:`parse_method`)."""
    return method.model_dump(mode="json")


# --- a circle's adaptation -----------------------------------------------------------------------


class AdaptedStep(_Frozen):
    phase: Key
    minutes: Minutes


class Adaptation(_Frozen):
    """A circle's way of running one protocol: its phases in order, skipped, kept or repeated."""

    steps: tuple[AdaptedStep, ...]


@dataclass(frozen=True)
class PlannedStep:
    """One step of a meeting's plan: a phase of the protocol and the minutes it gets."""

    phase: Phase
    minutes: int


def default_adaptation(protocol: Protocol) -> Adaptation:
    return Adaptation(steps=tuple(AdaptedStep(phase=phase.key, minutes=phase.minutes) for phase in protocol.phases))


def check_adaptation(protocol: Protocol, adaptation: Adaptation) -> list[Problem]:
    """Phases known and in the protocol's order, each at most MAX_REPEAT times, durations in range."""
    problems: list[Problem] = []
    if not adaptation.steps:
        return [Problem(ProblemCode.NO_STEP, ("steps",))]
    order = {phase.key: index for index, phase in enumerate(protocol.phases)}
    last = -1
    for index, step in enumerate(adaptation.steps):
        where: tuple[str | int, ...] = ("steps", index)
        phase = protocol.phase(step.phase)
        if phase is None:
            problems.append(Problem(ProblemCode.UNKNOWN_PHASE, (*where, "phase"), {"phase": step.phase}))
            continue
        if order[step.phase] < last:
            problems.append(Problem(ProblemCode.OUT_OF_ORDER, (*where, "phase"), {"phase": step.phase}))
        last = max(last, order[step.phase])
        if not phase.min_minutes <= step.minutes <= phase.max_minutes:
            problems.append(
                Problem(
                    ProblemCode.OUT_OF_RANGE,
                    (*where, "minutes"),
                    {
                        "phase": step.phase,
                        "minutes": step.minutes,
                        "minimum": phase.min_minutes,
                        "maximum": phase.max_minutes,
                    },
                )
            )
    for key, count in Counter(step.phase for step in adaptation.steps).items():
        if count > MAX_REPEAT:
            problems.append(Problem(ProblemCode.REPEATED_TOO_OFTEN, ("steps",), {"phase": key, "count": count}))
    return problems


def parse_adaptation(protocol: Protocol, document: Any) -> Adaptation:
    """The adaptation described by a document, checked against ``protocol``; raises ProtocolError."""
    try:
        adaptation = Adaptation.model_validate(document)
    except ValidationError as error:
        raise ProtocolError(_problems_from(error)) from error
    problems = check_adaptation(protocol, adaptation)
    if problems:
        raise ProtocolError(problems)
    return adaptation


def plan_for(protocol: Protocol, adaptation: Adaptation | None = None) -> list[PlannedStep]:
    """The meeting's steps: the protocol as it is, or as the circle adapted it (skipped steps stale
    after a protocol edit are dropped rather than failing the meeting)."""
    if adaptation is None:
        return [PlannedStep(phase=phase, minutes=phase.minutes) for phase in protocol.phases]
    steps = []
    for step in adaptation.steps:
        phase = protocol.phase(step.phase)
        if phase is not None:
            steps.append(PlannedStep(phase=phase, minutes=min(max(step.minutes, phase.min_minutes), phase.max_minutes)))
    return steps or plan_for(protocol)
