"""The outbox's e-mails, written out without rebuilding the same MIME headers for every message.

Django's ``EmailMessage.message()`` builds a tree of ``email`` objects and the standard library's
generator folds every header of every part again, for each message: about 1 ms a message, most of a
reminder's sending time. The sweeper's mail has one simple shape (a French plain-text body, extra
headers, attachments), so ``OutboxEmail`` writes it directly: the subject's RFC 2047 encoding, the
addresses and the attachments' parts are encoded once and reused for the batch (a batch of reminders
has a handful of subjects and one .ics per meeting). Anything outside that shape (a line too long for
8bit, an empty body, copies, alternatives) goes through Django's own ``message()``, as does every
other e-mail of the platform. What arrives is the same message either way (tests compare them).
"""

from __future__ import annotations

import re
import uuid
from email.header import Header
from email.utils import formatdate
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import (
    ADDRESS_HEADERS,
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    BadHeaderError,
    EmailAttachment,
    sanitize_address,
)

# RFC 5322's recommended line length: longer header lines are folded, as the standard library does.
FOLD_AT = 78
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Headers Django writes from the message's fields; an extra header with one of these names takes the
# standard path, which knows how to merge them.
_OWN_HEADERS = {"from", "to", "cc", "reply-to", "date", "subject", "content-type", "mime-version"}


class OutboxEmail(EmailMessage):
    """An ``EmailMessage`` whose ``message()`` writes the common shape directly (see the module)."""

    def message(self, **options: Any) -> Any:
        if options or not self._has_simple_shape():
            return super().message(**options)
        return ComposedMessage(self)

    def recipients(self) -> list[Any]:
        # (name, address) pairs: the SMTP backend then formats each bare address without parsing it again.
        # An address with a display name ("Nom <adresse>") is left to the backend's parser.
        if self.cc or self.bcc or not all(isinstance(address, str) and _is_bare(address) for address in self.to):
            return super().recipients()
        return [("", address) for address in self.to if address]

    def _has_simple_shape(self) -> bool:
        encoding = (self.encoding or settings.DEFAULT_CHARSET).lower()
        return (
            encoding == "utf-8"
            and self.content_subtype == "plain"
            and bool(self.body)
            and not self.cc
            and not self.reply_to
            and not getattr(self, "alternatives", None)
            and all(isinstance(item, EmailAttachment | tuple) for item in self.attachments)
            and not any(name.lower() in _OWN_HEADERS for name in self.extra_headers)
            and not any(len(line.encode()) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in self.body.splitlines())
        )


def _is_bare(address: str) -> bool:
    return address.count("@") == 1 and not any(character in address for character in '<>," ()')


class ComposedMessage:
    """What the mail backends read of a message (``as_bytes``, ``as_string``, ``get_charset``)."""

    def __init__(self, email: OutboxEmail) -> None:
        self.email = email
        # Chosen now, as the standard library does when the message object is built.
        self.date = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        self.boundary = f"==============={uuid.uuid4().int:019d}=="

    def get_charset(self) -> None:
        # The console and file backends decode as UTF-8 when the top part has no charset of its own.
        return None

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode()

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        email = self.email
        body = _body_lines(str(email.body), linesep)
        headers: list[str] = []
        if email.attachments:
            headers.append(f'Content-Type: multipart/mixed; boundary="{self.boundary}"')
            headers.append("MIME-Version: 1.0")
        else:
            headers.extend(_text_part_headers(body))
        headers.append(_header("Subject", str(email.subject), linesep))
        headers.append(_address_header("From", str(email.extra_headers.get("From", email.from_email)), linesep))
        if email.to:
            headers.append(_address_header("To", ", ".join(str(address) for address in email.to), linesep))
        headers.append(f"Date: {self.date}")
        for name, value in email.extra_headers.items():
            headers.append(_header(name, str(value), linesep))
        head = linesep.join(headers) + linesep + linesep
        if not email.attachments:
            return head.encode() + body
        delimiter = f"--{self.boundary}".encode()
        crlf = linesep.encode()
        pieces = [head.encode(), delimiter, crlf, (linesep.join(_text_part_headers(body)) + linesep + linesep).encode()]
        pieces.append(body)
        for attachment in email.attachments:
            pieces += [crlf, delimiter, crlf, _attachment_part(*attachment, linesep=linesep)]
        pieces += [crlf, delimiter, b"--", crlf]
        return b"".join(pieces)


def _text_part_headers(body: bytes) -> list[str]:
    transfer = "7bit" if body.isascii() else "8bit"
    return ['Content-Type: text/plain; charset="utf-8"', "MIME-Version: 1.0", f"Content-Transfer-Encoding: {transfer}"]


def _body_lines(text: str, linesep: str) -> bytes:
    return linesep.join(_LINE_BREAK.split(text)).encode()


def _check(name: str, value: str) -> None:
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r} for header {name!r})")


def _header(name: str, value: str, linesep: str) -> str:
    _check(name, value)
    if name.lower() in ADDRESS_HEADERS:
        return _address_header(name, value, linesep)
    return f"{name}: {_encoded(name, value, linesep)}"


def _address_header(name: str, value: str, linesep: str) -> str:
    _check(name, value)
    return f"{name}: {_encoded_addresses(name, value, linesep)}"


@lru_cache(maxsize=1024)
def _encoded(name: str, value: str, linesep: str) -> str:
    """A header's value, RFC 2047-encoded when it is not ASCII and folded as the standard library folds.

    Cached: a batch of reminders of one meeting has one subject, encoded once rather than per message.
    """
    if value.isascii():
        if len(name) + 2 + len(value) <= FOLD_AT:
            return value
        return Header(value, header_name=name).encode(linesep=linesep)
    return Header(value, "utf-8", header_name=name).encode(linesep=linesep)


@lru_cache(maxsize=4096)
def _encoded_addresses(name: str, value: str, linesep: str) -> str:
    from email.utils import getaddresses

    sanitized = ", ".join(sanitize_address(address, "utf-8") for address in getaddresses((value,)))
    return _encoded(name, sanitized, linesep)


@lru_cache(maxsize=64)
def _attachment_part(filename: str, content: bytes | str, mimetype: str, *, linesep: str) -> bytes:
    """The attachment's MIME part, built by Django once per distinct file (one .ics per meeting)."""
    part = EmailMessage()._create_attachment(filename, content, mimetype)  # type: ignore[attr-defined]
    return bytes(part.as_bytes(linesep=linesep))
