"""French labels of speaking modes and visibilities, and role names, for the methods' templates."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from cercles.methods.forms import MODE_LABELS
from cercles.methods.protocol import Method, SpeakingMode, Visibility

register = template.Library()

VISIBILITY_LABELS = {
    Visibility.AUTHOR: _("vous seul·e"),
    Visibility.AUTHOR_AND_FACILITATORS: _("vous et l'animation"),
    Visibility.CIRCLE: _("les membres du cercle"),
    Visibility.PUBLISHABLE: _("le cercle ; publiable ensuite avec l'accord de l'auteur·rice"),
}


@register.filter
def mode_label(mode: str) -> str:
    return str(MODE_LABELS[SpeakingMode(mode)])


@register.filter
def visibility_label(visibility: str) -> str:
    return str(VISIBILITY_LABELS[Visibility(visibility)])


@register.filter
def role_names(keys: tuple[str, ...], method: Method) -> str:
    """« Client·e, Consultant·e », or « tout le monde » when no role is named."""
    return ", ".join(method.role_name(key) for key in keys) if keys else str(_("tout le monde"))
