"""Template questions about rooms, for the pages of other apps (the meetings' list of a circle)."""

from __future__ import annotations

from django import template

from cercles.circles.models import Circle
from cercles.rooms.selectors import is_codeveloppement

register = template.Library()


@register.filter
def takes_client_turns(circle: Circle) -> bool:
    """Whether the circle's meetings have a client (codéveloppement): the page then links to the choice."""
    return is_codeveloppement(circle)
