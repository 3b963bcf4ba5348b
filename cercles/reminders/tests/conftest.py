# The real SMTP server fixture of the outbox's tests, shared rather than copied.
from cercles.notifications.tests.conftest import sink  # noqa: F401
