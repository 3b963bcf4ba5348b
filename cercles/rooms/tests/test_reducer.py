"""The reducer, command by command: what each does, and the code of each refusal."""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo

import pytest

from cercles.rooms.reducer import MAX_CONNECTION_LENGTH, reduce, settle, view
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
    Refusal,
    Refused,
    ReorderRound,
    Resume,
    RoomState,
    Start,
    Status,
    Step,
)
from cercles.rooms.tests.invariants import problems

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# 01:30 in Paris, 30 minutes before Paris moves to summer time.
T0 = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)
ALICE, BOB, CLIENT, DORA = 1, 2, 3, 4  # Alice facilitates; Client holds the client role
MIN = datetime.timedelta(minutes=1)

PLAN = (
    Step("expose", 10, Mode.SINGLE, frozenset({"client"})),
    Step("consultation", 20, Mode.FREE, frozenset({"consultant"})),
    Step("lecture", 5, Mode.SILENCE, advances_by_itself=True),
    Step("apprentissages", 10, Mode.ROUND),
)


def room(**changes: object) -> RoomState:
    state = RoomState(
        plan=PLAN,
        facilitators=frozenset({ALICE}),
        role_names=frozenset({"client", "consultant", "animateur"}),
        default_role="consultant",
        roles={ALICE: "animateur", CLIENT: "client"},
    )
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]


def ok(state: RoomState, command: Command, now: datetime.datetime = T0) -> RoomState:
    outcome = reduce(state, command, now)
    assert isinstance(outcome, Accepted), outcome
    assert problems(outcome.state) == []
    return outcome.state


def refused(state: RoomState, command: Command, now: datetime.datetime = T0) -> Refusal:
    outcome = reduce(state, command, now)
    assert isinstance(outcome, Refused), outcome
    return outcome.code


def everyone_here() -> RoomState:
    state = room()
    for person in (ALICE, BOB, CLIENT, DORA):
        state = ok(state, Join(actor=person, connection="tab"))
    return state


def started(at: int = 0) -> RoomState:
    state = ok(everyone_here(), Start(actor=ALICE))
    return ok(state, Jump(actor=ALICE, step=at)) if at else state


def test_a_room_needs_steps_and_a_known_default_role() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        room(plan=())
    with pytest.raises(ValueError, match="default role"):
        room(default_role="inconnu")
    with pytest.raises(ValueError, match="one minute"):
        Step("x", 0, Mode.FREE)


def test_starting_opens_the_first_step_with_its_deadline_and_gives_the_client_the_word() -> None:
    state = started()
    assert state.status == Status.RUNNING
    assert state.step == 0
    assert state.deadline == T0 + 10 * MIN
    assert state.speaker == CLIENT
    assert state.version > 1


def test_only_facilitators_command_the_meeting() -> None:
    for command in (Start(actor=BOB), Next(actor=BOB), Pause(actor=BOB), AssignRole(actor=BOB, person=BOB, role=None)):
        assert refused(everyone_here(), command) == Refusal.NOT_FACILITATOR


def test_starting_twice_or_after_the_end_is_refused() -> None:
    state = started()
    assert refused(state, Start(actor=ALICE)) == Refusal.ALREADY_STARTED
    ended = ok(state, End(actor=ALICE))
    assert refused(ended, Start(actor=ALICE)) == Refusal.ENDED
    assert refused(ended, End(actor=ALICE)) == Refusal.ENDED
    assert refused(ended, Next(actor=ALICE)) == Refusal.ENDED


def test_steps_need_a_started_meeting() -> None:
    assert refused(everyone_here(), Next(actor=ALICE)) == Refusal.NOT_STARTED
    assert refused(everyone_here(), RaiseHand(actor=BOB)) == Refusal.NOT_STARTED


def test_next_previous_and_jump_move_between_steps_within_the_plan() -> None:
    state = started()
    later = T0 + 3 * MIN
    state = ok(state, Next(actor=ALICE), later)
    assert (state.step, state.deadline) == (1, later + 20 * MIN)
    assert ok(state, Previous(actor=ALICE), later).step == 0
    assert refused(started(), Previous(actor=ALICE)) == Refusal.FIRST_STEP
    last = ok(state, Jump(actor=ALICE, step=3))
    assert refused(last, Next(actor=ALICE)) == Refusal.LAST_STEP
    assert refused(last, Jump(actor=ALICE, step=4)) == Refusal.NO_SUCH_STEP
    assert refused(last, Jump(actor=ALICE, step=-1)) == Refusal.NO_SUCH_STEP


def test_two_facilitators_pressing_next_on_the_same_version_move_one_step() -> None:
    state = started()
    first = ok(state, Next(actor=ALICE))
    # The service checks the version the second press was made on; the reducer sees the new state.
    assert first.version == state.version + 1
    assert first.step == 1


def test_pause_keeps_the_time_left_and_resume_gives_it_back() -> None:
    state = started()
    paused = ok(state, Pause(actor=ALICE), T0 + 4 * MIN)
    assert paused.remaining == 6 * MIN
    assert view(paused, T0 + 50 * MIN).time_left == 6 * MIN
    assert refused(paused, Pause(actor=ALICE)) == Refusal.ALREADY_PAUSED
    resumed = ok(paused, Resume(actor=ALICE), T0 + 30 * MIN)
    assert resumed.deadline == T0 + 36 * MIN
    assert refused(resumed, Resume(actor=ALICE)) == Refusal.NOT_PAUSED


def test_moving_while_paused_stays_paused_with_the_new_step_s_full_time() -> None:
    paused = ok(started(), Pause(actor=ALICE))
    moved = ok(paused, Next(actor=ALICE))
    assert (moved.status, moved.remaining) == (Status.PAUSED, 20 * MIN)


def test_minutes_are_added_or_removed_but_the_deadline_never_goes_behind_now() -> None:
    state = started()
    assert ok(state, AddMinutes(actor=ALICE, minutes=5)).deadline == T0 + 15 * MIN
    assert ok(state, AddMinutes(actor=ALICE, minutes=-30), T0 + MIN).deadline == T0 + MIN
    paused = ok(state, Pause(actor=ALICE))
    assert ok(paused, AddMinutes(actor=ALICE, minutes=-3)).remaining == 7 * MIN
    assert ok(paused, AddMinutes(actor=ALICE, minutes=-60)).remaining == datetime.timedelta(0)
    assert refused(state, AddMinutes(actor=ALICE, minutes=0)) == Refusal.BAD_MINUTES
    assert refused(state, AddMinutes(actor=ALICE, minutes=121)) == Refusal.BAD_MINUTES


def test_a_step_runs_over_and_says_so_but_never_advances_alone() -> None:
    state = started()
    late = T0 + 13 * MIN
    seen = view(state, late)
    assert (seen.step, seen.time_left, seen.overrun) == (0, datetime.timedelta(0), 3 * MIN)
    assert seen.projected_end == late + (20 + 5 + 10) * MIN
    outcome = reduce(state, DeadlineReached(actor=BOB, step=0), late)
    assert outcome == Accepted(state, changed=False)


def test_a_silent_step_ends_by_itself_and_the_first_deadline_message_stores_it_once() -> None:
    silent = started(at=2)  # 5 minutes of silence, then the round
    assert refused(silent, DeadlineReached(actor=BOB, step=2), T0 + 4 * MIN) == Refusal.TOO_EARLY
    later = T0 + 7 * MIN
    assert view(silent, later).step == 3
    assert view(silent, later).time_left == 8 * MIN  # the round started at the silence's deadline
    first = reduce(silent, DeadlineReached(actor=BOB, step=2), later)
    assert isinstance(first, Accepted)
    assert first.changed
    assert first.state.step == 3
    assert first.state.deadline == T0 + 15 * MIN
    second = reduce(first.state, DeadlineReached(actor=DORA, step=2), later)
    assert second == Accepted(first.state, changed=False)
    assert refused(first.state, DeadlineReached(actor=BOB, step=9), later) == Refusal.NO_SUCH_STEP


def test_a_self_ending_last_step_ends_the_meeting_at_its_deadline() -> None:
    state = room(plan=(Step("journal", 5, Mode.SILENCE, advances_by_itself=True),))
    state = ok(state, Start(actor=ALICE))
    settled = settle(state, T0 + 9 * MIN)
    assert (settled.status, settled.ended_at) == (Status.ENDED, T0 + 5 * MIN)
    assert view(state, T0 + 9 * MIN).projected_end == T0 + 5 * MIN


def test_deadlines_are_exact_across_the_march_change_of_time() -> None:
    # Started at 01:30 Paris (UTC+1); 45 minutes later it is 03:15 Paris (UTC+2), not 02:15.
    state = started()
    seen = view(state, T0.astimezone(PARIS))  # a clock read in Paris time gives the same answer
    assert seen.projected_end == T0 + 45 * MIN
    assert seen.projected_end.astimezone(PARIS).strftime("%H:%M") == "03:15"
    paused = ok(state, Pause(actor=ALICE), T0.astimezone(PARIS) + 10 * MIN)
    assert paused.remaining == datetime.timedelta(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        view(state, datetime.datetime(2026, 3, 29, 1, 30))


def test_deadlines_are_exact_across_the_october_change_of_time() -> None:
    # 02:30 CEST in Paris, 30 minutes before the clocks go back to 02:00 CET.
    autumn = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)
    state = ok(everyone_here(), Start(actor=ALICE), autumn.astimezone(PARIS))
    end = view(state, autumn).projected_end
    assert end - autumn == 45 * MIN
    assert end.astimezone(PARIS).strftime("%H:%M %Z") == "02:15 CET"


def test_the_waiting_room_projects_the_whole_plan_from_now() -> None:
    seen = view(everyone_here(), T0)
    assert (seen.status, seen.time_left, seen.projected_end) == (Status.WAITING, 10 * MIN, T0 + 45 * MIN)


def test_two_tabs_of_one_person_are_one_presence_until_both_close() -> None:
    state = ok(room(), Join(actor=BOB, connection="a"))
    state = ok(state, Join(actor=BOB, connection="b"))
    assert state.present == {BOB}
    repeat = reduce(state, Join(actor=BOB, connection="b"), T0)
    assert repeat == Accepted(state, changed=False)
    state = ok(state, Leave(actor=BOB, connection="a"))
    assert state.present == {BOB}
    state = ok(state, Leave(actor=BOB, connection="b"))
    assert state.present == frozenset()
    assert refused(state, Join(actor=BOB, connection="")) == Refusal.BAD_CONNECTION
    assert refused(state, Leave(actor=BOB, connection="x" * (MAX_CONNECTION_LENGTH + 1))) == Refusal.BAD_CONNECTION


def test_the_client_gets_the_word_when_arriving_late_in_their_exposé() -> None:
    state = ok(ok(room(), Join(actor=ALICE, connection="t")), Start(actor=ALICE))
    assert state.speaker is None
    assert ok(state, Join(actor=CLIENT, connection="t")).speaker == CLIENT


def test_in_a_free_step_hands_are_raised_in_order_and_the_word_goes_to_the_first() -> None:
    state = started(at=1)
    assert refused(state, RaiseHand(actor=CLIENT)) == Refusal.CANNOT_SPEAK  # the client listens
    state = ok(state, RaiseHand(actor=DORA))
    state = ok(state, RaiseHand(actor=BOB))
    assert reduce(state, RaiseHand(actor=BOB), T0) == Accepted(state, changed=False)
    assert state.hands == (DORA, BOB)
    state = ok(state, NextSpeaker(actor=ALICE))
    assert (state.speaker, state.hands) == (DORA, (BOB,))
    assert reduce(state, RaiseHand(actor=DORA), T0) == Accepted(state, changed=False)
    state = ok(state, NextSpeaker(actor=DORA))  # the speaker ends their own turn
    assert (state.speaker, state.hands) == (BOB, ())
    assert refused(state, NextSpeaker(actor=DORA)) == Refusal.NOT_SPEAKER
    assert ok(state, NextSpeaker(actor=ALICE)).speaker is None
    lowered = ok(ok(state, RaiseHand(actor=DORA)), LowerHand(actor=DORA))
    assert lowered.hands == ()


def test_hands_are_refused_outside_free_steps_and_from_absent_people() -> None:
    assert refused(started(), RaiseHand(actor=BOB)) == Refusal.NOT_FREE
    assert refused(started(at=1), RaiseHand(actor=7)) == Refusal.NOT_PRESENT


def test_the_facilitator_gives_the_word_to_someone_present_who_may_speak() -> None:
    state = started(at=1)
    state = ok(state, RaiseHand(actor=BOB))
    given = ok(state, GiveWord(actor=ALICE, person=BOB))
    assert (given.speaker, given.hands) == (BOB, ())
    assert ok(given, GiveWord(actor=ALICE, person=None)).speaker is None
    assert refused(state, GiveWord(actor=ALICE, person=7)) == Refusal.NOT_PRESENT
    assert refused(state, GiveWord(actor=ALICE, person=CLIENT)) == Refusal.CANNOT_SPEAK
    assert refused(started(at=2), GiveWord(actor=ALICE, person=BOB)) == Refusal.CANNOT_SPEAK


def test_next_speaker_has_no_meaning_in_a_single_voice_step() -> None:
    assert refused(started(), NextSpeaker(actor=ALICE)) == Refusal.NOT_A_ROUND


def test_a_round_goes_through_everyone_present_and_je_passe_skips_a_turn() -> None:
    state = started(at=3)
    assert state.order == (ALICE, BOB, CLIENT, DORA)
    assert state.speaker == ALICE
    state = ok(state, PassTurn(actor=CLIENT))  # passes ahead of their turn
    assert refused(state, PassTurn(actor=CLIENT)) == Refusal.ALREADY_SPOKEN
    state = ok(state, NextSpeaker(actor=ALICE))
    assert state.speaker == BOB
    state = ok(state, PassTurn(actor=BOB))  # the speaker passes: the next one who has not spoken
    assert state.speaker == DORA
    assert state.passed == {CLIENT, BOB}
    state = ok(state, NextSpeaker(actor=DORA))
    assert state.speaker is None
    assert refused(state, PassTurn(actor=7)) == Refusal.NOT_IN_ROUND
    assert refused(started(), PassTurn(actor=BOB)) == Refusal.NOT_A_ROUND


def test_the_round_is_reordered_only_as_a_permutation_of_those_in_it() -> None:
    state = started(at=3)
    reordered = ok(state, ReorderRound(actor=ALICE, order=(DORA, CLIENT, BOB, ALICE)))
    assert reordered.order == (DORA, CLIENT, BOB, ALICE)
    assert ok(reordered, NextSpeaker(actor=ALICE)).speaker == DORA
    assert refused(state, ReorderRound(actor=ALICE, order=(DORA, BOB, ALICE))) == Refusal.NOT_A_PERMUTATION
    assert refused(state, ReorderRound(actor=ALICE, order=(DORA, DORA, BOB, ALICE))) == Refusal.NOT_A_PERMUTATION
    assert refused(started(), ReorderRound(actor=ALICE, order=())) == Refusal.NOT_A_ROUND


def test_leaving_during_their_turn_passes_the_word_to_the_next_in_the_round() -> None:
    state = started(at=3)
    state = ok(state, NextSpeaker(actor=ALICE))
    assert state.speaker == BOB
    state = ok(state, Leave(actor=BOB, connection="tab"))
    assert state.order == (ALICE, CLIENT, DORA)
    assert state.speaker == CLIENT
    back = ok(state, Join(actor=BOB, connection="tab"))
    assert back.order == (ALICE, CLIENT, DORA, BOB)


def test_giving_the_word_in_a_round_counts_the_previous_turn() -> None:
    state = started(at=3)
    state = ok(state, GiveWord(actor=ALICE, person=DORA))
    assert ALICE in state.done
    assert state.speaker == DORA


def test_a_round_begun_with_nobody_waits_for_the_facilitator_to_give_the_word() -> None:
    state = ok(ok(room(), Join(actor=ALICE, connection="t")), Start(actor=ALICE))
    state = ok(ok(state, Leave(actor=ALICE, connection="t")), Jump(actor=ALICE, step=3))
    assert state.order == ()
    state = ok(state, Join(actor=BOB, connection="t"))
    assert (state.order, state.speaker) == ((BOB,), None)
    assert ok(state, NextSpeaker(actor=ALICE)).speaker == BOB


def test_roles_are_assigned_among_the_method_s_roles() -> None:
    state = started()
    state = ok(state, AssignRole(actor=ALICE, person=DORA, role="client"))
    assert state.role_of(DORA) == "client"
    state = ok(state, AssignRole(actor=ALICE, person=CLIENT, role=None))
    assert state.role_of(CLIENT) == "consultant"
    assert state.speaker == DORA  # the exposé's voice follows the client role
    assert refused(state, AssignRole(actor=ALICE, person=DORA, role="roi")) == Refusal.NO_SUCH_ROLE


def test_ending_the_meeting_closes_the_word_and_fixes_the_end() -> None:
    ended = ok(started(), End(actor=ALICE), T0 + 20 * MIN)
    seen = view(ended, T0 + 60 * MIN)
    assert (seen.status, seen.time_left, seen.projected_end, seen.speaker) == (
        Status.ENDED,
        datetime.timedelta(0),
        T0 + 20 * MIN,
        None,
    )
    assert reduce(ended, DeadlineReached(actor=BOB, step=0), T0) == Accepted(ended, changed=False)


def test_an_unknown_command_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="unknown room command"):
        reduce(started(), Command(actor=ALICE), T0)


def test_states_hash_so_that_they_can_be_kept_in_sets() -> None:
    assert len({started(), started()}) == 1
