"""System checks that refuse impossible run-mode combinations and unsafe deployments.

``manage.py serve`` (and every management command) runs them before starting; ``config/asgi.py``
runs them too, so that ``uvicorn config.asgi:application`` refuses to start as well.

The deployment checks (cercles.E002 to E006) apply only when the site is served beyond localhost
(``ALLOWED_HOSTS`` names another host): ``make run`` on a laptop works with no setting at all.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "testserver", "[::1]", "::1"})
# Demo accounts are recognised by their domain (cercles.circles.demo creates them all there).
DEMO_EMAIL_DOMAIN = "demo.cercles.fr"
# Django's own marker of a key generated for development; the embedded default carries it.
INSECURE_KEY_PREFIX = "django-insecure-"


# Commands that run in a process of their own beside the web process: with the in-memory layer, the
# room events they cause (a task changing a room) would never reach the web process's sockets.
OTHER_PROCESS_COMMANDS = frozenset({"db_worker"})


def _command_name(argv: list[str]) -> str:
    return argv[1] if len(argv) > 1 and argv[0].endswith("manage.py") else ""


@register()
def check_channel_layer_matches_processes(
    app_configs: Any, argv: list[str] | None = None, **kwargs: Any
) -> list[Error]:
    """The in-memory channel layer lives in one process: every live room's socket must be held by the
    process that also serves the commands. ``manage.py serve`` runs the worker as a thread, which is fine;
    several web processes, or a ``db_worker`` process beside the web one, are refused."""
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND")
    if backend != IN_MEMORY_LAYER:
        return []
    command = _command_name(argv if argv is not None else sys.argv)
    if settings.WEB_PROCESSES <= 1 and command not in OTHER_PROCESS_COMMANDS:
        return []
    return [
        Error(
            "The in-memory channel layer serves one process: "
            + (f"`{command}` runs in another process." if command else "WEB_PROCESSES is above 1."),
            hint="Set REDIS_URL to use the Redis channel layer, or run `manage.py serve` alone "
            "(one web process, with the worker as a thread).",
            id="cercles.E001",
        )
    ]


def served_beyond_localhost() -> bool:
    """Whether ALLOWED_HOSTS names a host other than this machine ("*" and ".example.fr" included)."""
    return any(host.strip().lower() not in LOCAL_HOSTS for host in settings.ALLOWED_HOSTS)


@register()
def check_safe_to_serve_beyond_localhost(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not served_beyond_localhost():
        return []
    errors = []
    key = settings.SECRET_KEY
    if not key or key.startswith(INSECURE_KEY_PREFIX):
        errors.append(
            Error(
                "The site is served beyond localhost with the embedded, public SECRET_KEY.",
                hint="Set SECRET_KEY to a long random value "
                "(python -c 'import secrets; print(secrets.token_urlsafe(50))').",
                id="cercles.E002",
            )
        )
    if _demo_accounts_present():
        errors.append(
            Error(
                f"The site is served beyond localhost with demo accounts (@{DEMO_EMAIL_DOMAIN}) in its database.",
                hint="Deploy on a fresh database: the demo logins' passwords are printed and stored in data/.",
                id="cercles.E003",
            )
        )
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        errors.append(
            Error(
                "The site is served beyond localhost with cookies that may travel over plain HTTP.",
                hint="Serve over HTTPS and set SECURE_COOKIES=1.",
                id="cercles.E004",
            )
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "The site is served beyond localhost with DEBUG on: error pages would show code and settings.",
                hint="Unset DEBUG.",
                id="cercles.E005",
            )
        )
    if settings.OPERATOR_NAME == settings.DEMO_OPERATOR_NAME or not settings.PUBLICATION_DIRECTOR.strip():
        errors.append(
            Error(
                "The site is served beyond localhost without its operator: the legal notice would be the demo's.",
                hint="Set OPERATOR_NAME, OPERATOR_ADDRESS, PUBLICATION_DIRECTOR, HOSTING_PROVIDER and CONTACT_EMAIL.",
                id="cercles.E006",
            )
        )
    return errors


def _demo_accounts_present() -> bool:
    try:
        return get_user_model().objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").exists()
    except DatabaseError:
        # Not migrated yet (first `migrate` runs the checks too): no table, so no demo account.
        return False


def refuse_to_serve_on_errors() -> None:
    """Raise ImproperlyConfigured when a system check reports an error (the ASGI entry point calls it)."""
    errors = [message for message in run_checks() if message.is_serious() and not message.is_silenced()]
    if errors:
        raise ImproperlyConfigured("Cercles refuses to start:\n" + "\n".join(str(error) for error in errors))
