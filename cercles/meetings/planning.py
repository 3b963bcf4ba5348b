"""The dates of a cycle and Paris wall-clock times, as plain Python (no Django; checked by import-linter).

A cycle is planned in wall-clock time: "every Tuesday at 18:00" stays at 18:00 in Paris across the
DST changes, so each occurrence is a local date combined with the local time, then turned into UTC.
A local time that does not exist (02:30 on the last Sunday of March) is refused with the first time
that does; one that happens twice (02:30 on the last Sunday of October) needs the person to say which
(``fold``: 0 = the first, summer time; 1 = the second, winter time). Errors are codes with data; the
Django side turns them into French sentences (``cercles.meetings.exceptions``).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil import rrule

PARIS = ZoneInfo("Europe/Paris")
MAX_MEETINGS = 52


class Rhythm(StrEnum):
    WEEKLY = "hebdomadaire"
    FORTNIGHTLY = "bimensuel"
    MONTHLY_NTH = "mensuel_nieme"  # "le 2e mardi du mois", from the first date
    MONTHLY_LAST = "mensuel_dernier"  # "le dernier jeudi du mois", from the first date's weekday
    LIST = "liste"  # a hand-made list of dates


class PlanErrorCode(StrEnum):
    NOTHING = "nothing"
    TOO_MANY = "too_many"
    NO_FIFTH_WEEKDAY = "no_fifth_weekday"
    IN_THE_PAST = "in_the_past"
    NONEXISTENT_TIME = "nonexistent_time"
    AMBIGUOUS_TIME = "ambiguous_time"
    DUPLICATE_DATE = "duplicate_date"


@dataclass
class PlanError(Exception):
    code: PlanErrorCode
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CycleShape:
    rhythm: Rhythm
    first_date: datetime.date
    count: int
    dates: tuple[datetime.date, ...] = ()  # the hand-made list (rhythm LIST)


def weekday_rank(day: datetime.date) -> tuple[int, bool]:
    """(n, is_last): ``day`` is the n-th of its weekday in its month, and whether it is the last one."""
    n = (day.day - 1) // 7 + 1
    return n, (day + datetime.timedelta(days=7)).month != day.month


def occurrence_dates(shape: CycleShape) -> list[datetime.date]:
    """The local dates of the cycle, in order. Raises PlanError (nothing, too many, no 5th weekday)."""
    if shape.rhythm is Rhythm.LIST:
        dates = sorted(shape.dates)
        if len(set(dates)) != len(dates):
            duplicate = next(d for d, e in itertools.pairwise(dates) if d == e)
            raise PlanError(PlanErrorCode.DUPLICATE_DATE, {"date": duplicate})
    else:
        if shape.count > MAX_MEETINGS:
            raise PlanError(PlanErrorCode.TOO_MANY, {"max": MAX_MEETINGS})
        if shape.count < 1:
            raise PlanError(PlanErrorCode.NOTHING)
        start = datetime.datetime.combine(shape.first_date, datetime.time())
        weekday = rrule.weekday(shape.first_date.weekday())
        if shape.rhythm is Rhythm.WEEKLY:
            rule = rrule.rrule(rrule.WEEKLY, dtstart=start, count=shape.count)
        elif shape.rhythm is Rhythm.FORTNIGHTLY:
            rule = rrule.rrule(rrule.WEEKLY, interval=2, dtstart=start, count=shape.count)
        elif shape.rhythm is Rhythm.MONTHLY_LAST:
            rule = rrule.rrule(rrule.MONTHLY, byweekday=weekday(-1), dtstart=start, count=shape.count)
        else:
            n, _ = weekday_rank(shape.first_date)
            if n == 5:  # a 5th weekday exists in a few months only: say "le dernier" instead
                raise PlanError(PlanErrorCode.NO_FIFTH_WEEKDAY, {"date": shape.first_date})
            rule = rrule.rrule(rrule.MONTHLY, byweekday=weekday(n), dtstart=start, count=shape.count)
        dates = [moment.date() for moment in rule]
    if not dates:
        raise PlanError(PlanErrorCode.NOTHING)
    if len(dates) > MAX_MEETINGS:
        raise PlanError(PlanErrorCode.TOO_MANY, {"max": MAX_MEETINGS})
    return dates


def local_moment(
    day: datetime.date, time: datetime.time, *, zone: ZoneInfo = PARIS, fold: int | None = None
) -> datetime.datetime:
    """The aware datetime of ``time`` on ``day`` in ``zone``.

    Raises PlanError NONEXISTENT_TIME (with ``suggestion``, the same wall-clock time moved past the gap)
    or AMBIGUOUS_TIME when ``fold`` is None and the time happens twice.
    """
    first = datetime.datetime.combine(day, time, tzinfo=zone)
    second = first.replace(fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either a gap (the time never happens) or an overlap (it happens twice): a round trip tells.
        back = first.astimezone(datetime.UTC).astimezone(zone)
        if back.replace(tzinfo=None) != first.replace(tzinfo=None):
            gap = abs(first.utcoffset() - second.utcoffset())  # type: ignore[operator]
            suggestion = (datetime.datetime.combine(day, time) + gap).time()
            raise PlanError(PlanErrorCode.NONEXISTENT_TIME, {"date": day, "time": time, "suggestion": suggestion})
        if fold is None:
            raise PlanError(PlanErrorCode.AMBIGUOUS_TIME, {"date": day, "time": time})
        return first.replace(fold=fold)
    return first


def is_ambiguous(day: datetime.date, time: datetime.time, zone: ZoneInfo = PARIS) -> bool:
    try:
        local_moment(day, time, zone=zone)
    except PlanError as error:
        return error.code is PlanErrorCode.AMBIGUOUS_TIME
    return False
