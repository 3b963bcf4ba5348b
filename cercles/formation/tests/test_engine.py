"""The pure side of the formation: choosing the number of groups, slots typed by coordinators, matching."""

from __future__ import annotations

import pytest

from cercles.formation.engine import build_problem, form_groups, group_counts, random_expectation
from cercles.formation.matching import Candidate, Directory, entries


def _data(n: int, *, slots: list[list[str]] | None = None, **extra: object) -> dict[str, object]:
    return {
        "people": [
            {
                "id": str(i),
                "attributes": {"organisation": str(i % 5), "job_family": str(i % 3)},
                "slots": (slots[i % len(slots)] if slots else ["1"]),
            }
            for i in range(n)
        ],
        "attributes": [["organisation", 3.0], ["job_family", 1.0]],
        "min_size": 6,
        "max_size": 8,
        **extra,
    }


def test_it_tries_the_group_count_closest_to_the_target_first() -> None:
    assert group_counts(_data(150))[0] == 21  # 150 / 7
    assert group_counts(_data(9)) == [1]
    assert group_counts(_data(3)) == [1]


def test_it_leaves_the_latest_applicants_out_when_seats_run_short() -> None:
    outcome = form_groups(_data(10), seed=1, seconds=None, max_iterations=50)
    assert [len(g) for g in outcome.groups] == [8]
    assert {u["person"] for u in outcome.unplaced} == {"8", "9"}
    assert {u["reason"] for u in outcome.unplaced} == {"NO_ROOM"}


def test_it_reports_the_engine_code_when_no_group_can_be_formed() -> None:
    outcome = form_groups(_data(1), seed=1, seconds=None, max_iterations=50)
    assert outcome.groups == []
    assert outcome.error_code == "TOO_FEW_PEOPLE"
    assert outcome.unplaced == [{"person": "0", "reason": "NOT_RUN"}]


def test_people_without_a_common_slot_are_reported_not_run() -> None:
    outcome = form_groups(_data(12, slots=[[str(i)] for i in range(12)]), seed=1, seconds=None, max_iterations=50)
    assert outcome.error_code == "NO_SHARED_SLOT"


def test_the_same_seed_and_iteration_count_replay_the_same_groups() -> None:
    data = _data(60, slots=[["1"], ["1", "2"], ["2"]])
    first = form_groups(data, seed=7, seconds=0.3, max_iterations=None)
    again = form_groups(
        {**data, "group_count": first.group_count}, seed=7, seconds=None, max_iterations=first.iterations
    )
    assert again.groups == first.groups


def test_a_random_grouping_is_expected_below_the_bound() -> None:
    data = _data(40)
    outcome = form_groups(data, seed=1, seconds=None, max_iterations=200)
    problem = build_problem(data, outcome.group_count)
    assert 0 < random_expectation(problem, [len(g) for g in outcome.groups]) < outcome.objective <= outcome.upper_bound


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Anne Martin, bob@exemple.fr\nMARTIN anne", ["Anne Martin", "bob@exemple.fr", "MARTIN anne"]), ("", [])],
)
def test_entries_split_on_lines_commas_and_semicolons(text: str, expected: list[str]) -> None:
    assert entries(text) == expected


def test_names_match_whatever_the_case_accents_and_order() -> None:
    directory = Directory(
        [Candidate("1", "Hélène@Exemple.fr", "Hélène", "Lefèvre"), Candidate("2", "x@y.fr", "Paul", "Roy")]
    )
    assert directory.find("helene lefevre") == {"1"}
    assert directory.find("LEFÈVRE Hélène") == {"1"}
    assert directory.find("hélène@exemple.fr") == {"1"}
    assert directory.find("Quelqu'un d'autre") == set()
