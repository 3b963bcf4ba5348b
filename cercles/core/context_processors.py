from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_coordinator": bool(user and user.is_authenticated and user.is_staff)}
