"""Errors raised by the grouping engine.

Every error carries a machine-readable ``code`` and a ``data`` mapping (people,
groups, line numbers...) so that the screens can render a French sentence; the
English ``str()`` is for logs and the command line.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class ErrorCode(enum.StrEnum):
    """Why a problem was rejected before or during solving."""

    INVALID_BOUNDS = "INVALID_BOUNDS"
    BOUNDS_CANNOT_FIT = "BOUNDS_CANNOT_FIT"
    TOO_FEW_PEOPLE = "TOO_FEW_PEOPLE"
    DUPLICATE_PERSON = "DUPLICATE_PERSON"
    UNKNOWN_PERSON = "UNKNOWN_PERSON"
    UNKNOWN_GROUP = "UNKNOWN_GROUP"
    INVALID_ATTRIBUTES = "INVALID_ATTRIBUTES"
    INVALID_DISTANCES = "INVALID_DISTANCES"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    CONFLICTING_LINKS = "CONFLICTING_LINKS"
    CONFLICTING_LOCKS = "CONFLICTING_LOCKS"
    MUST_LINK_TOO_LARGE = "MUST_LINK_TOO_LARGE"
    LOCKED_GROUP_TOO_LARGE = "LOCKED_GROUP_TOO_LARGE"
    NO_SHARED_SLOT = "NO_SHARED_SLOT"
    GROUP_CANNOT_BE_FILLED = "GROUP_CANNOT_BE_FILLED"
    MALFORMED_INSTANCE = "MALFORMED_INSTANCE"


class GroupingError(Exception):
    """Base class: a code plus the data needed to explain it."""

    def __init__(self, code: ErrorCode, message: str, data: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data: Mapping[str, object] = dict(data or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidProblem(GroupingError):
    """The problem is malformed (unknown people, bad bounds, bad parameters...)."""


class InfeasibleProblem(GroupingError):
    """The problem is well formed but provably has no valid grouping."""


class InvalidInstanceFile(GroupingError):
    """An MDGPLIB instance file cannot be read; ``data['line']`` names the line."""
