"""The room's state as a JSON document and back (pure: no Django, checked by import-linter).

``Room.state`` stores :func:`encode`'s document; :func:`decode` rebuilds the exact same
:class:`~cercles.rooms.state.RoomState` (a hypothesis test round-trips every state the reducer's state
machine reaches). Sets are stored sorted so that equal states give equal documents; times are ISO-8601
in UTC; the paused time left is whole microseconds, so that nothing is rounded on the way.

A document that is not one this module wrote (a hand edit, a bug) raises :class:`CodecError`, never a
half-built state.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from cercles.rooms.state import Mode, RoomState, Status, Step

FORMAT = 1
_MICROSECOND = datetime.timedelta(microseconds=1)


class CodecError(ValueError):
    """The stored document is not a room state this codec wrote."""


def encode(state: RoomState) -> dict[str, Any]:
    """A JSON-able document of ``state`` (lists and strings and numbers only)."""
    return {
        "format": FORMAT,
        "plan": [_encode_step(step) for step in state.plan],
        "facilitators": sorted(state.facilitators),
        "role_names": sorted(state.role_names),
        "default_role": state.default_role,
        "status": state.status.value,
        "step": state.step,
        "deadline": _encode_time(state.deadline),
        "remaining_us": None if state.remaining is None else state.remaining // _MICROSECOND,
        "ended_at": _encode_time(state.ended_at),
        "speaker": state.speaker,
        "order": list(state.order),
        "done": sorted(state.done),
        "passed": sorted(state.passed),
        "hands": list(state.hands),
        "roles": sorted([person, role] for person, role in state.roles.items()),
        "connections": sorted([person, connection] for person, connection in state.connections),
        "version": state.version,
    }


def decode(document: Mapping[str, Any]) -> RoomState:
    """The state :func:`encode` wrote; raises :class:`CodecError` for anything else."""
    try:
        if document.get("format") != FORMAT:
            raise CodecError(f"unknown room state format {document.get('format')!r}")
        remaining = document["remaining_us"]
        return RoomState(
            plan=tuple(_decode_step(step) for step in document["plan"]),
            facilitators=frozenset(_person(p) for p in document["facilitators"]),
            role_names=frozenset(str(name) for name in document["role_names"]),
            default_role=str(document["default_role"]),
            status=Status(document["status"]),
            step=_integer(document["step"]),
            deadline=_decode_time(document["deadline"]),
            remaining=None if remaining is None else _integer(remaining) * _MICROSECOND,
            ended_at=_decode_time(document["ended_at"]),
            speaker=None if document["speaker"] is None else _person(document["speaker"]),
            order=tuple(_person(p) for p in document["order"]),
            done=frozenset(_person(p) for p in document["done"]),
            passed=frozenset(_person(p) for p in document["passed"]),
            hands=tuple(_person(p) for p in document["hands"]),
            roles={_person(person): str(role) for person, role in document["roles"]},
            connections=frozenset((_person(person), str(connection)) for person, connection in document["connections"]),
            version=_integer(document["version"]),
        )
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CodecError(f"not a room state: {error}") from error


def _encode_step(step: Step) -> dict[str, Any]:
    return {
        "key": step.key,
        "minutes": step.minutes,
        "mode": step.mode.value,
        "speakers": sorted(step.speakers),
        "advances_by_itself": step.advances_by_itself,
    }


def _decode_step(document: Mapping[str, Any]) -> Step:
    return Step(
        key=str(document["key"]),
        minutes=_integer(document["minutes"]),
        mode=Mode(document["mode"]),
        speakers=frozenset(str(role) for role in document["speakers"]),
        advances_by_itself=bool(document["advances_by_itself"]),
    )


def _encode_time(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(datetime.UTC).isoformat()


def _decode_time(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    moment = datetime.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise CodecError("a room time without its time zone")
    return moment


def _integer(value: Any) -> int:
    # bool is an int in Python; a document with true where a number belongs is not ours.
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"not a whole number: {value!r}")
    return value


def _person(value: Any) -> int:
    return _integer(value)
