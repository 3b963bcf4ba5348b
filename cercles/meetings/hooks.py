"""Extension points of meetings for the apps above it (meetings imports none of them).

* ``on_meetings_changed(callback)``: ``callback(circle, meetings)`` runs inside the transaction of every
  change to a circle's meetings (planned, added, moved, cancelled, or cancelled with their circle), after
  the meetings are saved, so that what it writes commits or rolls back with the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cercles.circles.models import Circle
    from cercles.meetings.models import Meeting

MeetingsChangedCallback = Callable[["Circle", "list[Meeting]"], None]
_changed_callbacks: list[MeetingsChangedCallback] = []


def on_meetings_changed(callback: MeetingsChangedCallback) -> MeetingsChangedCallback:
    """Register ``callback`` (once; registering it again does nothing)."""
    if callback not in _changed_callbacks:
        _changed_callbacks.append(callback)
    return callback


def run_meetings_changed(circle: Circle, meetings: list[Meeting]) -> None:
    for callback in list(_changed_callbacks):
        callback(circle, meetings)
