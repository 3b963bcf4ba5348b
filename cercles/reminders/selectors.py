"""Reads of reminders, with the policy's checks."""

from __future__ import annotations

from django.http import Http404

from cercles.circles.models import Circle
from cercles.core.policy import require
from cercles.people.models import User


def circle_for(*, circle_id: int, user: User, action: str) -> Circle:
    """The circle if the policy allows ``action`` on it. Raises PolicyDenied, Http404."""
    circle = Circle.objects.filter(pk=circle_id).first()
    if circle is None:
        raise Http404("circle not found")
    require(user, action, circle)
    return circle
