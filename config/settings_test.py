"""Settings for the test suite: the same as the site, with tasks run at once and fast password hashing."""

from config.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
RUN_WORKER_IN_PROCESS = False
RUN_SCHEDULER_IN_PROCESS = False
# A commit that queues mail runs the outbox sweeper at once, in the committing thread: tests see the
# e-mail in django.core.mail.outbox without a scheduler thread (docs/testing.md).
SCHEDULER_RUN_ON_WAKE = True
SERVESTATIC_AUTOREFRESH = True
