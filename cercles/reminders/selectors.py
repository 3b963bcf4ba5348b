"""Reads of reminders, with the policy's checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from cercles.circles.models import Circle, Membership, MembershipStatus
from cercles.core.policy import require
from cercles.people.models import User
from cercles.reminders.models import ReminderOptOut


def circle_for(*, circle_id: int, user: User, action: str) -> Circle:
    """The circle if the policy allows ``action`` on it. Raises PolicyDenied, Http404."""
    circle = Circle.objects.filter(pk=circle_id).first()
    if circle is None:
        raise Http404("circle not found")
    require(user, action, circle)
    return circle


@dataclass(frozen=True)
class CircleReminders:
    circle: Circle
    on: bool  # the person's choice for this circle (it applies while reminders are on everywhere)


@dataclass(frozen=True)
class MyReminders:
    everywhere: bool
    circles: list[CircleReminders]


def my_reminders(*, user: User) -> MyReminders:
    """The person's own reminder choices, for their active circles (two queries). Only ever their own."""
    off = set(ReminderOptOut.objects.filter(user=user).values_list("circle_id", flat=True))
    memberships = (
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .select_related("circle")
        .order_by("circle__title", "circle_id")
    )
    return MyReminders(
        everywhere=None not in off,
        circles=[CircleReminders(circle=m.circle, on=m.circle_id not in off) for m in memberships],
    )
