"""Extension points of circles for the apps above it (circles imports none of them).

Apps that sit above circles in the layers (meetings…) register here from their ``AppConfig.ready()``:

* ``on_circle_closed(callback)``: ``callback(circle, event)`` runs inside the transaction that cancels
  (``event == "cancelled"``) or archives (``"archived"``) a circle, after the circle is saved, so that
  what it writes commits or rolls back with the closing itself.
* ``on_circle_list(annotate)``: ``annotate(queryset) -> queryset`` adds annotations (one SQL subquery,
  never a query per row) to the circles that public pages list and show (``circle.next_meeting_at``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from cercles.circles.models import Circle
    from cercles.people.models import User

ClosingEvent = Literal["cancelled", "archived"]
CircleClosedCallback = Callable[["Circle", ClosingEvent], None]
CircleListAnnotator = Callable[["QuerySet[Circle]"], "QuerySet[Circle]"]

_closed_callbacks: list[CircleClosedCallback] = []
_list_annotators: list[CircleListAnnotator] = []


def on_circle_closed(callback: CircleClosedCallback) -> CircleClosedCallback:
    """Register ``callback`` (once; registering it again does nothing)."""
    if callback not in _closed_callbacks:
        _closed_callbacks.append(callback)
    return callback


def run_circle_closed(circle: Circle, event: ClosingEvent) -> None:
    for callback in list(_closed_callbacks):
        callback(circle, event)


def on_circle_list(annotate: CircleListAnnotator) -> CircleListAnnotator:
    """Register a queryset annotator (once) applied to the circles of public pages."""
    if annotate not in _list_annotators:
        _list_annotators.append(annotate)
    return annotate


def annotate_circle_list(circles: QuerySet[Circle]) -> QuerySet[Circle]:
    for annotate in _list_annotators:
        circles = annotate(circles)
    return circles


_page_templates: list[str] = []
_my_circles_templates: list[str] = []


def on_circle_page(template_name: str) -> None:
    """Register a template included in the circle page's side column (with the page's context)."""
    if template_name not in _page_templates:
        _page_templates.append(template_name)


def circle_page_templates() -> list[str]:
    return list(_page_templates)


def on_my_circles_page(template_name: str) -> None:
    """Register a template included at the top of "Mes cercles" (with the page's context)."""
    if template_name not in _my_circles_templates:
        _my_circles_templates.append(template_name)


def my_circles_templates() -> list[str]:
    return list(_my_circles_templates)


@dataclass(frozen=True)
class DemoProgramme:
    """What ``load_demo`` made, for the apps that extend it: the circles and the demo accounts."""

    circles: list[Circle]
    accounts: dict[str, User]  # "coordinator", "facilitator", "member"


DemoCallback = Callable[[DemoProgramme], None]
_demo_callbacks: list[DemoCallback] = []


def on_demo_loaded(callback: DemoCallback) -> DemoCallback:
    """Register ``callback(programme)``, run at the end of ``load_demo`` in its transaction."""
    if callback not in _demo_callbacks:
        _demo_callbacks.append(callback)
    return callback


def run_demo_loaded(programme: DemoProgramme) -> None:
    for callback in list(_demo_callbacks):
        callback(programme)
