"""The room's reducer: time per command and per read, with 8 and 50 people present.

    .venv/bin/python bench/reducer.py [--commands 20000]

Pure Python, no database: a codéveloppement plan (seven steps), people joining in two tabs each, then
a mix of facilitator commands (next, give the word, add minutes, pause/resume), hands raised and
turns passed, each through ``reduce``; and ``view`` (what every client shows) on the resulting state.
Prints the median and 99th percentile in microseconds. The room's services (to come) add a row lock
and one write per command on top of this.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cercles.rooms.reducer import reduce, view
from cercles.rooms.state import (
    Accepted,
    AddMinutes,
    GiveWord,
    Join,
    Jump,
    Mode,
    NextSpeaker,
    PassTurn,
    Pause,
    RaiseHand,
    Resume,
    RoomState,
    Start,
    Step,
)

PLAN = (
    Step("retour", 10, Mode.SINGLE, frozenset({"client"})),
    Step("expose", 10, Mode.SINGLE, frozenset({"client"})),
    Step("clarification", 15, Mode.FREE, frozenset({"client", "consultant"})),
    Step("contrat", 10, Mode.FREE),
    Step("consultation", 25, Mode.FREE, frozenset({"consultant"})),
    Step("synthese", 15, Mode.SINGLE, frozenset({"client"})),
    Step("apprentissages", 10, Mode.ROUND),
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(people: int, commands: int, seed: int = 7) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    now = datetime.datetime(2026, 3, 29, 0, 0, tzinfo=datetime.UTC)
    state = RoomState(
        plan=PLAN,
        facilitators=frozenset({1}),
        role_names=frozenset({"client", "consultant", "animateur"}),
        default_role="consultant",
        roles={1: "animateur", 2: "client"},
    )
    for person in range(1, people + 1):
        for tab in ("a", "b"):
            outcome = reduce(state, Join(actor=person, connection=tab), now)
            assert isinstance(outcome, Accepted)
            state = outcome.state
    outcome = reduce(state, Start(actor=1), now)
    assert isinstance(outcome, Accepted)
    state = outcome.state
    reduce_times: list[float] = []
    view_times: list[float] = []
    for _ in range(commands):
        now += datetime.timedelta(seconds=rng.randint(1, 20))
        person = rng.randint(1, people)
        command = rng.choice(
            [
                Jump(actor=1, step=rng.randrange(len(PLAN))),
                GiveWord(actor=1, person=person),
                AddMinutes(actor=1, minutes=rng.choice((-2, 2, 5))),
                Pause(actor=1),
                Resume(actor=1),
                RaiseHand(actor=person),
                PassTurn(actor=person),
                NextSpeaker(actor=1),
            ]
        )
        started = time.perf_counter()
        outcome = reduce(state, command, now)
        reduce_times.append((time.perf_counter() - started) * 1e6)
        if isinstance(outcome, Accepted):
            state = outcome.state
        started = time.perf_counter()
        view(state, now)
        view_times.append((time.perf_counter() - started) * 1e6)
    return reduce_times, view_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=20000)
    args = parser.parse_args()
    print(f"{'people':>6} {'reduce p50 µs':>14} {'reduce p99 µs':>14} {'view p50 µs':>12} {'view p99 µs':>12}")
    for people in (8, 50):
        reduce_times, view_times = run(people, args.commands)
        print(
            f"{people:>6} {statistics.median(reduce_times):>14.1f} {percentile(reduce_times, 0.99):>14.1f}"
            f" {statistics.median(view_times):>12.1f} {percentile(view_times, 0.99):>12.1f}"
        )


if __name__ == "__main__":
    main()
