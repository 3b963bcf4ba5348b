"""System checks that refuse impossible run-mode combinations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


@register()
def check_channel_layer_matches_processes(app_configs: Any, **kwargs: Any) -> list[Error]:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND")
    if backend == IN_MEMORY_LAYER and settings.WEB_PROCESSES > 1:
        return [
            Error(
                "The in-memory channel layer cannot serve several web processes.",
                hint="Set REDIS_URL to use the Redis channel layer, or run one process (WEB_PROCESSES=1).",
                id="cercles.E001",
            )
        ]
    return []
