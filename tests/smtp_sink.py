"""A real SMTP server on localhost (aiosmtpd) that keeps what arrives: for the tests and bench/outbox.py.

It can refuse a recipient (``refuse[address] = "550 …"``), answer the next DATA commands with a
transient error (``data_failures``), and counts connections (one EHLO each).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class SinkHandler:
    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.received: list[EmailMessage] = []
        self.message_ids: list[str] = []
        self.attempted_ids: list[str] = []
        self.refuse: dict[str, str] = {}
        self.data_failures = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message_id = _header(raw, b"message-id")
        with self.lock:
            self.attempted_ids.append(message_id)
            if self.data_failures > 0:
                self.data_failures -= 1
                return "451 4.3.0 Try again later"
            self.message_ids.append(message_id)
            if self.keep:
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                self.received.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


def _header(raw: bytes, name: bytes) -> str:
    # Cheaper than parsing the whole message when only counting (bench).
    for line in raw.split(b"\r\n"):
        if not line:
            break
        if line.lower().startswith(name + b":"):
            return line.split(b":", 1)[1].strip().decode()
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_sink(*, keep: bool = True) -> Iterator[tuple[SinkHandler, int]]:
    handler = SinkHandler(keep=keep)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
