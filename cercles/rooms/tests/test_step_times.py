"""How long each step really ran (pauses excluded), kept beside the plan and shown in the summary."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cercles.rooms.selectors import meeting_summary, seconds_run_by_step
from cercles.rooms.services import room_command
from cercles.rooms.tests.room_world import RoomWorld, opened_room_world, room_of

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def world() -> RoomWorld:
    return opened_room_world()


_room = room_of


def _run(world: RoomWorld, command: str, **arguments: str) -> None:
    room_command(
        world.meeting.pk, command, actor=world.facilitator, seen_version=_room(world).version, arguments=arguments
    )


def _meeting_with_a_pause(world: RoomWorld, traveller: time_machine.Coordinates) -> None:
    """Step 1 runs 5 minutes; step 2 runs 3, pauses 10, runs 2 more; then the meeting ends."""
    _run(world, "start")
    traveller.shift(5 * MINUTE)
    _run(world, "next")
    traveller.shift(3 * MINUTE)
    _run(world, "pause")
    traveller.shift(10 * MINUTE)
    _run(world, "resume")
    traveller.shift(2 * MINUTE)
    _run(world, "end")


def test_each_stretch_a_step_ran_is_kept_and_pauses_are_not_counted(world: RoomWorld) -> None:
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        _meeting_with_a_pause(world, traveller)
    at = start.timestamp()
    assert _room(world).step_times == [
        [0, at, at + 300],
        [1, at + 300, at + 480],
        [1, at + 1080, at + 1200],
    ]
    assert seconds_run_by_step(_room(world), start + 60 * MINUTE) == {0: 300, 1: 300}


def test_the_step_running_now_counts_until_now(world: RoomWorld) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _run(world, "start")
    assert seconds_run_by_step(_room(world), start + 4 * MINUTE) == {0: 240}


def test_jumping_back_to_a_step_adds_to_its_time(world: RoomWorld) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        _run(world, "start")
        traveller.shift(2 * MINUTE)
        _run(world, "next")
        traveller.shift(1 * MINUTE)
        _run(world, "previous")
        traveller.shift(3 * MINUTE)
        _run(world, "end")
    assert seconds_run_by_step(_room(world), start + 60 * MINUTE) == {0: 300, 1: 60}


def test_commands_that_keep_the_step_running_start_no_new_stretch(world: RoomWorld) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _run(world, "start")
        traveller.shift(MINUTE)
        _run(world, "add_minutes", minutes="5")
    assert len(_room(world).step_times) == 1


def test_the_summary_shows_the_minutes_planned_and_the_minutes_run(world: RoomWorld) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _meeting_with_a_pause(world, traveller)
    steps = meeting_summary(meeting_id=world.meeting.pk, user=world.member).steps
    assert [step.minutes_run for step in steps[:3]] == [5, 5, None]
    client = Client()
    client.force_login(world.member)
    page = client.get(reverse("rooms:summary", args=[world.meeting.pk])).content.decode()
    assert f"{steps[0].minutes} minutes prévues, 5 minutes en réalité" in page
    assert "étape non jouée" in page


def test_a_step_shorter_than_a_minute_says_so_and_a_room_never_started_says_nothing_of_time(
    world: RoomWorld,
) -> None:
    client = Client()
    client.force_login(world.member)
    url = reverse("rooms:summary", args=[world.meeting.pk])
    assert "en réalité" not in client.get(url).content.decode()
    assert "non jouée" not in client.get(url).content.decode()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _run(world, "start")
        traveller.shift(datetime.timedelta(seconds=20))
        _run(world, "next")
    assert "moins d'une minute en réalité" in client.get(url).content.decode()
