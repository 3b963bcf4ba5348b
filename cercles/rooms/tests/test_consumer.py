"""The room's WebSocket: who may open it (every persona), presence, "version N" after a command, frames
refused without closing, and people who leave the circle disconnected at once or at their next message."""

from __future__ import annotations

import datetime
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.test import Client
from django.utils import timezone

from cercles.circles.models import Membership, MembershipStatus
from cercles.circles.services import membership_leave
from cercles.people.models import User
from cercles.rooms import codec
from cercles.rooms.consumers import CLOSE_NOT_ALLOWED
from cercles.rooms.models import Room
from cercles.rooms.services import POLL_PRESENCE_TIMEOUT, room_command, room_open, room_presence_poll
from cercles.rooms.tests.room_world import RoomWorld, room_world
from cercles.rooms.tests.sockets import SocketCommunicator as WebsocketCommunicator
from config.websocket_urls import websocket_urlpatterns
from tests.factories import make_user, seat

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5


@pytest.fixture
def world(reference_data: None) -> RoomWorld:
    return room_world()


@pytest.fixture(autouse=True)
def _a_fresh_channel_layer_per_test() -> None:
    # Each test runs its own event loop; the Redis layer's locks belong to the loop that made them
    # (a server process has one loop for its life).
    from channels.layers import channel_layers

    channel_layers.backends = {}


def _communicator(meeting_id: int, user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/salles/{meeting_id}/")
    communicator.scope["user"] = user
    return communicator


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


async def _receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return await communicator.receive_json_from(timeout=TIMEOUT)  # type: ignore[no-any-return]


async def _closed_with(communicator: WebsocketCommunicator) -> int | None:
    """The close code, past the "version" events that may come first (others joining); None otherwise."""
    while True:
        output = await communicator.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output.get("code")  # type: ignore[no-any-return]
        if output["type"] != "websocket.send" or json.loads(output["text"]).get("type") != "version":
            return None


def _state(world: RoomWorld):  # type: ignore[no-untyped-def]
    return codec.decode(Room.objects.get(meeting=world.meeting).state)


# --- the socket's permission matrix -------------------------------------------------------------

SOCKET_MATRIX = {
    "anonymous": False,
    "outsider": False,
    "waiting": False,
    "member": True,
    "facilitator": True,
    "coordinator": False,
    "observer": False,
    "staff": False,
    "superuser": False,
}


def _persona(world: RoomWorld, persona: str) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return {
        "anonymous": lambda: AnonymousUser(),
        "outsider": lambda: world.outsider,
        "waiting": lambda: seat(world.circle, make_user("wendy"), status=MembershipStatus.WAITING).user,
        "member": lambda: world.member,
        "facilitator": lambda: world.facilitator,
        "coordinator": lambda: make_user("claire", is_staff=True),
        "observer": lambda: make_user("olivia", observer=True),
        "staff": lambda: make_user("steve", is_staff=True, coordinator=False),
        "superuser": lambda: User.objects.create_superuser("root-socket@exemple.fr", "x"),
    }[persona]()


@pytest.mark.parametrize(("persona", "enters"), SOCKET_MATRIX.items())
def test_only_the_circles_active_people_open_the_rooms_socket(world: RoomWorld, persona: str, enters: bool) -> None:
    user = _persona(world, persona)

    async def scenario() -> None:
        communicator = _communicator(world.meeting.pk, user)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        if enters:
            assert await _receive(communicator) == {"type": "version", "version": 2}
        else:
            assert await _closed_with(communicator) == CLOSE_NOT_ALLOWED
        await communicator.disconnect()

    run(scenario)
    present = _state(world).present if Room.objects.filter(meeting=world.meeting).exists() else frozenset()
    assert (getattr(user, "pk", None) in present) is False  # gone after disconnecting; outsiders never in


def test_an_unknown_meeting_is_refused_like_a_closed_door(world: RoomWorld) -> None:
    async def scenario() -> None:
        communicator = _communicator(987654, world.member)
        await communicator.connect(timeout=TIMEOUT)
        assert await _closed_with(communicator) == CLOSE_NOT_ALLOWED

    run(scenario)


# --- presence and events ---------------------------------------------------------------------------


def test_two_tabs_are_one_presence_and_every_tab_hears_the_next_version(world: RoomWorld) -> None:
    async def scenario() -> None:
        first, second = _communicator(world.meeting.pk, world.member), _communicator(world.meeting.pk, world.member)
        facilitator = _communicator(world.meeting.pk, world.facilitator)
        for communicator in (first, second, facilitator):
            await communicator.connect(timeout=TIMEOUT)
            await _receive(communicator)
        state = await database_sync_to_async(_state)(world)
        assert state.present == {world.member.pk, world.facilitator.pk}
        # Each connection was a new version, heard by the tabs already open; all of them hear the start.
        room = await database_sync_to_async(room_command)(
            world.meeting.pk, "start", actor=world.facilitator, seen_version=state.version
        )
        for communicator in (first, second, facilitator):
            messages = []
            while True:
                message = await _receive(communicator)
                messages.append(message)
                if message["version"] == room.version:
                    break
            assert all(set(message) == {"type", "version"} for message in messages)  # never content
        await first.disconnect()
        assert world.member.pk in (await database_sync_to_async(_state)(world)).present
        await second.disconnect()
        assert world.member.pk not in (await database_sync_to_async(_state)(world)).present
        await facilitator.disconnect()

    run(scenario)


# --- frames --------------------------------------------------------------------------------------


def test_a_ping_is_answered_with_the_servers_clock(world: RoomWorld) -> None:
    async def scenario() -> None:
        communicator = _communicator(world.meeting.pk, world.member)
        await communicator.connect(timeout=TIMEOUT)
        await _receive(communicator)
        await communicator.send_json_to({"type": "ping"})
        pong = await _receive(communicator)
        assert pong["type"] == "pong"
        assert pong["server_now"].endswith("+00:00")
        await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"text_data": json.dumps({"type": "ping", "pad": "x" * 2000})}, "too_large"),
        ({"text_data": "{not json"}, "malformed"),
        ({"text_data": json.dumps({"type": "command", "command": "next"})}, "unknown_type"),
        ({"text_data": json.dumps(["ping"])}, "unknown_type"),
        ({"bytes_data": b"\x00\x01"}, "binary_frame"),
    ],
    ids=["oversized", "malformed", "forged-command", "not-an-object", "binary"],
)
def test_a_bad_frame_is_answered_with_a_code_and_the_socket_stays_open(
    world: RoomWorld, frame: dict[str, Any], code: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        communicator = _communicator(world.meeting.pk, world.member)
        await communicator.connect(timeout=TIMEOUT)
        await _receive(communicator)
        await communicator.send_to(**frame)
        assert await _receive(communicator) == {"type": "error", "code": code}
        await communicator.send_json_to({"type": "ping"})
        assert (await _receive(communicator))["type"] == "pong"
        await communicator.disconnect()

    run(scenario)
    assert code in caplog.text
    assert _state(world).version == 3  # joined, left: the frame changed nothing


# --- leaving the circle ----------------------------------------------------------------------------


def test_someone_removed_through_the_circles_services_is_disconnected_at_once_and_cannot_come_back(
    world: RoomWorld,
) -> None:
    async def scenario() -> None:
        communicator = _communicator(world.meeting.pk, world.member)
        other = _communicator(world.meeting.pk, world.members[1])
        for socket in (communicator, other):
            await socket.connect(timeout=TIMEOUT)
            await _receive(socket)
        await database_sync_to_async(membership_leave)(circle_id=world.circle.pk, user=world.member)
        assert await _closed_with(communicator) == CLOSE_NOT_ALLOWED
        # The others only hear that the room changed (the person is out of it).
        message = await _receive(other)
        while message["type"] == "version" and message["version"] < 4:
            message = await _receive(other)
        assert message["type"] == "version"
        again = _communicator(world.meeting.pk, world.member)
        await again.connect(timeout=TIMEOUT)
        assert await _closed_with(again) == CLOSE_NOT_ALLOWED
        await other.disconnect()

    run(scenario)
    assert world.member.pk not in _state(world).present


def test_someone_removed_by_any_other_means_is_closed_at_their_next_message(world: RoomWorld) -> None:
    async def scenario() -> None:
        communicator = _communicator(world.meeting.pk, world.member)
        await communicator.connect(timeout=TIMEOUT)
        await _receive(communicator)
        await database_sync_to_async(Membership.objects.filter(circle=world.circle, user=world.member).update)(
            status=MembershipStatus.LEFT
        )
        await communicator.send_json_to({"type": "ping"})
        assert await _closed_with(communicator) == CLOSE_NOT_ALLOWED

    run(scenario)
    assert world.member.pk not in _state(world).present


# --- the real stack: session cookie, allowed origin ------------------------------------------------


def test_the_asgi_application_authenticates_the_socket_with_the_session(world: RoomWorld) -> None:
    from config.asgi import application

    client = Client()
    client.force_login(world.member)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario() -> None:
        communicator = WebsocketCommunicator(
            application,
            f"/ws/salles/{world.meeting.pk}/",
            headers=[(b"cookie", cookie), (b"origin", b"http://testserver"), (b"host", b"testserver")],
        )
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        assert await _receive(communicator) == {"type": "version", "version": 2}
        await communicator.disconnect()
        stranger = WebsocketCommunicator(
            application, f"/ws/salles/{world.meeting.pk}/", headers=[(b"origin", b"http://testserver")]
        )
        await stranger.connect(timeout=TIMEOUT)
        assert await _closed_with(stranger) == CLOSE_NOT_ALLOWED
        forged = WebsocketCommunicator(
            application,
            f"/ws/salles/{world.meeting.pk}/",
            headers=[(b"cookie", cookie), (b"origin", b"http://evil.example")],
        )
        connected, _ = await forged.connect(timeout=TIMEOUT)
        assert not connected  # another site's page cannot open the socket with the person's cookie

    run(scenario)


def test_a_version_announced_while_the_socket_is_being_let_in_is_not_lost_nor_sent_early() -> None:
    from cercles.rooms.consumers import RoomConsumer

    sent: list[str] = []

    async def scenario() -> None:
        consumer = RoomConsumer()
        consumer.send = lambda text_data=None, **_: _record(text_data)  # type: ignore[method-assign,assignment]
        await consumer.room_version({"type": "room.version", "version": 7})
        await consumer.room_leave({"type": "room.leave", "circle": None})
        await consumer.receive(text_data='{"type": "ping"}')
        assert sent == []  # not let in yet (or shut out): nothing goes out
        assert consumer.version_heard_before_joining == 7

    async def _record(text: str | None) -> None:
        sent.append(text or "")

    run(scenario)


def test_a_ping_lets_a_tab_that_stopped_polling_leave_the_room(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.facilitator)
    room_presence_poll(world.meeting.pk, world.members[1], "0123456789abcdef")
    polling = world.members[1].pk

    def present() -> frozenset[int]:
        return codec.decode(Room.objects.get(meeting=world.meeting).state).present

    async def scenario() -> None:
        communicator = _communicator(world.meeting.pk, world.member)
        await communicator.connect(timeout=TIMEOUT)
        await _receive(communicator)
        assert polling in await database_sync_to_async(present)()
        with time_machine.travel(timezone.now() + POLL_PRESENCE_TIMEOUT + datetime.timedelta(seconds=5)):
            await communicator.send_json_to({"type": "ping"})
            frames = [await _receive(communicator)]
            while frames[-1]["type"] != "pong":
                frames.append(await _receive(communicator))
        assert polling not in await database_sync_to_async(present)()
        await communicator.disconnect()

    run(scenario)
