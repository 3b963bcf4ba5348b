"""The pure planning module: rhythms, and Paris wall-clock times across the DST changes of 2026 and 2027."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cercles.meetings.planning import (
    MAX_MEETINGS,
    PARIS,
    CycleShape,
    PlanError,
    PlanErrorCode,
    Rhythm,
    is_ambiguous,
    local_moment,
    occurrence_dates,
    weekday_rank,
)

D = datetime.date
T = datetime.time


def test_monthly_on_the_second_tuesday_keeps_the_second_tuesday() -> None:
    dates = occurrence_dates(CycleShape(Rhythm.MONTHLY_NTH, D(2027, 1, 12), 6))
    assert [d.isoformat() for d in dates] == [
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
        "2027-06-08",
    ]
    assert all(weekday_rank(d)[0] == 2 and d.weekday() == 1 for d in dates)


def test_monthly_on_the_last_thursday_follows_month_lengths() -> None:
    dates = occurrence_dates(CycleShape(Rhythm.MONTHLY_LAST, D(2027, 1, 28), 4))
    assert dates == [D(2027, 1, 28), D(2027, 2, 25), D(2027, 3, 25), D(2027, 4, 29)]


def test_a_fifth_weekday_is_refused_with_the_last_weekday_suggested() -> None:
    with pytest.raises(PlanError) as caught:
        occurrence_dates(CycleShape(Rhythm.MONTHLY_NTH, D(2027, 3, 30), 3))
    assert caught.value.code is PlanErrorCode.NO_FIFTH_WEEKDAY


def test_fortnightly_skips_a_week() -> None:
    dates = occurrence_dates(CycleShape(Rhythm.FORTNIGHTLY, D(2027, 1, 5), 3))
    assert dates == [D(2027, 1, 5), D(2027, 1, 19), D(2027, 2, 2)]


def test_a_count_of_zero_produces_nothing_and_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        occurrence_dates(CycleShape(Rhythm.WEEKLY, D(2027, 1, 5), 0))
    assert caught.value.code is PlanErrorCode.NOTHING


def test_a_cycle_of_500_meetings_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        occurrence_dates(CycleShape(Rhythm.WEEKLY, D(2027, 1, 5), 500))
    assert caught.value.code is PlanErrorCode.TOO_MANY
    assert caught.value.data["max"] == MAX_MEETINGS


def test_a_hand_made_list_is_sorted_and_refuses_a_date_twice() -> None:
    shape = CycleShape(Rhythm.LIST, D(2027, 2, 1), 0, dates=(D(2027, 3, 1), D(2027, 2, 1)))
    assert occurrence_dates(shape) == [D(2027, 2, 1), D(2027, 3, 1)]
    with pytest.raises(PlanError) as caught:
        occurrence_dates(CycleShape(Rhythm.LIST, D(2027, 2, 1), 0, dates=(D(2027, 2, 1), D(2027, 2, 1))))
    assert caught.value.code is PlanErrorCode.DUPLICATE_DATE


@pytest.mark.parametrize("day", [D(2026, 3, 29), D(2027, 3, 28)])
def test_a_time_in_the_spring_gap_is_refused_with_a_suggestion(day: datetime.date) -> None:
    with pytest.raises(PlanError) as caught:
        local_moment(day, T(2, 30))
    assert caught.value.code is PlanErrorCode.NONEXISTENT_TIME
    assert caught.value.data["suggestion"] == T(3, 30)


@pytest.mark.parametrize("day", [D(2026, 10, 25), D(2027, 10, 31)])
def test_a_time_in_the_autumn_overlap_must_be_chosen(day: datetime.date) -> None:
    assert is_ambiguous(day, T(2, 30))
    with pytest.raises(PlanError) as caught:
        local_moment(day, T(2, 30))
    assert caught.value.code is PlanErrorCode.AMBIGUOUS_TIME
    first, second = local_moment(day, T(2, 30), fold=0), local_moment(day, T(2, 30), fold=1)
    assert second - first == datetime.timedelta(0)  # same wall clock…
    assert second.astimezone(datetime.UTC) - first.astimezone(datetime.UTC) == datetime.timedelta(
        hours=1
    )  # …an hour apart


@pytest.mark.parametrize("first", [D(2026, 3, 17), D(2027, 10, 19)])
def test_a_weekly_series_keeps_its_paris_time_across_the_change(first: datetime.date) -> None:
    moments = [local_moment(day, T(18, 0)) for day in occurrence_dates(CycleShape(Rhythm.WEEKLY, first, 4))]
    assert {moment.astimezone(PARIS).time() for moment in moments} == {T(18, 0)}
    offsets = {moment.utcoffset() for moment in moments}
    assert len(offsets) == 2  # the UTC time moves by an hour, the Paris time does not


@given(st.dates(min_value=D(2026, 1, 1), max_value=D(2030, 12, 31)), st.integers(1, 30), st.sampled_from(list(Rhythm)))
def test_every_rhythm_gives_increasing_dates_of_the_first_weekday(
    first: datetime.date, count: int, rhythm: Rhythm
) -> None:
    assume(rhythm is not Rhythm.LIST)
    assume(not (rhythm is Rhythm.MONTHLY_NTH and weekday_rank(first)[0] == 5))
    dates = occurrence_dates(CycleShape(rhythm, first, count))
    assert len(dates) == count
    assert dates == sorted(set(dates))
    assert {d.weekday() for d in dates} == {first.weekday()}
