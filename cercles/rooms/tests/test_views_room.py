"""The room's HTTP side: the JSON snapshot (the contract's shape, nothing for outsiders, constant queries),
commands in JSON or without JavaScript, and the thin room page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercles.rooms.models import Room
from cercles.rooms.selectors import room_snapshot
from cercles.rooms.services import room_open, room_presence_join
from cercles.rooms.tests.room_world import RoomWorld, room_world
from tests.factories import make_user, seat

pytestmark = pytest.mark.django_db

SNAPSHOT_KEYS = {
    "meeting",
    "server_now",
    "version",
    "status",
    "step",
    "deadline",
    "time_left",
    "overrun",
    "projected_end",
    "starts_at",
    "ends_at",
    "variant",
    "steps",
    "roles",
    "default_role",
    "people",
    "speaker",
    "order",
    "done",
    "hands",
    "me",
    "writing",
}
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def world() -> RoomWorld:
    return room_world()


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _post(world: RoomWorld, user, data: dict[str, str], **headers: str):  # type: ignore[no-untyped-def]
    return _client(user).post(reverse("rooms:command", args=[world.meeting.pk]), data, **headers)


def test_a_member_reads_the_snapshot_the_contract_describes(world: RoomWorld) -> None:
    room_presence_join(world.meeting.pk, world.member, "tab-1")
    response = _client(world.member).get(reverse("rooms:snapshot", args=[world.meeting.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    assert set(data) == SNAPSHOT_KEYS
    assert (data["meeting"], data["version"], data["status"], data["step"]) == (world.meeting.pk, 2, "attente", 0)
    assert data["deadline"] is None
    assert data["time_left"] == data["steps"][0]["minutes"] * 60
    assert set(data["steps"][0]) == {
        "key", "name", "instructions", "minutes", "mode", "speakers", "prompts", "advances_by_itself", "slots"
    }  # fmt: skip
    assert {"key", "name", "visibility", "help", "writers"} <= set(data["steps"][-1]["slots"][0])
    people = {person["id"]: person for person in data["people"]}
    assert set(people) == {world.facilitator.pk, world.co_facilitator.pk, *(m.pk for m in world.members)}
    assert people[world.member.pk]["present"] is True
    assert people[world.facilitator.pk] | {"present": None} == {
        "id": world.facilitator.pk,
        "name": world.facilitator.display_name,
        "role": "animateur",
        "is_facilitator": True,
        "present": None,
    }
    assert data["me"] == {
        "id": world.member.pk,
        "name": world.member.display_name,
        "role": "consultant",
        "is_facilitator": False,
    }
    # Not started: nothing to write or read yet (what is written is tested in test_writing.py).
    assert {key: data["writing"][key] for key in ("slots", "pinned", "retour")} == {
        "slots": [],
        "pinned": [],
        "retour": [],
    }


def test_a_running_step_has_its_deadline_time_left_and_projected_end(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.facilitator)
    response = _post(world, world.facilitator, {"command": "start", "version": "1"}, **JSON)
    assert response.json() == {"ok": True, "version": 2}
    now = timezone.now()
    data = room_snapshot(world.meeting.pk, world.member, now + datetime.timedelta(minutes=40))
    first = data["steps"][0]["minutes"]
    assert data["status"] == "en_cours"
    assert data["time_left"] == 0
    assert data["overrun"] >= (40 - first) * 60 - 5
    assert datetime.datetime.fromisoformat(data["projected_end"]) > now


@pytest.mark.parametrize("persona", ["outsider", "coordinator", "observer", "superuser", "waiting"])
def test_nobody_outside_the_circle_reads_anything_of_the_room(world: RoomWorld, persona: str) -> None:
    from cercles.circles.models import MembershipStatus
    from cercles.people.models import User

    user = {
        "outsider": lambda: world.outsider,
        "coordinator": lambda: make_user("claire", is_staff=True),
        "observer": lambda: make_user("olivia", observer=True),
        "superuser": lambda: User.objects.create_superuser("root-salle@exemple.fr", "x"),
        "waiting": lambda: seat(world.circle, make_user("wendy"), status=MembershipStatus.WAITING).user,
    }[persona]()
    room_open(world.meeting, opened_by=world.member)
    response = _client(user).get(reverse("rooms:snapshot", args=[world.meeting.pk]))
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert world.member.display_name not in response.content.decode()
    assert _client(user).get(reverse("rooms:room", args=[world.meeting.pk])).status_code == 403
    refused = _post(world, user, {"command": "start", "version": "1"}, **JSON)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")


def test_the_snapshot_costs_the_same_queries_for_a_small_and_a_large_circle() -> None:
    counts = []
    for size in (2, 10):
        world = room_world(members=size)
        for member in world.members:
            room_presence_join(world.meeting.pk, member, f"tab-{member.pk}")
        user = world.members[0]
        with CaptureQueriesContext(connection) as queries:
            room_snapshot(world.meeting.pk, user, timezone.now())
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 4


def test_an_unknown_meeting_is_a_404(world: RoomWorld) -> None:
    assert _client(world.member).get(reverse("rooms:snapshot", args=[987654])).status_code == 404
    missing = _client(world.member).post(reverse("rooms:command", args=[987654]), {"command": "start"}, **JSON)
    assert missing.status_code == 404


def test_a_command_refused_in_json_gives_its_code_and_a_french_message(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    member = _post(world, world.member, {"command": "start", "version": "1"}, **JSON)
    assert (member.status_code, member.json()["code"]) == (409, "not_facilitator")
    assert member.json()["message"] == "Seule l'animation de la séance peut faire cela."
    stale = _post(world, world.facilitator, {"command": "start", "version": "7"}, **JSON)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    for version in ("", "²", "9" * 40, "deux"):
        odd = _post(world, world.facilitator, {"command": "start", "version": version}, **JSON)
        assert (odd.status_code, odd.json()["code"]) == (409, "stale_version")
    bad = _post(world, world.facilitator, {"command": "jump", "version": "1", "step": "trois"}, **JSON)
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_command")
    unknown = _post(world, world.facilitator, {"command": "<script>", "version": "1"}, **JSON)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "bad_command")


def test_without_javascript_a_command_comes_back_to_the_room_with_a_message(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    client = _client(world.member)
    refused = client.post(reverse("rooms:command", args=[world.meeting.pk]), {"command": "start", "version": "1"})
    assert refused.status_code == 303
    assert refused["Location"] == reverse("rooms:room", args=[world.meeting.pk])
    page = client.get(refused["Location"])
    assert "Seule l&#x27;animation de la séance peut faire cela." in page.content.decode()
    done = _post(world, world.facilitator, {"command": "start", "version": "1"})
    assert done.status_code == 303
    assert Room.objects.get(meeting=world.meeting).version == 2


def test_commands_need_the_csrf_token_and_a_post(world: RoomWorld) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.facilitator)
    url = reverse("rooms:command", args=[world.meeting.pk])
    assert client.post(url, {"command": "start", "version": "1"}).status_code == 403
    assert client.get(url).status_code == 405
    assert not Room.objects.filter(meeting=world.meeting, version__gt=1).exists()


def test_the_room_page_opens_the_room_for_a_member_and_asks_anonymous_visitors_to_sign_in(world: RoomWorld) -> None:
    page = _client(world.member).get(reverse("rooms:room", args=[world.meeting.pk]))
    assert page.status_code == 200
    assert page.context["snapshot"]["meeting"] == world.meeting.pk
    assert Room.objects.filter(meeting=world.meeting).exists()
    anonymous = Client().get(reverse("rooms:snapshot", args=[world.meeting.pk]))
    assert anonymous.status_code == 302


def test_a_facilitator_picks_the_variant_before_the_start_with_a_command(world: RoomWorld) -> None:
    room_open(world.meeting, opened_by=world.member)
    chosen = _post(world, world.facilitator, {"command": "variant", "variant": "deux_clients", "version": "1"}, **JSON)
    assert chosen.json() == {"ok": True, "version": 2}
    assert Room.objects.get(meeting=world.meeting).protocol_key == "deux_clients"
    stale = _post(world, world.facilitator, {"command": "variant", "variant": "seance", "version": "1"}, **JSON)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    member = _post(world, world.member, {"command": "variant", "variant": "seance", "version": "2"}, **JSON)
    assert (member.status_code, member.json()["code"]) == (403, "not_allowed")
    unknown = _post(world, world.facilitator, {"command": "variant", "variant": "x" * 500, "version": "2"}, **JSON)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "no_such_variant")


def test_a_snapshot_of_a_room_never_opened_is_a_404_and_a_plain_post_from_outside_is_a_403(world: RoomWorld) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        room_snapshot(world.meeting.pk, world.member, timezone.now())
    outside = _post(world, world.outsider, {"command": "start", "version": "1"})
    assert outside.status_code == 403
