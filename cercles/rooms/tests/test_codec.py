"""The stored room state: every state the reducer can reach comes back identical from its document."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant

from cercles.rooms.codec import CodecError, decode, encode
from cercles.rooms.state import Join, Mode, RoomState, Start, Step
from cercles.rooms.tests.test_reducer_properties import RoomMachine

NOW = datetime.datetime(2026, 10, 25, 0, 45, tzinfo=datetime.UTC)


class RoundTripMachine(RoomMachine):
    @invariant()
    def the_stored_document_gives_back_the_same_state(self) -> None:
        assert self.state is not None
        document = json.loads(json.dumps(encode(self.state)))  # what the JSON column gives back
        assert decode(document) == self.state
        assert encode(decode(document)) == document


RoundTripMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_any_reachable_state_round_trips_through_its_document = RoundTripMachine.TestCase


def _state() -> RoomState:
    return RoomState(
        plan=(Step("expose", 10, Mode.SINGLE, frozenset({"client"})), Step("tour", 5, Mode.ROUND)),
        facilitators=frozenset({1}),
        role_names=frozenset({"client", "consultant"}),
        default_role="consultant",
        roles={2: "client"},
    )


def test_a_paused_time_left_keeps_its_microseconds() -> None:
    state = _state()
    state = RoomState(**{**state.__dict__, "remaining": datetime.timedelta(minutes=3, microseconds=7)})
    assert decode(encode(state)).remaining == datetime.timedelta(minutes=3, microseconds=7)


def test_times_are_stored_in_utc_and_read_back_as_the_same_instant() -> None:
    from cercles.rooms.reducer import reduce

    outcome = reduce(reduce(_state(), Join(actor=2, connection="a"), NOW).state, Start(actor=1), NOW)  # type: ignore[union-attr]
    document = encode(outcome.state)  # type: ignore[union-attr]
    assert document["deadline"] == "2026-10-25T00:55:00+00:00"
    assert decode(document).deadline == NOW + datetime.timedelta(minutes=10)


@pytest.mark.parametrize(
    "damage",
    [
        {"format": 2},
        {"step": "1"},
        {"version": True},
        {"status": "inconnu"},
        {"deadline": "2026-10-25T00:55:00"},
        {"plan": []},
        {"roles": [[1]]},
        {"default_role": "absent"},
    ],
    ids=["format", "step-text", "version-bool", "status", "naive-time", "no-step", "bad-role-pair", "role"],
)
def test_a_document_this_codec_did_not_write_is_refused_not_half_read(damage: dict[str, object]) -> None:
    document = encode(_state()) | damage
    with pytest.raises(CodecError):
        decode(document)


def test_a_missing_field_is_refused() -> None:
    document = encode(_state())
    del document["plan"]
    with pytest.raises(CodecError):
        decode(document)
