"""Writes on the outbox: queue a message in the caller's transaction, sweep due messages, retry failures.

Every e-mail of the platform goes through here (docs/notifications.md). ``message_enqueue`` only writes
a row; the sweeper renders and sends it later, outside any request, over one SMTP connection per batch.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parseaddr
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.core import scheduler
from cercles.core.policy import require
from cercles.notifications.exceptions import EXPIRED_BEFORE_SENDING, TOO_MANY_ATTEMPTS
from cercles.notifications.mime import OutboxEmail
from cercles.notifications.models import PENDING, Lane, Message
from cercles.notifications.registry import Rendered, batch_scope, preload_batch, renderer_for

if TYPE_CHECKING:
    # The project's user model (people.User); notifications sits below people and does not import it.
    from django.contrib.auth.base_user import AbstractBaseUser as User

logger = logging.getLogger(__name__)

SWEEP_JOB = "notifications.sweep"
BATCH_SIZE = 100
# A claimed batch must be sent well within its lease, or another sweeper could claim it again.
LEASE = datetime.timedelta(minutes=2)
LEASE_MARGIN = datetime.timedelta(seconds=30)
RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_CAP = datetime.timedelta(hours=6)
MAX_ATTEMPTS = 8
# "Sent" marks may be written together (see _GroupedMarks): at most settings.OUTBOX_MARK_GROUP
# messages (1 by default: each mark at once), or this long.
MARK_WAIT = 0.2
# One sweep's share of the scheduler's 5-minute lease on the job.
SWEEP_BUDGET_SECONDS = 60.0

# Set when an urgent message is committed: a sweeper sending a bulk batch in this process stops
# between two messages and sends the urgent one first.
urgent_waiting = threading.Event()


@transaction.atomic
def message_enqueue(
    *,
    kind: str,
    recipient: User | None = None,
    address: str = "",
    about: Mapping[str, int] | None = None,
    payload: Mapping[str, str] | None = None,
    due_at: datetime.datetime | None = None,
    lane: str = Lane.BULK,
    expires_at: datetime.datetime | None = None,
) -> Message:
    """Queue one e-mail of ``kind`` to ``recipient`` (or a bare ``address``) in the caller's transaction.

    The row commits or rolls back with the change that caused it. ``about`` holds the ids the renderer
    re-reads when it sends; ``payload`` only what it cannot re-read (a code, a reset link), wiped once
    sent. ``due_at`` defaults to now; a message past ``expires_at`` is never sent. Raises
    UnknownMessageKind for a kind no app registered, ValueError without an address. Schedules, after
    commit, a wake-up of the sweeper (never a send inside the request).
    """
    renderer_for(kind)  # a typo in a kind fails here, in the caller's test, not later in the sweeper
    address = (address or getattr(recipient, "email", "")).strip()
    if not address:
        raise ValueError("a message needs a recipient address")
    message = Message.objects.create(
        message_id=_new_message_id(),
        kind=kind,
        recipient_id=recipient.pk if recipient is not None else None,
        address=address,
        about=dict(about or {}),
        payload=dict(payload or {}),
        lane=lane,
        due_at=due_at or timezone.now(),
        expires_at=expires_at,
    )
    transaction.on_commit(partial(_wake_sweeper, urgent=lane == Lane.URGENT))
    return message


@dataclass(frozen=True)
class Queued:
    """One message of ``message_enqueue_many``: the same fields as ``message_enqueue``'s."""

    recipient: User
    about: Mapping[str, int]
    due_at: datetime.datetime
    expires_at: datetime.datetime | None = None


@transaction.atomic
def message_enqueue_many(*, kind: str, messages: Sequence[Queued]) -> int:
    """Queue many messages of one ``kind`` (bulk lane) in one INSERT, in the caller's transaction.

    For computed mail (a cycle's reminders: meetings × members × offsets) where one row per call would
    cost a query each. Recipients without an address are skipped. Returns how many rows were written.
    """
    renderer_for(kind)
    rows = [
        Message(
            message_id=_new_message_id(),
            kind=kind,
            recipient_id=item.recipient.pk,
            address=(getattr(item.recipient, "email", "") or "").strip(),
            about=dict(item.about),
            lane=Lane.BULK,
            due_at=item.due_at,
            expires_at=item.expires_at,
        )
        for item in messages
        if (getattr(item.recipient, "email", "") or "").strip()
    ]
    Message.objects.bulk_create(rows, batch_size=500)
    if rows:
        transaction.on_commit(partial(_wake_sweeper, urgent=False))
    return len(rows)


def _new_message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "cercles.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _wake_sweeper(*, urgent: bool) -> None:
    if urgent:
        urgent_waiting.set()
    scheduler.wake(SWEEP_JOB)


@dataclass
class SweepReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    # An SMTP server that cannot be reached: the sweep stops, the next turn tries again.
    interrupted: bool = False


def outbox_sweep(
    *,
    worker: str = "",
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    max_seconds: float = SWEEP_BUDGET_SECONDS,
) -> SweepReport:
    """Send every due message, urgent lane first, in batches claimed with a lease.

    Deliberately not one transaction: each claim and each "sent" mark commits on its own, so that a
    sweeper killed mid-batch leaves its unsent rows to be claimed again when their lease expires, and
    at most the message in flight repeats (with the same Message-ID). Transient SMTP errors (4xx,
    connection lost) retry with exponential backoff; permanent ones (5xx, refused recipient) set
    ``failed_at``. Stops after ``max_seconds`` (between two batches), well within the scheduler's lease
    on the job; the next turn goes on. Returns what it did.
    """
    worker = (worker or scheduler.default_worker_name())[:80]
    report = SweepReport()
    batches = 0
    give_up_at = time.monotonic() + max_seconds
    with _marks_without_waiting_for_disk():
        while max_batches is None or batches < max_batches:
            urgent_waiting.clear()
            batch = _claim(lane=Lane.URGENT, worker=worker, size=batch_size) or _claim(
                lane=Lane.BULK, worker=worker, size=batch_size
            )
            if not batch:
                break
            batches += 1
            _send_batch(batch, report)
            if report.interrupted or time.monotonic() > give_up_at:
                break
    return report


@contextmanager
def _marks_without_waiting_for_disk() -> Iterator[None]:
    """On PostgreSQL, commit the "sent" marks without waiting for the disk flush.

    Each mark commits on its own (so that a killed sweeper repeats at most the message in flight);
    waiting for a flush per message would cap the sweeper at the disk's flush rate. The marks are
    visible to every other sweeper at once; only a crash of the database server itself could lose the
    last fraction of a second of them, and those messages would go again with the same Message-ID.
    """
    if db_connection.vendor != "postgresql":
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _claim(*, lane: str, worker: str, size: int) -> list[Message]:
    now = timezone.now()
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    with transaction.atomic():
        # PostgreSQL: rows another sweeper is claiming are skipped, not waited for. SQLite has no row
        # locks; its IMMEDIATE transactions serialise the claims instead.
        ids = list(
            Message.objects.filter(PENDING, free, lane=lane, due_at__lte=now)
            .order_by("due_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        # The conditional UPDATE is the claim: a row someone else claimed meanwhile no longer matches.
        Message.objects.filter(PENDING, free, pk__in=ids).update(
            lease_until=now + LEASE, claimed_by=token, attempts=F("attempts") + 1
        )
    return list(Message.objects.filter(claimed_by=token).order_by("due_at", "id"))


def _send_batch(batch: Sequence[Message], report: SweepReport) -> None:
    connection = get_connection()
    opened = False
    marks = _GroupedMarks(batch[0].claimed_by if batch else "")
    try:
        preload_batch(batch)
        with translation.override(settings.LANGUAGE_CODE), batch_scope():
            for index, message in enumerate(batch):
                marks.flush_if_waiting_too_long()  # a slow server must not hold the marks back
                now = timezone.now()
                yield_to_urgent = message.lane == Lane.BULK and urgent_waiting.is_set()
                if yield_to_urgent or (message.lease_until and now >= message.lease_until - LEASE_MARGIN):
                    marks.flush()
                    _release(batch[index:])
                    return
                if message.expires_at is not None and message.expires_at <= now:
                    _mark(message, failed_at=now, last_error=str(EXPIRED_BEFORE_SENDING), payload={})
                    report.failed += 1
                    continue
                try:
                    rendered = renderer_for(message.kind)(message)
                except Exception as error:  # a rendering bug: retried, and visible once out of attempts
                    logger.exception("rendering message %s failed", message.pk)
                    _retry_later(message, error, report)
                    continue
                if rendered is None:
                    marks.cancelled(message)
                    report.cancelled += 1
                    continue
                try:
                    if not opened:
                        opened = True
                        connection.open()  # once per batch, not per message
                    connection.send_messages([_email(message, rendered)])
                except Exception as error:
                    if _is_connection_lost(error):
                        marks.flush()
                        _retry_later(message, error, report)
                        _release(batch[index + 1 :])
                        report.interrupted = True
                        return
                    if isinstance(error, smtplib.SMTPException) and _is_permanent(error):
                        _mark(message, failed_at=timezone.now(), last_error=_describe(error))
                        report.failed += 1
                    else:
                        _retry_later(message, error, report)
                    continue
                marks.sent(message)
                report.sent += 1
    finally:
        marks.flush()
        _close(connection)


class _GroupedMarks:
    """The "sent" and "cancelled" marks of a batch, written a few at a time in one UPDATE each.

    By default (``OUTBOX_MARK_GROUP`` = 1) each mark is written as soon as its message has left, so a
    sweeper killed mid-batch repeats at most the message in flight. One UPDATE per message is about a
    quarter of a reminder's sending time: a deployment may let the marks of up to ``OUTBOX_MARK_GROUP``
    messages, or of ``MARK_WAIT`` seconds, wait together. A sweeper killed meanwhile leaves those rows
    claimed, and they go again (same Message-ID) once their lease expires — a bound on repeats, never a
    loss, and never a second sender while the lease holds. Failures and retries
    are rare and carry their own error: they are still written one by one, at once.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.sent_ids: list[int] = []
        self.cancelled_ids: list[int] = []
        self.oldest = 0.0

    def sent(self, message: Message) -> None:
        self._add(self.sent_ids, message)

    def cancelled(self, message: Message) -> None:
        self._add(self.cancelled_ids, message)

    def _add(self, ids: list[int], message: Message) -> None:
        if not self.sent_ids and not self.cancelled_ids:
            self.oldest = time.monotonic()
        ids.append(message.pk)
        if len(self.sent_ids) + len(self.cancelled_ids) >= settings.OUTBOX_MARK_GROUP:
            self.flush()
        else:
            self.flush_if_waiting_too_long()

    def flush_if_waiting_too_long(self) -> None:
        if (self.sent_ids or self.cancelled_ids) and time.monotonic() - self.oldest >= MARK_WAIT:
            self.flush()

    def flush(self) -> None:
        now = timezone.now()
        ours = Message.objects.filter(claimed_by=self.token)  # past the lease another sweeper may own them
        if self.sent_ids:
            ours.filter(pk__in=self.sent_ids).update(
                lease_until=None, claimed_by="", sent_at=now, payload={}, last_error=""
            )
            self.sent_ids = []
        if self.cancelled_ids:
            ours.filter(pk__in=self.cancelled_ids).update(lease_until=None, claimed_by="", cancelled_at=now, payload={})
            self.cancelled_ids = []


def _email(message: Message, rendered: Rendered) -> OutboxEmail:
    headers = {"Message-ID": message.message_id, "Auto-Submitted": "auto-generated", **rendered.headers}
    email = OutboxEmail(subject=rendered.subject, body=rendered.body, to=[message.address], headers=headers)
    for attachment in rendered.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


def _is_connection_lost(error: Exception) -> bool:
    # No answer from the server (refused, timed out, hung up): stop the batch, try again next turn.
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _is_permanent(error: smtplib.SMTPException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def _describe(error: BaseException) -> str:
    # The SMTP reply or the exception's name: never the message's body.
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, refusal = next(iter(error.recipients.values()))
        return f"{code} {refusal.decode(errors='replace')}"[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        raw: bytes | str = error.smtp_error
        reply = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        return f"{error.smtp_code} {reply}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def retry_delay(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes after the nth failed attempt, at most 6 hours."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def _retry_later(message: Message, error: BaseException, report: SweepReport) -> None:
    now = timezone.now()
    retry_at = now + retry_delay(message.attempts)
    description = _describe(error)
    if message.attempts >= MAX_ATTEMPTS:
        _mark(message, failed_at=now, last_error=f"{TOO_MANY_ATTEMPTS} {description}"[:500])
        report.failed += 1
    elif message.expires_at is not None and retry_at >= message.expires_at:
        # A login code that would arrive after it expired is worth nothing: not retried.
        _mark(message, failed_at=now, last_error=f"{EXPIRED_BEFORE_SENDING} {description}"[:500], payload={})
        report.failed += 1
    else:
        _mark(message, due_at=retry_at, last_error=description)
        report.retried += 1


def _mark(message: Message, **changes: object) -> None:
    # Only while the row is still ours: past the lease another sweeper may own it now.
    Message.objects.filter(pk=message.pk, claimed_by=message.claimed_by).update(
        lease_until=None, claimed_by="", **changes
    )


def _release(messages: Sequence[Message]) -> None:
    """Give back claimed rows that were not attempted; the attempt counted at claim is undone."""
    if messages:
        Message.objects.filter(pk__in=[m.pk for m in messages], claimed_by=messages[0].claimed_by).update(
            lease_until=None, claimed_by="", attempts=F("attempts") - 1
        )


def _close(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):  # the server already hung up: nothing left to close
        logger.info("closing the SMTP connection failed", exc_info=True)


@transaction.atomic
def message_retry(*, message_ids: Sequence[int], retried_by: User) -> int:
    """Queue failed messages again (the coordination page's "Réessayer"); returns how many.

    Only failed, unsent messages whose code or link has not expired come back; they start again with
    no attempts, due now, and the sweeper is woken after commit. Raises PolicyDenied for anyone but a
    coordinator.
    """
    require(retried_by, "notifications.retry_failed")
    now = timezone.now()
    retried = (
        Message.objects.filter(pk__in=message_ids, failed_at__isnull=False, sent_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .update(failed_at=None, due_at=now, attempts=0, lease_until=None, claimed_by="")
    )
    if retried:
        audit_record(actor=retried_by, action=AuditAction.MESSAGES_RETRY, count=retried)
        transaction.on_commit(partial(_wake_sweeper, urgent=False))
    return retried
