from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cercles.core.operator import operator
from cercles.core.policy import allows
from cercles.core.selectors import identity


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    current = identity()
    return {
        "is_coordinator": allows(user, "programme.administer"),
        "can_view_figures": allows(user, "programme.view_figures"),
        "operator": operator(),
        "identity": current,
        "programme_name": current.name,
    }
