"""Reads of methods, with the permission checks built in.

A kind's method is its stored document when coordinators edited it, the shipped one otherwise
(version 0), or none. Pages keep a constant number of queries: kinds come with their stored method
in one join, a circle with its adaptations in one more query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from cercles.circles.models import Circle, CircleKind
from cercles.circles.selectors import circle_get
from cercles.core.policy import PolicyDenied, allows, require
from cercles.methods.exceptions import VARIANT_NOT_FOUND, MethodNotDescribed
from cercles.methods.library import SHIPPED
from cercles.methods.models import CircleMethod, KindMethod
from cercles.methods.protocol import Adaptation, Method, PlannedStep, Protocol, parse_method, plan_for
from cercles.people.models import User


@dataclass(frozen=True)
class KindMethodView:
    kind: CircleKind
    method: Method | None
    version: int  # 0: the shipped method, never edited

    @property
    def variants(self) -> list[tuple[Protocol, list[PlannedStep]]]:
        """Each variant with its steps at their default durations (the public page)."""
        return [(protocol, plan_for(protocol)) for protocol in self.method.protocols] if self.method else []


def _stored(kind: CircleKind) -> KindMethod | None:
    try:
        return kind.method  # type: ignore[no-any-return]
    except KindMethod.DoesNotExist:
        return None


def kind_method(kind: CircleKind) -> KindMethodView:
    """The kind's method (needs ``kind.method`` joined or one query), shipped one if never edited."""
    stored = _stored(kind)
    if stored is not None:
        return KindMethodView(kind=kind, method=parse_method(stored.document), version=stored.version)
    shipped = SHIPPED.get(kind.slug)
    return KindMethodView(kind=kind, method=parse_method(shipped) if shipped else None, version=0)


def method_list() -> list[KindMethodView]:
    """Every kind of circle with its method (or None), for the public page of methods."""
    return [kind_method(kind) for kind in CircleKind.objects.select_related("method").order_by("position", "name")]


def method_get(*, slug: str) -> KindMethodView:
    """A kind's method for anyone. Raises Http404 (unknown kind) or MethodNotDescribed."""
    kind = CircleKind.objects.select_related("method").filter(slug=slug).first()
    if kind is None:
        raise Http404("kind not found")
    view = kind_method(kind)
    if view.method is None:
        raise MethodNotDescribed()
    return view


def protocol_of(method: Method, key: str) -> Protocol:
    protocol = method.protocol(key)
    if protocol is None:
        raise MethodNotDescribed(VARIANT_NOT_FOUND)
    return protocol


def method_get_for_editor(*, slug: str, protocol_key: str, user: User) -> tuple[KindMethodView, Protocol]:
    """A variant of a kind's method for coordinators. Raises PolicyDenied, Http404, MethodNotDescribed."""
    require(user, "methods.edit_kind_method")
    view = method_get(slug=slug)
    assert view.method is not None
    return view, protocol_of(view.method, protocol_key)


@dataclass(frozen=True)
class CirclePlan:
    """One variant as this circle runs it: its steps, and the adaptation's version (0: not adapted)."""

    protocol: Protocol
    steps: list[PlannedStep]
    adapted: bool
    version: int
    adaptation: Adaptation | None

    @property
    def total_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


@dataclass(frozen=True)
class CircleMethodView:
    circle: Circle
    kind_method: KindMethodView
    plans: list[CirclePlan]
    can_adapt: bool


def _plans(circle: Circle, method: Method) -> list[CirclePlan]:
    stored = {row.protocol_key: row for row in CircleMethod.objects.filter(circle=circle)}
    plans = []
    for protocol in method.protocols:
        row = stored.get(protocol.key)
        adaptation = _adaptation(row.adaptation) if row is not None else None
        plans.append(
            CirclePlan(
                protocol=protocol,
                steps=plan_for(protocol, adaptation),
                adapted=adaptation is not None,
                version=row.version if row is not None else 0,
                adaptation=adaptation,
            )
        )
    return plans


def _adaptation(document: Any) -> Adaptation | None:
    # Stored adaptations were checked when saved; the protocol may have changed since, which
    # plan_for absorbs (unknown phases dropped, durations brought into range).
    try:
        return Adaptation.model_validate(document)
    except ValueError:
        return None


def circle_method(*, circle_id: int, user: User | None) -> CircleMethodView:
    """The circle's method as it runs it, for anyone (no names). Raises Http404, MethodNotDescribed."""
    circle = circle_get(circle_id=circle_id)
    require(user, "methods.view", circle)
    view = kind_method(circle.kind)
    if view.method is None:
        raise MethodNotDescribed()
    return CircleMethodView(
        circle=circle,
        kind_method=view,
        plans=_plans(circle, view.method),
        can_adapt=allows(user, "methods.adapt_for_circle", circle),
    )


def circle_plan_for_manager(*, circle_id: int, protocol_key: str, user: User) -> tuple[Circle, CirclePlan]:
    """One variant of the circle's method for its facilitators and coordinators.

    Raises Http404, PolicyDenied, MethodNotDescribed."""
    circle = circle_get(circle_id=circle_id)
    if not allows(user, "methods.adapt_for_circle", circle):
        raise PolicyDenied("methods.adapt_for_circle")
    view = kind_method(circle.kind)
    if view.method is None:
        raise MethodNotDescribed()
    protocol_of(view.method, protocol_key)
    plan = next(plan for plan in _plans(circle, view.method) if plan.protocol.key == protocol_key)
    return circle, plan
