"""The room's services: opening a room from the circle's method, commands under the lock and the version
check, presence, the attendance prefill, and the room following the circle's memberships."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.http import Http404

from cercles.circles.models import CircleKind
from cercles.circles.services import membership_leave
from cercles.core.policy import PolicyDenied
from cercles.meetings.models import Attendance, AttendanceStatus, Meeting
from cercles.methods.models import KindMethod
from cercles.rooms import codec, refusals
from cercles.rooms.models import ClientTurn, Room
from cercles.rooms.refusals import RoomRefusal
from cercles.rooms.services import (
    room_choose_variant,
    room_command,
    room_group,
    room_membership_changed,
    room_open,
    room_presence_join,
    room_presence_leave,
    user_group,
)
from cercles.rooms.state import Refusal, Status
from cercles.rooms.tests.room_world import RoomWorld, room_world
from tests.factories import make_circle, make_meeting, make_user, seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> RoomWorld:
    return room_world()


@pytest.fixture(autouse=True)
def _a_fresh_channel_layer_per_test() -> None:
    # The Redis layer's locks belong to the event loop that made them; each test makes its own.
    from channels.layers import channel_layers

    channel_layers.backends = {}


def _state(meeting: Meeting):  # type: ignore[no-untyped-def]
    return codec.decode(Room.objects.get(meeting=meeting).state)


def _run(world: RoomWorld, command: str, **arguments: str) -> Room:
    room = Room.objects.filter(meeting=world.meeting).first()
    version = room.version if room else 1
    return room_command(world.meeting.pk, command, actor=world.facilitator, seen_version=version, arguments=arguments)


# --- opening ---------------------------------------------------------------------------------------


def test_the_cycles_first_meeting_opens_on_codeveloppements_first_meeting_variant(world: RoomWorld) -> None:
    room = room_open(world.meeting, opened_by=world.member)
    assert (room.method_slug, room.protocol_key) == ("codeveloppement", "premiere_seance")
    assert room.steps[0]["key"] == "accord"
    assert {"key": "client", "name": "Client·e"} in room.roles
    state = codec.decode(room.state)
    assert state.facilitators == {world.facilitator.pk, world.co_facilitator.pk}
    assert state.role_of(world.facilitator.pk) == "animateur"
    assert state.role_of(world.member.pk) == "consultant"
    assert [step.key for step in state.plan] == [step["key"] for step in room.steps]


def test_a_later_meeting_opens_on_the_standard_variant(world: RoomWorld) -> None:
    later = make_meeting(world.circle, in_days=14)
    room = room_open(later, opened_by=world.member)
    assert room.protocol_key == "seance"
    assert room.steps[0]["key"] == "retour"


def test_opening_twice_gives_the_same_room_and_an_outsider_cannot_open_it(world: RoomWorld) -> None:
    first = room_open(world.meeting, opened_by=world.member)
    assert room_open(world.meeting, opened_by=world.facilitator).pk == first.pk
    with pytest.raises(PolicyDenied):
        room_open(world.meeting, opened_by=world.outsider)


def test_the_plan_is_frozen_when_the_room_opens(world: RoomWorld) -> None:
    room = room_open(world.meeting, opened_by=world.member)
    KindMethod.objects.filter(kind=world.circle.kind).delete()  # the shipped method stays; pretend an edit
    world.circle.kind.refresh_from_db()
    assert Room.objects.get(pk=room.pk).steps == room.steps


def test_a_kind_without_a_method_gets_one_free_step_as_long_as_the_meeting() -> None:
    kind = CircleKind.objects.exclude(slug="codeveloppement").first()
    assert kind is not None
    facilitator = make_user()
    circle = make_circle(kind_slug=kind.slug, facilitators=(facilitator,))
    room = room_open(make_meeting(circle, in_days=0), opened_by=facilitator)
    assert room.method_slug == ""
    assert [(step["key"], step["minutes"], step["mode"]) for step in room.steps] == [("rencontre", 120, "libre")]
    assert codec.decode(room.state).role_of(facilitator.pk) == "animation"


def test_the_facilitation_picks_another_variant_before_the_start_only(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    room_presence_join(world.meeting.pk, world.member, "tab-1")
    room = room_choose_variant(world.meeting.pk, "deux_clients", chosen_by=world.facilitator)
    assert room.protocol_key == "deux_clients"
    assert any(step["key"] == "expose_2" for step in room.steps)
    assert world.member.pk in _state(world.meeting).present  # presence survives the new plan
    with pytest.raises(PolicyDenied):
        room_choose_variant(world.meeting.pk, "seance", chosen_by=world.member)
    with pytest.raises(RoomRefusal) as unknown:
        room_choose_variant(world.meeting.pk, "inconnue", chosen_by=world.facilitator)
    assert unknown.value.code == refusals.NO_SUCH_VARIANT
    _run(world, "start")
    with pytest.raises(RoomRefusal) as started:
        room_choose_variant(world.meeting.pk, "seance", chosen_by=world.facilitator)
    assert started.value.code == refusals.NO_SUCH_VARIANT


# --- commands --------------------------------------------------------------------------------------


def test_a_facilitator_starts_the_meeting_and_the_version_grows(world: RoomWorld) -> None:
    room = _run(world, "start")
    assert room.version == 2
    assert room.started_at is not None
    assert _state(world.meeting).status == Status.RUNNING


def test_a_command_from_an_older_version_is_refused_as_stale(
    world: RoomWorld, caplog: pytest.LogCaptureFixture
) -> None:
    _run(world, "start")
    with caplog.at_level(logging.INFO, logger="cercles.rooms"), pytest.raises(RoomRefusal) as refused:
        room_command(world.meeting.pk, "next", actor=world.co_facilitator, seen_version=1)
    assert refused.value.code == refusals.STALE_VERSION
    assert refused.value.status_code == 409
    assert _state(world.meeting).step == 0
    assert "stale_version" in caplog.text


def test_people_arriving_and_leaving_since_the_facilitator_looked_do_not_make_the_command_stale(
    world: RoomWorld,
) -> None:
    seen = _run(world, "start").version
    room_presence_join(world.meeting.pk, world.member, "tab-1")
    room_presence_join(world.meeting.pk, world.members[1], "tab-2")
    room_presence_leave(world.meeting.pk, world.member.pk, "tab-1")
    room = room_command(world.meeting.pk, "next", actor=world.facilitator, seen_version=seen)
    assert _state(world.meeting).step == 1
    assert room.meeting_version == room.version == seen + 4
    # The other facilitator, still on the version before "next", is refused: the meeting itself moved.
    with pytest.raises(RoomRefusal) as refused:
        room_command(world.meeting.pk, "next", actor=world.co_facilitator, seen_version=seen + 2)
    assert refused.value.code == refusals.STALE_VERSION
    assert _state(world.meeting).step == 1


@pytest.mark.parametrize("seen", [None, 99])
def test_a_command_without_a_version_or_from_a_version_not_yet_reached_is_stale(
    world: RoomWorld, seen: int | None
) -> None:
    _run(world, "start")
    with pytest.raises(RoomRefusal) as refused:
        room_command(world.meeting.pk, "next", actor=world.facilitator, seen_version=seen)
    assert refused.value.code == refusals.STALE_VERSION


def test_a_cancelled_meetings_room_refuses_every_command_and_stays_as_it_was(world: RoomWorld) -> None:
    _run(world, "start")
    Meeting.objects.filter(pk=world.meeting.pk).update(cancelled_at=world.meeting.starts_at)
    with pytest.raises(RoomRefusal) as refused:
        _run(world, "next")
    assert refused.value.code == refusals.MEETING_CANCELLED
    assert _state(world.meeting).step == 0
    assert Room.objects.get(meeting=world.meeting).version == 2


def test_an_idempotent_command_is_accepted_whatever_version_was_seen(world: RoomWorld) -> None:
    _run(world, "start")
    room_presence_join(world.meeting.pk, world.member, "tab-1")
    room = room_command(world.meeting.pk, "raise_hand", actor=world.member, seen_version=None)  # step 0: libre
    assert world.member.pk in codec.decode(room.state).hands


def test_a_member_acting_as_facilitator_is_refused(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    with pytest.raises(RoomRefusal) as refused:
        room_command(world.meeting.pk, "start", actor=world.member, seen_version=1)
    assert refused.value.code == Refusal.NOT_FACILITATOR
    assert _state(world.meeting).status == Status.WAITING


def test_someone_outside_the_circle_or_removed_from_it_is_refused_by_the_policy(world: RoomWorld) -> None:
    _run(world, "start")
    with pytest.raises(PolicyDenied):
        room_command(world.meeting.pk, "raise_hand", actor=world.outsider, seen_version=2)
    membership_leave(circle_id=world.circle.pk, user=world.member)
    with pytest.raises(PolicyDenied):
        room_command(world.meeting.pk, "raise_hand", actor=world.member, seen_version=2)


def test_a_meeting_that_does_not_exist_is_a_404(world: RoomWorld) -> None:
    with pytest.raises(Http404):
        room_command(0, "start", actor=world.facilitator, seen_version=1)


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("dance", {}),
        ("jump", {}),
        ("jump", {"step": "deux"}),
        ("jump", {"step": "9" * 40}),
        ("add_minutes", {"minutes": ""}),
        ("reorder", {"order": ",".join(["1"] * 101)}),
        ("assign_role", {"role": "client"}),
        ("deadline_reached", {"step": "1.5"}),
    ],
)
def test_a_command_that_does_not_parse_is_refused_as_bad_command(
    world: RoomWorld, command: str, arguments: dict[str, str]
) -> None:
    room_open(world.meeting, opened_by=world.member)
    with pytest.raises(RoomRefusal) as refused:
        room_command(world.meeting.pk, command, actor=world.facilitator, seen_version=1, arguments=arguments)
    assert refused.value.code == refusals.BAD_COMMAND
    assert refused.value.status_code == 400


def test_every_command_of_the_contract_reaches_the_reducer(world: RoomWorld) -> None:
    member = world.member
    room_presence_join(world.meeting.pk, member, "tab-1")
    room_presence_join(world.meeting.pk, world.members[1], "tab-2")
    _run(world, "start")
    _run(world, "add_minutes", minutes="5")
    _run(world, "pause")
    _run(world, "resume")
    _run(world, "give_word", person=str(member.pk))
    assert _state(world.meeting).speaker == member.pk
    _run(world, "give_word", person="")
    _run(world, "assign_role", person=str(member.pk), role="client")
    assert _state(world.meeting).role_of(member.pk) == "client"
    _run(world, "assign_role", person=str(member.pk), role="")
    _run(world, "jump", step="6")  # apprentissages, a round
    state = _state(world.meeting)
    order = list(reversed(state.order))
    _run(world, "reorder", order=",".join(map(str, order)))
    assert list(_state(world.meeting).order) == order
    _run(world, "next_speaker")
    room_command(world.meeting.pk, "pass", actor=world.members[1], seen_version=None)
    _run(world, "previous")
    _run(world, "next")
    room = room_command(world.meeting.pk, "deadline_reached", actor=member, seen_version=None, arguments={"step": "0"})
    room_command(world.meeting.pk, "lower_hand", actor=member, seen_version=None)
    assert _state(world.meeting).step == 6
    _run(world, "end")
    assert Room.objects.get(pk=room.pk).ended_at is not None


def test_the_client_turns_give_their_roles_at_the_start(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    ClientTurn.objects.create(meeting=world.meeting, person=world.members[1], position=1)
    _run(world, "start")
    assert _state(world.meeting).role_of(world.members[1].pk) == "client"


def test_the_previous_meetings_client_tells_what_they_did(world: RoomWorld) -> None:
    ClientTurn.objects.create(meeting=world.meeting, person=world.members[2], position=1)
    later = make_meeting(world.circle, in_days=14)
    room = room_open(later, opened_by=world.member)
    assert codec.decode(room.state).role_of(world.members[2].pk) == "client_precedent"


def test_a_change_is_announced_to_the_rooms_group_after_commit_with_its_version_only(
    world: RoomWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(room_group(world.meeting.pk), channel)
    room_open(world.meeting, opened_by=world.member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        room_command(world.meeting.pk, "start", actor=world.facilitator, seen_version=1)
    assert len(callbacks) == 1  # nothing is sent before the commit
    callbacks[0]()
    assert async_to_sync(layer.receive)(channel) == {"type": "room.version", "version": 2}
    async_to_sync(layer.group_discard)(room_group(world.meeting.pk), channel)


def test_a_refused_command_changes_nothing_and_announces_nothing(
    world: RoomWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room_open(world.meeting, opened_by=world.member)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RoomRefusal):
        room_command(world.meeting.pk, "next", actor=world.facilitator, seen_version=1)
    assert callbacks == []
    assert Room.objects.get(meeting=world.meeting).version == 1


# --- presence and attendance ---------------------------------------------------------------------


def test_two_tabs_of_one_person_are_one_presence_until_the_last_closes(world: RoomWorld) -> None:
    room_presence_join(world.meeting.pk, world.member, "tab-1")
    _, version = room_presence_join(world.meeting.pk, world.member, "tab-2")
    assert version == 3
    room_presence_leave(world.meeting.pk, world.member.pk, "tab-1")
    assert world.member.pk in _state(world.meeting).present
    room_presence_leave(world.meeting.pk, world.member.pk, "tab-2")
    assert world.member.pk not in _state(world.meeting).present
    room_presence_leave(world.meeting.pk, world.member.pk, "tab-2")  # a repeat changes nothing
    assert Room.objects.get(meeting=world.meeting).version == 5
    room_presence_leave(make_meeting(world.circle, in_days=0).pk, world.member.pk, "tab-9")  # no room: nothing to do


def test_an_outsider_cannot_join_the_room(world: RoomWorld) -> None:
    with pytest.raises(PolicyDenied):
        room_presence_join(world.meeting.pk, world.outsider, "tab-1")


def test_a_very_long_connection_name_is_kept_short(world: RoomWorld) -> None:
    room_presence_join(world.meeting.pk, world.member, "x" * 200)
    assert all(len(connection) <= 64 for _, connection in _state(world.meeting).connections)


def test_the_end_prefills_attendance_with_everyone_seen_in_the_room_without_overwriting(world: RoomWorld) -> None:
    first, second, third = world.members[:3]
    Attendance.objects.create(meeting=world.meeting, user=third, status=AttendanceStatus.EXCUSED)
    for person in (first, second, third, world.facilitator):
        room_presence_join(world.meeting.pk, person, f"tab-{person.pk}")
    room_presence_leave(world.meeting.pk, second.pk, f"tab-{second.pk}")  # came, then left early
    _run(world, "start")
    _run(world, "end")
    recorded = dict(Attendance.objects.filter(meeting=world.meeting).values_list("user_id", "status"))
    assert recorded == {first.pk: "present", second.pk: "present", third.pk: "excuse"}
    world.meeting.refresh_from_db()
    assert world.meeting.attendance_recorded_at is None  # the facilitation confirms


# --- memberships -----------------------------------------------------------------------------------


def test_someone_who_leaves_the_circle_leaves_the_room_and_their_sockets_are_told(
    world: RoomWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(world.member.pk), channel)
    room_presence_join(world.meeting.pk, world.member, "tab-1")
    _run(world, "start")
    _run(world, "assign_role", person=str(world.member.pk), role="client")
    version = Room.objects.get(meeting=world.meeting).version
    with django_capture_on_commit_callbacks(execute=True):
        membership_leave(circle_id=world.circle.pk, user=world.member)
    state = _state(world.meeting)
    assert world.member.pk not in state.present
    assert world.member.pk not in state.roles
    assert state.version == version + 1
    assert async_to_sync(layer.receive)(channel) == {"type": "room.leave", "circle": world.circle.pk}
    async_to_sync(layer.group_discard)(user_group(world.member.pk), channel)


def test_a_new_facilitator_may_command_at_once(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    newcomer = make_user()
    membership = seat(world.circle, newcomer)
    membership.role = "animation"
    membership.save(update_fields=["role"])
    room_membership_changed("facilitator_added", membership)
    version = Room.objects.get(meeting=world.meeting).version
    assert version == 2  # who facilitates is part of the state: clients re-read
    room = room_command(world.meeting.pk, "start", actor=newcomer, seen_version=version)
    assert newcomer.pk in codec.decode(room.state).facilitators


def test_membership_changes_in_a_circle_without_an_open_room_touch_nothing(world: RoomWorld) -> None:
    membership_leave(circle_id=world.circle.pk, user=world.member)
    assert not Room.objects.exists()


def test_a_room_opened_at_the_same_moment_by_someone_else_is_theirs(world: RoomWorld) -> None:
    from unittest import mock

    from cercles.rooms import services

    real = services._room_fields

    def opened_meanwhile(meeting, user, variant):  # type: ignore[no-untyped-def]
        fields = real(meeting, user, variant)
        Room.objects.create(meeting=meeting, **fields)  # the other person's request commits first
        return fields

    with mock.patch.object(services, "_room_fields", opened_meanwhile):
        room = room_open(world.meeting, opened_by=world.member)
    assert Room.objects.filter(meeting=world.meeting).count() == 1
    assert room.pk == Room.objects.get(meeting=world.meeting).pk


def test_a_command_name_the_room_does_not_know_is_a_bad_command() -> None:
    from cercles.rooms.services import parse_command

    with pytest.raises(RoomRefusal) as refused:
        parse_command("dance", {}, actor=1)
    assert refused.value.code == refusals.BAD_COMMAND


def test_a_push_that_fails_never_fails_the_committed_change(world: RoomWorld, caplog: pytest.LogCaptureFixture) -> None:
    from unittest import mock

    from cercles.rooms import services

    class BrokenLayer:
        async def group_send(self, group: str, message: dict[str, object]) -> None:
            raise ConnectionError("redis is down")

    with mock.patch.object(services, "get_channel_layer", return_value=BrokenLayer()):
        services.broadcast_version(world.meeting.pk, 3)
    assert "not sent" in caplog.text
    with mock.patch.object(services, "get_channel_layer", return_value=None):
        services.broadcast_version(world.meeting.pk, 3)  # no layer configured: nothing to send
