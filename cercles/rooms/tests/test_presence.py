"""Presence beyond open sockets: tabs that follow the room by polling (their WebSocket cannot open, as
behind a proxy that blocks them) are present while they poll, out of the room a minute after they stop,
counted once with the person's other tabs, and prefill the attendance like a socket; sockets left in the
state by a process that stopped are dropped where this process holds every socket (the embedded mode)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cercles.core.policy import PolicyDenied
from cercles.meetings.models import Attendance
from cercles.rooms import codec, services
from cercles.rooms.models import Room
from cercles.rooms.services import (
    POLL_MARK_REWRITE,
    POLL_PRESENCE_TIMEOUT,
    room_command,
    room_presence_join,
    room_presence_leave,
    room_presence_poll,
)
from cercles.rooms.tests.room_world import RoomWorld, opened_room_world, room_of
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TAB = "a1b2c3d4e5f6a7b8"


@pytest.fixture
def world() -> RoomWorld:
    return opened_room_world()


_room = room_of


def _present(world: RoomWorld) -> frozenset[int]:
    return codec.decode(_room(world).state).present


def test_a_tab_that_polls_makes_its_person_present(world: RoomWorld) -> None:
    version = _room(world).version
    room_presence_poll(world.meeting.pk, world.member, TAB)
    assert world.member.pk in _present(world)
    assert _room(world).version == version + 1  # the others see them arrive


def test_polls_between_two_marks_cost_one_read_and_write_nothing(world: RoomWorld, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        room_presence_poll(world.meeting.pk, world.member, TAB)
        before = _room(world)
        traveller.shift(POLL_MARK_REWRITE - datetime.timedelta(seconds=1))
        with django_assert_num_queries(1):
            room_presence_poll(world.meeting.pk, world.member, TAB)
        after = _room(world)
    assert (after.version, after.poll_marks, after.updated_at) == (before.version, before.poll_marks, before.updated_at)


def test_a_tab_that_keeps_polling_stays_present_past_the_timeout(world: RoomWorld) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        room_presence_poll(world.meeting.pk, world.member, TAB)
        for _ in range(6):  # six minutes, a poll every 30 s
            traveller.shift(datetime.timedelta(seconds=30))
            room_presence_poll(world.meeting.pk, world.member, TAB)
            room_presence_poll(world.meeting.pk, world.facilitator)  # another tab's socket pings
        assert world.member.pk in _present(world)


def test_a_tab_that_stops_polling_leaves_at_the_next_ping_of_anyone(world: RoomWorld) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        room_presence_poll(world.meeting.pk, world.member, TAB)
        version = _room(world).version
        traveller.shift(POLL_PRESENCE_TIMEOUT - datetime.timedelta(seconds=1))
        room_presence_poll(world.meeting.pk, world.facilitator)
        assert world.member.pk in _present(world)
        traveller.shift(datetime.timedelta(seconds=2))
        room_presence_poll(world.meeting.pk, world.facilitator)
    assert world.member.pk not in _present(world)
    assert _room(world).version == version + 1
    assert _room(world).poll_marks == {}


def test_a_tab_that_stopped_polling_leaves_at_the_next_command(world: RoomWorld) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        room_presence_poll(world.meeting.pk, world.member, TAB)
        traveller.shift(POLL_PRESENCE_TIMEOUT + datetime.timedelta(seconds=1))
        room = _room(world)
        room_command(world.meeting.pk, "start", actor=world.facilitator, seen_version=room.version)
    assert world.member.pk not in _present(world)


def test_a_tab_that_wakes_up_and_polls_again_is_back(world: RoomWorld) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        room_presence_poll(world.meeting.pk, world.member, TAB)
        traveller.shift(POLL_PRESENCE_TIMEOUT * 3)
        room_presence_poll(world.meeting.pk, world.facilitator)
        assert world.member.pk not in _present(world)
        room_presence_poll(world.meeting.pk, world.member, TAB)
    assert world.member.pk in _present(world)


def test_a_polling_tab_and_a_socket_of_one_person_are_one_presence(world: RoomWorld) -> None:
    room_presence_join(world.meeting.pk, world.member, "socket-1")
    room_presence_poll(world.meeting.pk, world.member, TAB)
    room_presence_leave(world.meeting.pk, world.member.pk, "socket-1")
    assert world.member.pk in _present(world)  # still polling
    assert sorted(person for person, _ in codec.decode(_room(world).state).connections) == [world.member.pk]


def test_a_socket_is_not_timed_out_by_the_polling_rule(world: RoomWorld) -> None:
    # A socket's presence is the socket itself: it lasts until it closes, however long the meeting.
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        room_presence_join(world.meeting.pk, world.member, "socket-1")
        traveller.shift(datetime.timedelta(hours=2))
        room_presence_poll(world.meeting.pk, world.facilitator, TAB)
    assert world.member.pk in _present(world)


@pytest.mark.parametrize("tab", ["", "short", "a b c d e f g h", "<script>alert(1)</script>", "x" * 41])
def test_a_missing_or_malformed_tab_name_counts_for_nothing(world: RoomWorld, tab: str) -> None:
    version = _room(world).version
    room_presence_poll(world.meeting.pk, world.member, tab)
    assert world.member.pk not in _present(world)
    assert _room(world).version == version


def test_someone_outside_the_circle_cannot_be_made_present_by_polling(world: RoomWorld) -> None:
    with pytest.raises(PolicyDenied):
        room_presence_poll(world.meeting.pk, world.outsider, TAB)
    assert world.outsider.pk not in _present(world)


def test_a_poll_on_a_meeting_without_a_room_does_nothing(world: RoomWorld) -> None:
    Room.objects.all().delete()
    room_presence_poll(world.meeting.pk, world.member, TAB)
    assert not Room.objects.exists()


def test_someone_present_by_polling_is_prefilled_as_present_at_the_end(world: RoomWorld) -> None:
    room_presence_poll(world.meeting.pk, world.member, TAB)
    for command in ("start", "end"):
        room_command(world.meeting.pk, command, actor=world.facilitator, seen_version=_room(world).version)
    assert Attendance.objects.get(meeting=world.meeting, user=world.member).status == "present"


def test_the_snapshot_polled_with_a_tab_name_counts_the_person_present(world: RoomWorld) -> None:
    client = Client()
    client.force_login(world.member)
    url = reverse("rooms:snapshot", args=[world.meeting.pk])
    response = client.get(url, {"tab": TAB})
    assert response.status_code == 200
    assert [person["present"] for person in response.json()["people"] if person["id"] == world.member.pk] == [True]


def test_a_coordinator_polling_the_snapshot_is_refused_and_not_made_present(world: RoomWorld) -> None:
    coordinator = make_user("claire", is_staff=True)
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("rooms:snapshot", args=[world.meeting.pk]), {"tab": TAB})
    assert response.status_code == 403
    assert coordinator.pk not in _present(world)
    assert _room(world).poll_marks == {}


# --- sockets of a process that stopped --------------------------------------------------------------

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://x"]}}}


def _restart_leaving_a_socket_in_the_state(world: RoomWorld) -> None:
    """A member's socket joined, then the process stopped without closing it (a restart mid-meeting)."""
    room_presence_join(world.meeting.pk, world.member, "socket-before-restart")
    services._sockets_here.discard((world.meeting.pk, world.member.pk, "socket-before-restart"))


def test_in_the_embedded_mode_a_socket_left_by_a_stopped_process_leaves_at_the_next_command(
    world: RoomWorld, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = IN_MEMORY
    room_presence_join(world.meeting.pk, world.facilitator, "socket-after-restart")
    _restart_leaving_a_socket_in_the_state(world)
    room_command(world.meeting.pk, "start", actor=world.facilitator, seen_version=_room(world).version)
    assert _present(world) == {world.facilitator.pk}  # the facilitator's live socket stays


def test_in_the_embedded_mode_a_person_back_after_a_restart_is_present_again(world: RoomWorld, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = IN_MEMORY
    _restart_leaving_a_socket_in_the_state(world)
    room_presence_join(world.meeting.pk, world.member, "socket-after-restart")
    assert _present(world) == {world.member.pk}
    assert [connection for _, connection in codec.decode(_room(world).state).connections] == ["socket-after-restart"]


def test_with_redis_sockets_of_other_processes_are_never_dropped(world: RoomWorld, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = REDIS
    _restart_leaving_a_socket_in_the_state(world)  # to this process, another's socket looks the same
    room_command(world.meeting.pk, "start", actor=world.facilitator, seen_version=_room(world).version)
    assert world.member.pk in _present(world)


def test_a_socket_refused_at_the_door_is_not_counted_as_open_here(world: RoomWorld) -> None:
    with pytest.raises(PolicyDenied):
        room_presence_join(world.meeting.pk, world.outsider, "socket-outsider")
    assert (world.meeting.pk, world.outsider.pk, "socket-outsider") not in services._sockets_here
