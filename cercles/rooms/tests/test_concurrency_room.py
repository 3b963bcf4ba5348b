"""Two facilitators press "next" at the same instant (PostgreSQL, real concurrent transactions): the row
lock and the version check move the meeting one step, not two; the other is told the room changed."""

from __future__ import annotations

import pytest
from django.db import connection

from cercles.rooms import codec, refusals
from cercles.rooms.models import Room
from cercles.rooms.refusals import RoomRefusal
from cercles.rooms.services import room_command, room_open, room_presence_join
from cercles.rooms.tests.room_world import room_world
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under real concurrent transactions")


@pytest.mark.parametrize("attempt", range(3))
def test_two_facilitators_pressing_next_at_once_move_the_meeting_one_step(attempt: int) -> None:
    world = room_world(members=2)
    room_open(world.meeting, opened_by=world.facilitator)
    room = room_command(world.meeting.pk, "start", actor=world.facilitator, seen_version=1)
    refused: list[str] = []

    def press(user):  # type: ignore[no-untyped-def]
        def action() -> None:
            try:
                room_command(world.meeting.pk, "next", actor=user, seen_version=room.version)
            except RoomRefusal as refusal:
                refused.append(refusal.code)

        return action

    errors = run_at_once([press(world.facilitator), press(world.co_facilitator)])
    assert errors == []
    stored = Room.objects.get(meeting=world.meeting)
    assert codec.decode(stored.state).step == 1
    assert stored.version == room.version + 1
    assert refused == [refusals.STALE_VERSION]


def test_people_arriving_at_once_are_all_present() -> None:
    world = room_world(members=4)
    room_open(world.meeting, opened_by=world.facilitator)
    errors = run_at_once(
        [
            (lambda person=person: room_presence_join(world.meeting.pk, person, f"tab-{person.pk}"))
            for person in world.members
        ]
    )
    assert errors == []
    state = codec.decode(Room.objects.get(meeting=world.meeting).state)
    assert state.present == {person.pk for person in world.members}
    assert state.version == 1 + len(world.members)
