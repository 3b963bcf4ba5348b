"""The room's system check: its events cross processes only through a shared channel layer.

A command changes the room in the process that served the POST; sockets may be held by any web
process. With the in-memory layer (embedded mode) every socket must live in the one process that also
serves the commands: a second web process (``WEB_PROCESSES`` > 1), or a ``db_worker`` process started
beside it, would change rooms whose sockets never hear of it. ``manage.py serve`` runs the worker as a
thread of the web process, which is fine.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"
# Commands that run beside the web process; with the in-memory layer they would not reach its sockets.
OTHER_PROCESS_COMMANDS = frozenset({"db_worker"})


def _command_name(argv: list[str]) -> str:
    return argv[1] if len(argv) > 1 and argv[0].endswith("manage.py") else ""


@register()
def check_room_events_reach_every_socket(app_configs: Any, argv: list[str] | None = None, **kwargs: Any) -> list[Error]:
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND")
    if backend != IN_MEMORY_LAYER:
        return []
    command = _command_name(argv if argv is not None else sys.argv)
    if settings.WEB_PROCESSES > 1 or command in OTHER_PROCESS_COMMANDS:
        return [
            Error(
                "The live rooms need one process with the in-memory channel layer: "
                + (f"`{command}` runs in another process." if command else "WEB_PROCESSES is above 1."),
                hint="Set REDIS_URL (the Redis channel layer) for several processes, or run `manage.py serve` "
                "alone (it runs the worker as a thread).",
                id="cercles.rooms.E001",
            )
        ]
    return []
