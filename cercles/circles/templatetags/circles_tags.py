from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from cercles.circles.models import CircleStatus

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    try:
        return str(CircleStatus(value).label)
    except ValueError:
        return ""


@register.filter
def duration(minutes: int | None) -> str:
    """90 → "1 h 30", 120 → "2 h", 45 → "45 min"."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


@register.filter
def people_count(count: int) -> str:
    """A number of people as figures pages show it: 1 or 2 become "moins de 3" (they could name someone)."""
    from cercles.circles.selectors import SMALL_COUNT

    if 0 < count < SMALL_COUNT:
        return _("moins de %(count)s") % {"count": SMALL_COUNT}
    return str(count)
