"""Live room benchmark: from a command's POST to every socket of the room hearing "version N".

    .venv/bin/python bench/room.py [--rooms 50] [--clients 8] [--rounds 3]
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/room.py --redis

Builds a throw-away database (a SQLite file, or DATABASE_URL's server, which must exist and is migrated),
``--rooms`` codéveloppement circles of ``--clients`` people (one facilitator) with a meeting now and its
room started, then serves the site with uvicorn (``config.asgi:application``) in a separate process and
opens one WebSocket per person (``--rooms`` × ``--clients`` sockets, from this process).

It prints, for the facilitator's "add one minute" POSTed to the server:

* the latency from the POST to each socket of the room receiving the new version (p50, p99), one room
  changing at a time, then all rooms at once;
* the time of the snapshot re-read each client then makes (8 GETs at once per room);
* SQL queries per command and per snapshot (measured in this process, through the same services).

Default: one process with the in-memory channel layer (the embedded mode). ``--redis``: two processes
on the Redis layer (REDIS_URL must be set): sockets on one, commands POSTed to the other.
Targets (issue 10): event p99 under 100 ms on one process for one room at a time, under 1 s across two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_scratch = tempfile.mkdtemp(prefix="cercles-bench-room-")
os.environ.setdefault("CERCLES_DATA_DIR", _scratch)
os.environ.setdefault("SQLITE_PATH", str(Path(_scratch) / "room.sqlite3"))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8, help="people per room, the facilitator included")
    parser.add_argument("--rounds", type=int, default=3, help="commands per room in each mode")
    parser.add_argument("--redis", action="store_true", help="two processes on the Redis layer (needs REDIS_URL)")
    return parser.parse_args()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _milliseconds(values: list[float]) -> str:
    p50, p99 = _percentile(values, 0.5) * 1000, _percentile(values, 0.99) * 1000
    return f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   (n={len(values)})"


# --- the world -------------------------------------------------------------------------------------


def _populate(rooms: int, clients: int) -> list[dict[str, Any]]:
    """Circles, people, meetings and started rooms; each person's session cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from cercles.rooms.services import room_command, room_open
    from tests.factories import make_circle, make_meeting, make_user, seat

    store = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]

    def session(user: Any) -> str:
        data = store()
        data[SESSION_KEY], data[BACKEND_SESSION_KEY] = str(user.pk), backend
        data[HASH_SESSION_KEY] = user.get_session_auth_hash()
        data.create()
        return str(data.session_key)

    world = []
    for index in range(rooms):
        facilitator = make_user(f"animation{index}")
        circle = make_circle(facilitators=(facilitator,), capacity=clients + 2, title=f"Cercle du banc {index}")
        members = [make_user(f"membre{index}x{number}") for number in range(clients - 1)]
        for member in members:
            seat(circle, member)
        meeting = make_meeting(circle, in_days=0)
        room_open(meeting, opened_by=facilitator)
        room = room_command(meeting.pk, "start", actor=facilitator, seen_version=1)
        world.append(
            {
                "meeting": meeting.pk,
                "facilitator": facilitator,
                "version": room.version,
                "sessions": [session(person) for person in (facilitator, *members)],
            }
        )
    return world


def _queries_per_command_and_snapshot(room: dict[str, Any]) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cercles.rooms.models import Room
    from cercles.rooms.selectors import room_snapshot
    from cercles.rooms.services import room_command

    version = Room.objects.get(meeting_id=room["meeting"]).version
    with CaptureQueriesContext(connection) as command_queries:
        room_command(
            room["meeting"], "add_minutes", actor=room["facilitator"], seen_version=version, arguments={"minutes": "1"}
        )
    with CaptureQueriesContext(connection) as snapshot_queries:
        room_snapshot(room["meeting"], room["facilitator"], timezone.now())
    return len(command_queries), len(snapshot_queries)


# --- the servers -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(port: int, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **extra_env}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    log = (Path(_scratch) / f"uvicorn-{port}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sante/", timeout=2):
                return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"uvicorn did not start on port {port}")


# --- the clients -----------------------------------------------------------------------------------


class Room:
    def __init__(self, meeting: int, version: int, sessions: list[str]) -> None:
        self.meeting, self.version, self.sessions = meeting, version, sessions
        self.heard: dict[int, list[float]] = {}  # version -> when each socket heard it
        self.all_heard: dict[int, asyncio.Event] = {}
        self.answered: list[float] = []  # how long each POST took to answer

    def expect(self, version: int) -> asyncio.Event:
        return self.all_heard.setdefault(version, asyncio.Event())

    def hear(self, version: int) -> None:
        moments = self.heard.setdefault(version, [])
        moments.append(time.perf_counter())
        if len(moments) == len(self.sessions):
            self.expect(version).set()


async def _listen(room: Room, session: str, port: int, ready: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    async with connect(
        f"ws://127.0.0.1:{port}/ws/salles/{room.meeting}/",
        additional_headers={"Cookie": f"sessionid={session}"},
        origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        open_timeout=60,
        max_queue=None,
    ) as websocket:
        first = json.loads(await websocket.recv())
        assert first["type"] == "version", first
        ready.set()
        async for frame in websocket:
            message = json.loads(frame)
            if message["type"] == "version":
                room.hear(message["version"])


async def _http(port: int, method: str, path: str, session: str, body: str = "") -> tuple[int, dict[str, Any]]:
    """One HTTP/1.1 request on its own connection (no client library needed)."""
    csrf = secrets.token_hex(16)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        f"Cookie: sessionid={session}; csrftoken={csrf}\r\nX-CSRFToken: {csrf}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body.encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    payload = rest.split(b"\r\n\r\n", 1)[1]
    if b"chunked" in rest.split(b"\r\n\r\n", 1)[0].lower():
        payload = _unchunk(payload)
    return int(status_line.split()[1]), json.loads(payload or b"{}")


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_text, _, data = data.partition(b"\r\n")
        size = int(size_text, 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


async def _command(room: Room, port: int) -> tuple[float, int]:
    """POST "add one minute" as the facilitator; returns when it was sent and the new version."""
    sent = time.perf_counter()
    status, reply = await _http(
        port,
        "POST",
        f"/seances/{room.meeting}/salle/commande/",
        room.sessions[0],
        f"command=add_minutes&minutes=1&version={room.version}",
    )
    assert status == 200, (status, reply)
    assert reply["ok"], reply
    room.version = reply["version"]
    room.answered.append(time.perf_counter() - sent)
    return sent, room.version


async def _reread(room: Room, port: int) -> list[float]:
    async def one(session: str) -> float:
        start = time.perf_counter()
        status, snapshot = await _http(port, "GET", f"/seances/{room.meeting}/salle/etat/", session)
        assert status == 200, status
        assert snapshot["version"] >= room.version, snapshot["version"]
        return time.perf_counter() - start

    return list(await asyncio.gather(*(one(session) for session in room.sessions)))


async def _run(world: list[dict[str, Any]], socket_port: int, command_port: int, rounds: int) -> dict[str, list[float]]:
    rooms = [Room(entry["meeting"], entry["version"], entry["sessions"]) for entry in world]
    listeners = []
    # Room after room: a storm of 400 handshakes at once measures the handshake, not the room.
    for room in rooms:
        readiness = []
        for session in room.sessions:
            ready = asyncio.Event()
            readiness.append(ready)
            listeners.append(asyncio.create_task(_listen(room, session, socket_port, ready)))
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readiness)), timeout=120)
    await asyncio.sleep(2)  # the joins' own events settle
    results: dict[str, list[float]] = {"one": [], "all": [], "snapshot": []}
    for room in rooms:  # the version after every join
        _, snapshot = await _http(command_port, "GET", f"/seances/{room.meeting}/salle/etat/", room.sessions[0])
        room.version = snapshot["version"]

    async def change(room: Room, into: str) -> None:
        sent, version = await _command(room, command_port)
        await asyncio.wait_for(room.expect(version).wait(), timeout=60)
        results[into].extend(moment - sent for moment in room.heard[version])

    for _ in range(rounds):
        for room in rooms:
            await change(room, "one")
            results["snapshot"].extend(await _reread(room, command_port))
    for _ in range(rounds):
        await asyncio.gather(*(change(room, "all") for room in rooms))
    results["post"] = [duration for room in rooms for duration in room.answered]
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    return results


def main() -> None:
    args = _arguments()
    if args.redis and not os.environ.get("REDIS_URL"):
        raise SystemExit("--redis needs REDIS_URL (e.g. redis://127.0.0.1:6379/6)")
    if not args.redis:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    world = _populate(args.rooms, args.clients)
    command_queries, snapshot_queries = _queries_per_command_and_snapshot(world[0])
    world[0]["version"] += 1
    connection.close()
    layer = "Redis, 2 processes" if args.redis else "in-memory, 1 process"
    print(
        f"database: {connection.vendor}; {args.rooms} rooms x {args.clients} sockets "
        f"(built in {time.perf_counter() - started:.0f} s); layer: {layer}"
    )
    servers = []
    try:
        socket_port = _free_port()
        servers.append(_serve(socket_port, {"WEB_PROCESSES": "2" if args.redis else "1"}))
        command_port = socket_port
        if args.redis:
            command_port = _free_port()
            servers.append(_serve(command_port, {"WEB_PROCESSES": "2"}))
        results = asyncio.run(_run(world, socket_port, command_port, args.rounds))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # sockets still open: uvicorn waits for them
                server.kill()
        for log in Path(_scratch).glob("uvicorn-*.log"):
            errors = log.read_text(errors="replace").strip()
            if errors:
                print(f"--- {log.name} (last lines)\n" + "\n".join(errors.splitlines()[-15:]))
    print(f"event, one room changing at a time:  {_milliseconds(results['one'])}")
    print(f"event, all {args.rooms} rooms at once:       {_milliseconds(results['all'])}")
    print(f"command POST answered (both modes): {_milliseconds(results['post'])}")
    print(f"snapshot re-read ({args.clients} at once):      {_milliseconds(results['snapshot'])}")
    print(f"queries per command: {command_queries}; per snapshot: {snapshot_queries}")
    print(f"load average: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
