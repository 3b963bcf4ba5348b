"""Scale-out smoke test: two uvicorn processes on one PostgreSQL database behind the Redis channel layer.

A member's socket is open on process A; the facilitator's command is POSTed to process B; the member
receives "version N+1" through Redis. Delivery and the version are asserted, never a duration. Runs only
with DATABASE_URL (PostgreSQL) and REDIS_URL set (the CI's scale-out run); skipped with a reason otherwise.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from cercles.rooms.models import Room
from cercles.rooms.services import room_open
from cercles.rooms.tests.room_world import RoomWorld, room_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _needs_postgresql_and_redis(reference_data: None) -> None:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL): two processes share them")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the app process on {port} stopped: {process.stdout.read().decode() if process.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sante/", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the app process on {port} did not start")


@pytest.fixture
def two_processes() -> Iterator[tuple[int, int]]:
    database = connection.settings_dict
    credentials = f"{database['USER']}:{database['PASSWORD'] or ''}"
    url = f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "WEB_PROCESSES": "2", "RUN_WORKER_IN_PROCESS": "0"}
    ports = (_free_port(), _free_port())
    processes = [
        subprocess.Popen(  # noqa: S603 - this interpreter, the test's own fixed arguments
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_until_serving(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def _session_cookie(user: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_a_change_posted_to_one_process_reaches_a_socket_held_by_the_other(two_processes: tuple[int, int]) -> None:
    from websockets.sync.client import connect

    world: RoomWorld = room_world(members=2)
    room_open(world.meeting, opened_by=world.facilitator)
    port_a, port_b = two_processes
    member_cookie = f"{settings.SESSION_COOKIE_NAME}={_session_cookie(world.member)}"
    with connect(
        f"ws://127.0.0.1:{port_a}/ws/salles/{world.meeting.pk}/",
        additional_headers={"Cookie": member_cookie},
        origin=f"http://127.0.0.1:{port_a}",  # type: ignore[arg-type]
        open_timeout=20,
    ) as socket_a:
        joined = json.loads(socket_a.recv(timeout=20))
        assert joined == {"type": "version", "version": 2}
        csrf = secrets.token_hex(16)  # any 32-character secret: the cookie and the header must match
        request = urllib.request.Request(
            f"http://127.0.0.1:{port_b}{reverse('rooms:command', args=[world.meeting.pk])}",
            data=f"command=start&version={joined['version']}".encode(),
            headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={_session_cookie(world.facilitator)}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - http to the test's process
            assert json.loads(response.read()) == {"ok": True, "version": 3}
        assert json.loads(socket_a.recv(timeout=20)) == {"type": "version", "version": 3}
        assert Room.objects.get(meeting=world.meeting).version == 3  # (closing the socket makes a 4th)
