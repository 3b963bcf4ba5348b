"""Base of every domain error.

Services raise subclasses of :class:`DomainError`; one middleware turns them into a French message
and a response (cercles.core.middleware). Messages are module constants so that tests import them.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A request that the domain refuses; the message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


class FieldError(DomainError):
    """Bad input in a form; ``field`` names the form field at fault (None: the form as a whole), so that
    the view shows the message beside that field and keeps what was typed."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DomainPermissionDenied(DomainError):
    status_code = 403


class DomainNotFound(DomainError):
    status_code = 404


class ConcurrentEditError(DomainError):
    """Somebody saved the same object since the form was opened."""

    status_code = 409
