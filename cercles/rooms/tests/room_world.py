"""A codéveloppement circle ready to meet: two facilitators, four members, an outsider, a meeting now."""

from __future__ import annotations

from dataclasses import dataclass

from cercles.circles.models import Circle
from cercles.meetings.models import Meeting
from cercles.people.models import User
from cercles.rooms.models import Room
from tests.factories import make_circle, make_meeting, make_user, seat


@dataclass
class RoomWorld:
    circle: Circle
    meeting: Meeting
    facilitator: User
    co_facilitator: User
    members: list[User]
    outsider: User

    @property
    def member(self) -> User:
        return self.members[0]


def room_world(*, members: int = 4) -> RoomWorld:
    facilitator, co_facilitator = make_user("anna"), make_user("boris")
    circle = make_circle(facilitators=(facilitator, co_facilitator), capacity=12)
    people = [make_user(f"membre{index}") for index in range(members)]
    for person in people:
        seat(circle, person)
    return RoomWorld(
        circle=circle,
        meeting=make_meeting(circle, in_days=0),
        facilitator=facilitator,
        co_facilitator=co_facilitator,
        members=people,
        outsider=make_user("olga"),
    )


def opened_room_world() -> RoomWorld:
    """The same circle with its meeting's room already opened by the facilitator."""
    from cercles.rooms.services import room_open

    world = room_world()
    room_open(world.meeting, opened_by=world.facilitator)
    return world


def room_of(world: RoomWorld) -> Room:
    """The meeting's room as stored now."""
    return Room.objects.get(meeting=world.meeting)
