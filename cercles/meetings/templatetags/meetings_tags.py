"""Times of meetings as people read them: always "heure de Paris", and the person's second zone beside it."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from cercles.meetings.planning import PARIS

register = template.Library()


@register.filter
def when(moment: datetime.datetime | None, second_zone: str = "") -> str:
    """``mardi 13 janvier 2027 à 18:00 (heure de Paris)``, then the same moment in the second zone."""
    if moment is None:
        return ""
    local = moment.astimezone(PARIS)
    text = _("%(day)s à %(time)s (heure de Paris)") % {
        "day": formats.date_format(local, "l j F Y"),
        "time": local.strftime("%H:%M"),
    }
    if second_zone:
        try:
            other = moment.astimezone(ZoneInfo(second_zone))
        except (ZoneInfoNotFoundError, ValueError):
            return text
        text += " · " + _("%(day)s à %(time)s (%(zone)s)") % {
            "day": formats.date_format(other, "l j F"),
            "time": other.strftime("%H:%M"),
            "zone": second_zone,
        }
    return text


@register.simple_tag
def my_upcoming_meetings(user: Any, limit: int = 3) -> list[Any]:
    """The person's next meetings, for "Mes cercles" (two queries, whatever the number of circles)."""
    from cercles.meetings.selectors import upcoming_for_user

    return upcoming_for_user(user=user, limit=limit) if getattr(user, "is_authenticated", False) else []


@register.filter
def clock(moment: datetime.datetime | None) -> str:
    return moment.astimezone(PARIS).strftime("%H:%M") if moment else ""
