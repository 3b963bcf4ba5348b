"""Hypothesis stateful machine: whatever people and facilitators send, in any order, at any time,
the room stays valid, the version only grows, and time left is never negative."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cercles.rooms.reducer import reduce, settle, view
from cercles.rooms.state import (
    Accepted,
    AddMinutes,
    AssignRole,
    Command,
    DeadlineReached,
    End,
    GiveWord,
    Join,
    Jump,
    Leave,
    LowerHand,
    Mode,
    Next,
    NextSpeaker,
    PassTurn,
    Pause,
    Previous,
    RaiseHand,
    ReorderRound,
    Resume,
    RoomState,
    Start,
    Status,
    Step,
)
from cercles.rooms.tests.invariants import problems

ROLES = ("client", "consultant", "animateur")
PEOPLE = st.integers(min_value=1, max_value=7)
FACILITATOR = 1
CONNECTIONS = st.sampled_from(("a", "b"))
START = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # the night Paris moves to summer time

steps = st.builds(
    Step,
    key=st.sampled_from(("retour", "expose", "consultation", "tour", "lecture")),
    minutes=st.integers(min_value=1, max_value=30),
    mode=st.sampled_from(list(Mode)),
    speakers=st.frozensets(st.sampled_from(ROLES), max_size=2),
    advances_by_itself=st.booleans(),
)


class RoomMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.state: RoomState | None = None

    @initialize(
        plan=st.lists(steps, min_size=3, max_size=6),
        arrivals=st.lists(st.tuples(PEOPLE, CONNECTIONS), min_size=2, max_size=8),
        started=st.sampled_from((True, True, False)),
    )
    def open_room(self, plan: list[Step], arrivals: list[tuple[int, str]], started: bool) -> None:
        self.state = RoomState(
            plan=tuple(plan),
            facilitators=frozenset({FACILITATOR}),
            role_names=frozenset(ROLES),
            default_role="consultant",
            roles={FACILITATOR: "animateur", 2: "client"},
        )
        for person, connection in arrivals:
            self.send(Join(actor=person, connection=connection))
        if started:
            self.send(Start(actor=FACILITATOR))

    def send(self, command: Command) -> None:
        assert self.state is not None
        before = self.state
        outcome = reduce(before, command, self.now)
        if isinstance(outcome, Accepted):
            assert outcome.state.version == before.version + (1 if outcome.changed else 0)
            if not outcome.changed:
                assert outcome.state is before
            self.state = outcome.state

    def actor(self, data: st.DataObject) -> int:
        # Mostly the facilitator, so that meetings run; the others test the refusals.
        return data.draw(st.sampled_from((FACILITATOR, FACILITATOR, FACILITATOR, 2, 3, 4, 5, 6, 7)))

    @rule(person=PEOPLE, connection=CONNECTIONS)
    def join(self, person: int, connection: str) -> None:
        self.send(Join(actor=person, connection=connection))

    @rule(person=PEOPLE, connection=CONNECTIONS)
    def leave(self, person: int, connection: str) -> None:
        self.send(Leave(actor=person, connection=connection))

    @rule(data=st.data(), kind=st.sampled_from((Start, Next, Previous, Pause, Resume)))
    def move(self, data: st.DataObject, kind: type[Command]) -> None:
        self.send(kind(actor=self.actor(data)))

    @rule(data=st.data(), step=st.integers(-1, 7))
    def jump(self, data: st.DataObject, step: int) -> None:
        self.send(Jump(actor=self.actor(data), step=step))

    @rule(data=st.data(), minutes=st.integers(-40, 40))
    def add_minutes(self, data: st.DataObject, minutes: int) -> None:
        self.send(AddMinutes(actor=self.actor(data), minutes=minutes))

    @rule(data=st.data(), person=st.one_of(st.none(), PEOPLE))
    def give_word(self, data: st.DataObject, person: int | None) -> None:
        self.send(GiveWord(actor=self.actor(data), person=person))

    @rule(data=st.data(), person=PEOPLE, role=st.one_of(st.none(), st.sampled_from(ROLES)))
    def assign_role(self, data: st.DataObject, person: int, role: str | None) -> None:
        self.send(AssignRole(actor=self.actor(data), person=person, role=role))

    @rule(data=st.data())
    def reorder_round(self, data: st.DataObject) -> None:
        assert self.state is not None
        order = data.draw(st.permutations(self.state.order))
        self.send(ReorderRound(actor=self.actor(data), order=tuple(order)))

    @rule(data=st.data())
    def speak(self, data: st.DataObject) -> None:
        actor = self.actor(data)
        kind = data.draw(st.sampled_from((PassTurn, RaiseHand, LowerHand, NextSpeaker)))
        self.send(kind(actor=actor))

    @rule(data=st.data())
    def deadline_reached(self, data: st.DataObject) -> None:
        assert self.state is not None
        self.send(DeadlineReached(actor=self.actor(data), step=data.draw(st.integers(0, len(self.state.plan)))))

    @rule(seconds=st.integers(min_value=1, max_value=900))
    def time_passes(self, seconds: int) -> None:
        self.now += datetime.timedelta(seconds=seconds)

    @rule()
    def end(self) -> None:
        assume(self.state is not None and self.state.status != Status.ENDED)
        self.send(End(actor=FACILITATOR))

    @invariant()
    def state_is_valid(self) -> None:
        assert self.state is not None  # invariants run once the room is open
        assert problems(self.state) == []
        assert problems(settle(self.state, self.now)) == []

    @invariant()
    def time_is_never_negative_and_the_end_is_not_behind_us(self) -> None:
        assert self.state is not None  # invariants run once the room is open
        seen = view(self.state, self.now)
        assert seen.time_left >= datetime.timedelta(0)
        assert seen.overrun >= datetime.timedelta(0)
        assert not (seen.time_left and seen.overrun)
        if seen.status != Status.ENDED:
            assert seen.projected_end >= self.now

    @invariant()
    def two_tabs_of_one_person_count_once(self) -> None:
        assert self.state is not None  # invariants run once the room is open
        assert len(self.state.present) == len({person for person, _ in self.state.connections})


RoomMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_any_sequence_of_commands_keeps_the_room_valid = RoomMachine.TestCase
