"""Writes on meetings, RSVPs, attendance, polls and calendar settings.

Every service runs in one transaction and locks the circle row first, so that two facilitators editing
the same cycle are serialised; an edit made on an older version of a meeting is refused (its
``version``). Members are told of a change by one outbox message per person and per change, whatever
the number of meetings it touches, with an iCalendar invitation per meeting attached when it is sent
(cercles/meetings/emails.py). The circle's start and end dates follow the first and last meeting
(``circle_dates_sync``, the one place that keeps them in step).
"""

from __future__ import annotations

import datetime
import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from django.db import transaction
from django.db.models import Max, Min
from django.utils import formats, timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Circle, MeetingFormat, Membership, MembershipRole, MembershipStatus
from cercles.circles.services import circle_dates_follow
from cercles.core.page_cache import public_pages_changed
from cercles.core.policy import require
from cercles.meetings import exceptions as errors
from cercles.meetings.exceptions import MeetingEditConflict, MeetingError
from cercles.meetings.hooks import run_meetings_changed
from cercles.meetings.models import (
    Attendance,
    AttendanceStatus,
    Availability,
    CalendarSettings,
    Meeting,
    Poll,
    Rsvp,
    RsvpAnswer,
    Slot,
    SlotAnswer,
)
from cercles.meetings.planning import PARIS, CycleShape, PlanError, PlanErrorCode, local_moment, occurrence_dates
from cercles.notifications.services import message_enqueue
from cercles.people.models import User

MEETINGS_CHANGED = "meetings.changed"
ATTENDANCE_NUDGE = "meetings.attendance_nudge"


class Change:
    PLANNED = "planned"
    MOVED = "moved"
    ADDED = "added"
    CANCELLED = "cancelled"


def plan_error_message(error: PlanError) -> str:
    """The French sentence for an error of the pure planning module."""
    data = {key: _show(value) for key, value in error.data.items()}
    messages = {
        PlanErrorCode.NOTHING: errors.RHYTHM_PRODUCES_NOTHING,
        PlanErrorCode.TOO_MANY: errors.TOO_MANY_MEETINGS,
        PlanErrorCode.NO_FIFTH_WEEKDAY: errors.NO_FIFTH_WEEKDAY,
        PlanErrorCode.IN_THE_PAST: errors.DATE_IN_THE_PAST,
        PlanErrorCode.NONEXISTENT_TIME: errors.NONEXISTENT_TIME,
        PlanErrorCode.AMBIGUOUS_TIME: errors.AMBIGUOUS_TIME,
        PlanErrorCode.DUPLICATE_DATE: errors.DUPLICATE_DATE,
    }
    return str(messages[error.code]).format(**data)


def _show(value: object) -> object:
    if isinstance(value, datetime.date):
        return formats.date_format(value, "l j F Y")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return value


PLAN_ERROR_FIELDS = {
    PlanErrorCode.NOTHING: "count",
    PlanErrorCode.TOO_MANY: "count",
    PlanErrorCode.NO_FIFTH_WEEKDAY: "first_date",
    PlanErrorCode.IN_THE_PAST: "first_date",
    PlanErrorCode.NONEXISTENT_TIME: "start_time",
    PlanErrorCode.AMBIGUOUS_TIME: "fold",
    PlanErrorCode.DUPLICATE_DATE: "dates",
}


@dataclass(frozen=True)
class CyclePlan:
    """What the planning form says; ``fold`` answers an ambiguous autumn time (0 first, 1 second)."""

    shape: CycleShape
    start_time: datetime.time
    duration_minutes: int
    meeting_format: str
    place: str = ""
    video_link: str = ""
    fold: int | None = None


@dataclass(frozen=True)
class PlannedMeeting:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    holiday: str  # the French public holiday that day, or ""


def _raise_plan(error: PlanError) -> None:
    raise MeetingError(plan_error_message(error), field=PLAN_ERROR_FIELDS[error.code]) from error


def _moment(day: datetime.date, time: datetime.time, fold: int | None) -> datetime.datetime:
    try:
        return local_moment(day, time, fold=fold)
    except PlanError as error:
        _raise_plan(error)
        raise  # pragma: no cover - _raise_plan always raises


def holiday_name(day: datetime.date) -> str:
    """The French public holiday on ``day`` (metropolitan France), or "" — a warning, never a refusal."""
    return _french_holidays(day.year).get(day, "")


@functools.lru_cache(maxsize=32)
def _french_holidays(year: int) -> dict[datetime.date, str]:
    # Building a year's calendar is the slow part of a preview: once per year and process.
    import holidays

    return {day: str(name) for day, name in holidays.country_holidays("FR", years=year, language="fr").items()}


def plan_preview(*, plan: CyclePlan, now: datetime.datetime | None = None) -> list[PlannedMeeting]:
    """The meetings ``plan`` would create, with the public holidays they fall on. Raises MeetingError."""
    now = now or timezone.now()
    _check_format(plan.meeting_format, plan.place)
    try:
        dates = occurrence_dates(plan.shape)
    except PlanError as error:
        _raise_plan(error)
    planned = []
    for day in dates:
        starts_at = _moment(day, plan.start_time, plan.fold)
        if starts_at <= now:
            _raise_plan(PlanError(PlanErrorCode.IN_THE_PAST, {"date": day}))
        ends_at = starts_at + datetime.timedelta(minutes=plan.duration_minutes)
        planned.append(PlannedMeeting(starts_at=starts_at, ends_at=ends_at, holiday=holiday_name(day)))
    return planned


def _check_format(meeting_format: str, place: str) -> None:
    if meeting_format in (MeetingFormat.IN_PERSON, MeetingFormat.HYBRID) and not place.strip():
        raise MeetingError(errors.PLACE_REQUIRED, field="place")


def _lock_circle(circle_id: int) -> Circle:
    # Public pages show each circle's next meeting: every change to its meetings locks it first.
    public_pages_changed()
    circle = Circle.objects.select_for_update().get(pk=circle_id)
    if circle.cancelled_at is not None or circle.archived_at is not None:
        raise MeetingError(errors.CIRCLE_CLOSED_DOWN)
    return circle


def _new_meeting(
    circle: Circle,
    *,
    starts_at: datetime.datetime,
    duration_minutes: int,
    plan: CyclePlan | None = None,
    meeting_format: str = "",
    place: str = "",
    video_link: str = "",
) -> Meeting:
    meeting = Meeting(
        circle=circle,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=duration_minutes),
        meeting_format=plan.meeting_format if plan else meeting_format,
        place=(plan.place if plan else place).strip(),
        video_link=(plan.video_link if plan else video_link).strip(),
        room_name=f"cercles-{secrets.token_urlsafe(24)}",
    )
    # The uid is a fresh uuid4: skipping the uniqueness query keeps a 52-meeting plan at a few queries.
    meeting.full_clean(exclude=["circle"], validate_unique=False)
    return meeting


@transaction.atomic
def cycle_plan(*, circle_id: int, planned_by: User, plan: CyclePlan) -> list[Meeting]:
    """Plan a circle's cycle: create its meetings; the upcoming meetings of an earlier plan are cancelled.

    The circle's dates follow the new meetings; members get one e-mail (with the calendar entries).
    Raises PolicyDenied (``meetings.plan``), MeetingError (with the field at fault).
    """
    circle = _lock_circle(circle_id)
    require(planned_by, "meetings.plan", circle)
    now = timezone.now()
    planned = plan_preview(plan=plan, now=now)
    replaced = list(Meeting.objects.filter(circle=circle, cancelled_at=None, starts_at__gt=now))
    for meeting in replaced:
        _mark_cancelled(meeting, now)
    Meeting.objects.bulk_update(replaced, ["cancelled_at", "sequence", "version", "updated_at"])
    meetings = [
        _new_meeting(circle, starts_at=item.starts_at, duration_minutes=plan.duration_minutes, plan=plan)
        for item in planned
    ]
    Meeting.objects.bulk_create(meetings)
    circle_dates_sync(circle_id=circle.pk)
    audit_record(
        actor=planned_by,
        action=AuditAction.MEETINGS_PLAN,
        circle=circle,
        object_kind="meeting",
        count=len(meetings),
        # An earlier plan's upcoming meetings were cancelled by this one: say so, not which.
        changes=("replaced",) if replaced else (),
    )
    if replaced:
        _notify_change(circle, replaced, Change.CANCELLED)
    _notify_change(circle, meetings, Change.PLANNED)
    return meetings


def _mark_cancelled(meeting: Meeting, now: datetime.datetime) -> None:
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.version += 1
    meeting.updated_at = now


@transaction.atomic
def meeting_add(
    *,
    circle_id: int,
    added_by: User,
    day: datetime.date,
    start_time: datetime.time,
    duration_minutes: int,
    meeting_format: str,
    place: str = "",
    video_link: str = "",
    fold: int | None = None,
) -> Meeting:
    """Add one meeting to the cycle. Raises PolicyDenied, MeetingError."""
    circle = _lock_circle(circle_id)
    require(added_by, "meetings.plan", circle)
    _check_format(meeting_format, place)
    starts_at = _moment(day, start_time, fold)
    if starts_at <= timezone.now():
        _raise_plan(PlanError(PlanErrorCode.IN_THE_PAST, {"date": day}))
    meeting = _new_meeting(
        circle,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        meeting_format=meeting_format,
        place=place,
        video_link=video_link,
    )
    meeting.save()
    circle_dates_sync(circle_id=circle.pk)
    audit_record(
        actor=added_by, action=AuditAction.MEETING_ADD, circle=circle, object_kind="meeting", object_id=meeting.pk
    )
    _notify_change(circle, [meeting], Change.ADDED)
    return meeting


@dataclass(frozen=True)
class MeetingChanges:
    day: datetime.date
    start_time: datetime.time
    duration_minutes: int
    meeting_format: str
    place: str = ""
    video_link: str = ""
    fold: int | None = None


@transaction.atomic
def meeting_update(
    *, meeting_id: int, editor: User, version: int, changes: MeetingChanges, and_following: bool = False
) -> list[Meeting]:
    """Change one meeting, or it and every later one of its circle (``and_following``).

    Later meetings move by the same number of days and take the new wall-clock time, duration, format,
    place and link, so that a series keeps its Paris time across DST. Each changed meeting's SEQUENCE
    goes up; members get one e-mail. Raises PolicyDenied, MeetingEditConflict (older ``version``),
    MeetingError (past or cancelled meeting, bad time).
    """
    circle_id = Meeting.objects.values_list("circle_id", flat=True).get(pk=meeting_id)
    circle = _lock_circle(circle_id)
    require(editor, "meetings.plan", circle)
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if meeting.version != version:
        raise MeetingEditConflict()
    now = timezone.now()
    if meeting.cancelled_at is not None:
        raise MeetingError(errors.MEETING_CANCELLED)
    if meeting.ends_at <= now:
        raise MeetingError(errors.MEETING_PAST)
    _check_format(changes.meeting_format, changes.place)
    old_day = timezone.localtime(meeting.starts_at, PARIS).date()
    shift = changes.day - old_day
    before = _audited_fields(meeting)
    targets = [meeting]
    if and_following:
        targets += list(
            Meeting.objects.select_for_update()
            .filter(circle=circle, cancelled_at=None, starts_at__gt=meeting.starts_at)
            .order_by("starts_at")
        )
    for target in targets:
        day = timezone.localtime(target.starts_at, PARIS).date() + shift
        starts_at = _moment(day, changes.start_time, changes.fold)
        if starts_at <= now:
            _raise_plan(PlanError(PlanErrorCode.IN_THE_PAST, {"date": day}))
        target.starts_at = starts_at
        target.ends_at = starts_at + datetime.timedelta(minutes=changes.duration_minutes)
        target.meeting_format = changes.meeting_format
        target.place = changes.place.strip()
        target.video_link = changes.video_link.strip()
        target.sequence += 1
        target.version += 1
        target.updated_at = now
        target.full_clean(exclude=["circle"], validate_unique=False)
    Meeting.objects.bulk_update(
        targets, ["starts_at", "ends_at", "meeting_format", "place", "video_link", "sequence", "version", "updated_at"]
    )
    circle_dates_sync(circle_id=circle.pk)
    after = _audited_fields(meeting)
    audit_record(
        actor=editor,
        action=AuditAction.MEETING_UPDATE,
        circle=circle,
        object_kind="meeting",
        object_id=meeting.pk,
        changes=[name for name in before if before[name] != after[name]],
        count=len(targets),
    )
    _notify_change(circle, targets, Change.MOVED)
    return targets


def _audited_fields(meeting: Meeting) -> dict[str, object]:
    """The fields of a meeting whose change the audit log names (only their names are recorded)."""
    return {name: getattr(meeting, name) for name in ("starts_at", "ends_at", "meeting_format", "place", "video_link")}


@transaction.atomic
def meeting_cancel(*, meeting_id: int, cancelled_by: User) -> Meeting:
    """Cancel one meeting (it stays, marked cancelled; calendars remove it). Raises PolicyDenied, MeetingError."""
    circle_id = Meeting.objects.values_list("circle_id", flat=True).get(pk=meeting_id)
    circle = _lock_circle(circle_id)
    require(cancelled_by, "meetings.plan", circle)
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if meeting.cancelled_at is not None:
        raise MeetingError(errors.MEETING_CANCELLED)
    if meeting.ends_at <= timezone.now():
        raise MeetingError(errors.MEETING_PAST)
    _mark_cancelled(meeting, timezone.now())
    meeting.save(update_fields=["cancelled_at", "sequence", "version", "updated_at"])
    circle_dates_sync(circle_id=circle.pk)
    audit_record(
        actor=cancelled_by,
        action=AuditAction.MEETING_CANCEL,
        circle=circle,
        object_kind="meeting",
        object_id=meeting.pk,
    )
    _notify_change(circle, [meeting], Change.CANCELLED)
    return meeting


def meetings_cancel_for_closed_circle(circle: Circle, event: str) -> None:
    """Hook run inside circle_cancel / circle_archive: the circle's future meetings are cancelled.

    Members already receive the circle's own notice; they get one more e-mail only to carry the
    cancellations to their calendars (METHOD:CANCEL), and only when there was something upcoming.
    """
    now = timezone.now()
    upcoming = list(Meeting.objects.select_for_update().filter(circle=circle, cancelled_at=None, starts_at__gt=now))
    for meeting in upcoming:
        _mark_cancelled(meeting, now)
    Meeting.objects.bulk_update(upcoming, ["cancelled_at", "sequence", "version", "updated_at"])
    if upcoming:
        _notify_change(circle, upcoming, Change.CANCELLED)


def circle_dates_sync(*, circle_id: int) -> None:
    """Keep the circle's start and end dates on its first and last (not cancelled) meeting, in Paris."""
    bounds = Meeting.objects.filter(circle_id=circle_id, cancelled_at=None).aggregate(
        first=Min("starts_at"), last=Max("starts_at")
    )
    if bounds["first"] is None:
        return  # no meeting planned: the dates typed on the circle stay the truth
    circle_dates_follow(
        circle_id=circle_id,
        start_date=timezone.localtime(bounds["first"], PARIS).date(),
        end_date=timezone.localtime(bounds["last"], PARIS).date(),
    )


def _notify_change(circle: Circle, meetings: list[Meeting], change: str) -> None:
    """One message per person concerned (active members and facilitators), whatever the meeting count."""
    recipients = User.objects.filter(
        memberships__circle=circle, memberships__status=MembershipStatus.ACTIVE, is_active=True
    ).order_by("pk")
    # Which meetings a change touched cannot be read again from the database: it travels as the payload.
    payload = {"change": change, "meetings": ",".join(str(meeting.pk) for meeting in meetings)}
    for user in recipients:
        message_enqueue(kind=MEETINGS_CHANGED, recipient=user, about={"circle": circle.pk}, payload=payload)
    run_meetings_changed(circle, meetings)


@transaction.atomic
def rsvp_set(*, meeting_id: int, user: User, answer: str) -> Rsvp:
    """Say whether one comes to a meeting (changing one's mind replaces the answer). Raises MeetingError."""
    meeting = Meeting.objects.select_related("circle").get(pk=meeting_id)
    require(user, "meetings.rsvp", meeting.circle)
    if meeting.cancelled_at is not None:
        raise MeetingError(errors.MEETING_CANCELLED)
    if meeting.starts_at <= timezone.now():
        raise MeetingError(errors.RSVP_TOO_LATE)
    if answer not in RsvpAnswer.values:
        raise MeetingError(errors.RSVP_ANSWER_UNKNOWN)
    rsvp, _ = Rsvp.objects.update_or_create(
        meeting=meeting, user=user, defaults={"answer": answer, "answered_at": timezone.now()}
    )
    return rsvp


@transaction.atomic
def attendance_record(*, meeting_id: int, recorded_by: User, statuses: dict[int, str]) -> list[Attendance]:
    """Record présent / excusé / absent for the circle's members at a meeting (one row per person).

    People not in ``statuses`` keep what they had. Raises PolicyDenied, MeetingError (before the start).
    """
    meeting = Meeting.objects.select_for_update().select_related("circle").get(pk=meeting_id)
    require(recorded_by, "meetings.record_attendance", meeting.circle)
    now = timezone.now()
    if meeting.cancelled_at is not None:
        raise MeetingError(errors.MEETING_CANCELLED)
    if meeting.starts_at > now:
        raise MeetingError(errors.ATTENDANCE_TOO_EARLY)
    allowed = set(
        Membership.objects.filter(circle=meeting.circle, status=MembershipStatus.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    records = []
    for user_id, status in statuses.items():
        if user_id not in allowed or status not in AttendanceStatus.values:
            continue
        record, _ = Attendance.objects.update_or_create(
            meeting=meeting,
            user_id=user_id,
            defaults={"status": status, "recorded_by": recorded_by, "recorded_at": now},
        )
        records.append(record)
    meeting.attendance_recorded_at = now
    meeting.save(update_fields=["attendance_recorded_at"])
    # How many people were noted, never who was present or absent (that stays on the meeting's page).
    audit_record(
        actor=recorded_by,
        action=AuditAction.ATTENDANCE_RECORD,
        circle=meeting.circle_id,
        object_kind="meeting",
        object_id=meeting.pk,
        count=len(records),
    )
    return records


@transaction.atomic
def attendance_prefill(*, meeting_id: int, present_ids: Iterable[int]) -> int:
    """Mark "présent·e" the circle's participants seen in the meeting's live room, where nothing was recorded.

    A prefill, not a record: ``attendance_recorded_at`` stays empty until the facilitation confirms the
    sheet (and the nudge still reminds them). Returns the number of rows created."""
    already = set(Attendance.objects.filter(meeting_id=meeting_id).values_list("user_id", flat=True))
    meeting = Meeting.objects.only("circle_id").get(pk=meeting_id)
    participants = set(
        Membership.objects.filter(
            circle_id=meeting.circle_id, status=MembershipStatus.ACTIVE, role=MembershipRole.PARTICIPANT
        ).values_list("user_id", flat=True)
    )
    seen = (set(present_ids) & participants) - already
    Attendance.objects.bulk_create(
        [
            Attendance(meeting_id=meeting_id, user_id=user_id, status=AttendanceStatus.PRESENT)
            for user_id in sorted(seen)
        ],
        ignore_conflicts=True,
    )
    return len(seen)


def attendance_nudge_due(*, now: datetime.datetime | None = None) -> int:
    """Nudge the facilitators of every meeting held before today (Paris) whose attendance is not recorded.

    Each meeting is nudged once (``attendance_nudged_at``, set by a conditional UPDATE so that two
    schedulers never both nudge). Returns the number of meetings nudged.
    """
    now = now or timezone.now()
    today_start = local_moment(timezone.localtime(now, PARIS).date(), datetime.time(0, 0), fold=0)
    due = list(
        Meeting.objects.filter(
            cancelled_at=None, attendance_recorded_at=None, attendance_nudged_at=None, ends_at__lt=today_start
        ).values_list("pk", "circle_id")[:500]
    )
    nudged = 0
    for meeting_id, circle_id in due:
        with transaction.atomic():
            if not Meeting.objects.filter(pk=meeting_id, attendance_nudged_at=None).update(attendance_nudged_at=now):
                continue
            facilitators = User.objects.filter(
                memberships__circle_id=circle_id,
                memberships__status=MembershipStatus.ACTIVE,
                memberships__role="animation",
                is_active=True,
            )
            for user in facilitators:
                message_enqueue(kind=ATTENDANCE_NUDGE, recipient=user, about={"meeting": meeting_id})
            nudged += 1
    return nudged


@transaction.atomic
def calendar_feed_renew(*, user: User) -> CalendarSettings:
    """Give the person a new private feed address; the old one stops working at once."""
    settings, _ = CalendarSettings.objects.select_for_update().get_or_create(user=user)
    settings.feed_token = secrets.token_urlsafe(32)
    settings.save(update_fields=["feed_token"])
    return settings


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> CalendarSettings:
    """Stop the person's private feed (its address answers 404)."""
    settings, _ = CalendarSettings.objects.select_for_update().get_or_create(user=user)
    settings.feed_token = None
    settings.save(update_fields=["feed_token"])
    return settings


@transaction.atomic
def calendar_timezone_set(*, user: User, second_timezone: str) -> CalendarSettings:
    """Choose a second time zone shown beside Paris time ("" for none). Raises MeetingError."""
    zone = second_timezone.strip()
    if zone and (zone not in available_timezones() or zone == "Europe/Paris"):
        raise MeetingError(errors.TIMEZONE_UNKNOWN, field="second_timezone")
    if zone:
        ZoneInfo(zone)
    settings, _ = CalendarSettings.objects.select_for_update().get_or_create(user=user)
    settings.second_timezone = zone
    settings.save(update_fields=["second_timezone"])
    return settings


@transaction.atomic
def poll_create(*, circle_id: int, created_by: User, slots: list[datetime.datetime], duration_minutes: int) -> Poll:
    """Propose slots to the circle ("trouver un créneau"). Raises PolicyDenied, MeetingError (no slot, past)."""
    circle = _lock_circle(circle_id)
    require(created_by, "meetings.plan", circle)
    unique = sorted(set(slots))
    if not unique:
        raise MeetingError(errors.POLL_NO_SLOT, field="slots")
    now = timezone.now()
    for moment in unique:
        if moment <= now:
            _raise_plan(PlanError(PlanErrorCode.IN_THE_PAST, {"date": timezone.localtime(moment, PARIS).date()}))
    poll = Poll.objects.create(circle=circle, created_by=created_by, duration_minutes=duration_minutes)
    Slot.objects.bulk_create([Slot(poll=poll, starts_at=moment) for moment in unique])
    audit_record(
        actor=created_by,
        action=AuditAction.POLL_CREATE,
        circle=circle,
        object_kind="poll",
        object_id=poll.pk,
        count=len(unique),
    )
    return poll


@transaction.atomic
def poll_answer(*, poll_id: int, user: User, answers: dict[int, str]) -> list[SlotAnswer]:
    """Save one person's oui / si besoin / non for the poll's slots (an answer per slot and person).

    The poll row is locked, so that two submissions at once (two tabs) are serialised and the last one
    wins instead of failing. Raises PolicyDenied, MeetingError (closed poll, unknown slot).
    """
    poll = Poll.objects.select_for_update().select_related("circle").get(pk=poll_id)
    require(user, "meetings.answer_poll", poll.circle)
    if poll.closed_at is not None:
        raise MeetingError(errors.POLL_CLOSED)
    slot_ids = set(Slot.objects.filter(poll=poll).values_list("pk", flat=True))
    saved = []
    for slot_id, answer in answers.items():
        if slot_id not in slot_ids:
            raise MeetingError(errors.POLL_SLOT_UNKNOWN)
        if answer not in Availability.values:
            continue
        row, _ = SlotAnswer.objects.update_or_create(slot_id=slot_id, user=user, defaults={"answer": answer})
        saved.append(row)
    return saved


@transaction.atomic
def poll_pick(*, poll_id: int, picked_by: User, slot_id: int) -> Slot:
    """Close the poll on the chosen slot; the cycle is then planned from it. Raises PolicyDenied, MeetingError."""
    poll = Poll.objects.select_for_update().select_related("circle").get(pk=poll_id)
    require(picked_by, "meetings.plan", poll.circle)
    if poll.closed_at is not None:
        raise MeetingError(errors.POLL_CLOSED)
    slot = Slot.objects.filter(poll=poll, pk=slot_id).first()
    if slot is None:
        raise MeetingError(errors.POLL_SLOT_UNKNOWN)
    poll.closed_at = timezone.now()
    poll.save(update_fields=["closed_at"])
    audit_record(
        actor=picked_by, action=AuditAction.POLL_PICK, circle=poll.circle_id, object_kind="poll", object_id=poll.pk
    )
    return slot
