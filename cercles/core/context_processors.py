from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cercles.core.operator import operator
from cercles.core.policy import allows


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "is_coordinator": allows(user, "programme.administer"),
        "can_view_figures": allows(user, "programme.view_figures"),
        "operator": operator(),
        "programme_name": settings.PROGRAMME_NAME,
    }
