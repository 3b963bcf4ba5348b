"""Reads on meetings, with the permission checks built in; each page keeps a constant number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cercles.circles.models import Circle, Membership, MembershipRole, MembershipStatus
from cercles.core.policy import allows, require
from cercles.meetings.exceptions import FeedNotFound
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
from cercles.people.models import User


def annotate_next_meeting(circles: QuerySet[Circle]) -> QuerySet[Circle]:
    """``next_meeting_at``: the start of the circle's next meeting (one subquery; None when none is planned)."""
    upcoming = (
        Meeting.objects.filter(circle=OuterRef("pk"), cancelled_at=None, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return circles.annotate(next_meeting_at=Subquery(upcoming))


def _circle(circle_id: int) -> Circle:
    circle = Circle.objects.select_related("kind").filter(pk=circle_id).first()
    if circle is None:
        raise Http404("circle not found")
    return circle


def calendar_settings_for(*, user: User) -> CalendarSettings:
    """The person's calendar settings (unsaved defaults when they never chose any)."""
    found = CalendarSettings.objects.filter(user=user).first()
    return found or CalendarSettings(user=user)


@dataclass
class CircleMeetings:
    circle: Circle
    meetings: list[Meeting]
    can_plan: bool
    can_join: bool
    can_rsvp: bool
    can_view_attendance: bool
    polls: list[Poll]
    my_answers: dict[int, str] = field(default_factory=dict)  # meeting id -> RSVP answer


def circle_meetings(*, circle_id: int, user: User) -> CircleMeetings:
    """A circle's meetings for its members, facilitators and coordinators. Raises PolicyDenied, Http404."""
    circle = _circle(circle_id)
    require(user, "meetings.view", circle)
    meetings: list[Meeting] = list(
        Meeting.objects.filter(circle=circle)
        .annotate(
            coming_count=Count("rsvps", filter=Q(rsvps__answer=RsvpAnswer.YES)),
            not_coming_count=Count("rsvps", filter=Q(rsvps__answer=RsvpAnswer.NO)),
        )
        # Meta.ordering does not apply to an aggregated query: in date order, said explicitly.
        .order_by("starts_at", "id")
    )
    can_rsvp = allows(user, "meetings.rsvp", circle)
    answers: dict[int, str] = {}
    if can_rsvp:
        answers = dict(Rsvp.objects.filter(meeting__circle=circle, user=user).values_list("meeting_id", "answer"))
    now = timezone.now()
    for meeting in meetings:
        _set_answer(meeting, answers.get(meeting.pk, ""))
        _set_room_open(meeting, now)
    return CircleMeetings(
        circle=circle,
        meetings=meetings,
        can_plan=allows(user, "meetings.plan", circle),
        can_join=allows(user, "meetings.join", circle),
        can_rsvp=can_rsvp,
        can_view_attendance=allows(user, "meetings.view_attendance", circle),
        polls=list(Poll.objects.filter(circle=circle).order_by("-created_at")),
        my_answers=answers,
    )


def _set_answer(meeting: Meeting, answer: str) -> None:
    # Named questions for the templates, which never compare stored values.
    meeting.i_come = answer == RsvpAnswer.YES  # type: ignore[attr-defined]
    meeting.i_do_not_come = answer == RsvpAnswer.NO  # type: ignore[attr-defined]


def room_is_open(meeting: Meeting, now: datetime.datetime) -> bool:
    """Whether "Entrer dans la salle" is offered: as the video link, from a little before the start to the end."""
    opens_at = meeting.starts_at - datetime.timedelta(minutes=settings.MEETINGS_JOIN_OPENS_BEFORE_MINUTES)
    return not meeting.is_cancelled and opens_at <= now < meeting.ends_at


def _set_room_open(meeting: Meeting, now: datetime.datetime) -> None:
    meeting.room_open = room_is_open(meeting, now)  # type: ignore[attr-defined]


def circle_for_planning(*, circle_id: int, user: User) -> Circle:
    circle = _circle(circle_id)
    require(user, "meetings.plan", circle)
    return circle


def meeting_get(*, meeting_id: int, user: User, action: str) -> Meeting:
    """A meeting if the policy allows ``action`` on its circle. Raises PolicyDenied, Http404."""
    meeting = Meeting.objects.select_related("circle__kind").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("meeting not found")
    require(user, action, meeting.circle)
    return meeting


def upcoming_for_user(*, user: User, now: datetime.datetime | None = None, limit: int = 50) -> list[Meeting]:
    """ "Mes prochaines séances": the person's meetings (active in the circle) that have not ended."""
    now = now or timezone.now()
    meetings: list[Meeting] = list(
        Meeting.objects.filter(
            circle__memberships__user=user,
            circle__memberships__status=MembershipStatus.ACTIVE,
            circle__cancelled_at=None,
            circle__archived_at=None,
            ends_at__gt=now,
        )
        .select_related("circle")
        .prefetch_related(Prefetch("rsvps", queryset=Rsvp.objects.filter(user=user), to_attr="my_rsvps"))
        .order_by("starts_at", "id")[:limit]
    )
    for meeting in meetings:
        _set_answer(meeting, meeting.my_rsvps[0].answer if meeting.my_rsvps else "")  # type: ignore[attr-defined]
        _set_room_open(meeting, now)
    return meetings


def feed_owner(*, token: str) -> User:
    """The person whose private feed ``token`` opens. Raises FeedNotFound (404) for a wrong or revoked one."""
    if not token or len(token) > 64:
        raise FeedNotFound()
    found = CalendarSettings.objects.select_related("user").filter(feed_token=token, user__is_active=True).first()
    if found is None:
        raise FeedNotFound()
    return found.user


FEED_HISTORY = datetime.timedelta(days=183)


def feed_meetings(*, user: User, now: datetime.datetime | None = None) -> list[Meeting]:
    """The meetings of the circles the person is active in, from six months back (cancelled ones too, so
    that calendars drop them); older ones stay in the calendars that already have them."""
    since = (now or timezone.now()) - FEED_HISTORY
    return list(
        Meeting.objects.filter(
            circle__memberships__user=user, circle__memberships__status=MembershipStatus.ACTIVE, ends_at__gte=since
        )
        .select_related("circle")
        .order_by("starts_at", "id")
    )


def programme_calendar(*, user: User, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Meeting]:
    """The programme's meetings between ``start`` and ``end`` for coordinators: dates, circle, expected and
    present counts and named attendance. Never a join link nor an RSVP. Raises PolicyDenied.

    A queryset, for the page to paginate: the prefetch then runs on one page's meetings only."""
    require(user, "meetings.programme_calendar")
    expected = (
        Membership.objects.filter(
            circle=OuterRef("circle"), status=MembershipStatus.ACTIVE, role=MembershipRole.PARTICIPANT
        )
        .order_by()
        .values("circle")
        .annotate(total=Count("id"))
        .values("total")
    )
    return (
        Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("circle")
        .annotate(
            expected_count=Subquery(expected),
            present_count=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
        )
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("user").order_by("user__last_name", "user__first_name"),
                to_attr="attendance_list",
            )
        )
        .order_by("starts_at", "id")
    )


def attendance_sheet(*, meeting: Meeting) -> list[tuple[Membership, str]]:
    """The circle's active members with their recorded status ("" when not recorded yet)."""
    members = list(
        Membership.objects.filter(
            circle=meeting.circle, status=MembershipStatus.ACTIVE, role=MembershipRole.PARTICIPANT
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )
    recorded = dict(Attendance.objects.filter(meeting=meeting).values_list("user_id", "status"))
    return [(member, recorded.get(member.user_id, "")) for member in members]


@dataclass
class SlotRow:
    slot: Slot
    yes: int
    if_needed: int
    no: int
    rank: int = 0
    answers: dict[int, str] = field(default_factory=dict)  # user id -> answer
    cells: list[str] = field(default_factory=list)  # each person's answer, as its label, in the people's order


@dataclass
class PollGrid:
    poll: Poll
    people: list[User]
    rows: list[SlotRow]
    ranked: list[SlotRow]
    mine: dict[int, str]
    can_answer: bool
    can_pick: bool


def poll_grid(*, poll_id: int, user: User) -> PollGrid:
    """The poll's table (slots × people) and its ranking: most "oui", then fewest "non", then earliest."""
    poll = Poll.objects.select_related("circle").filter(pk=poll_id).first()
    if poll is None:
        raise Http404("poll not found")
    require(user, "meetings.view_poll", poll.circle)
    slots = list(Slot.objects.filter(poll=poll).order_by("starts_at"))
    answers = list(SlotAnswer.objects.filter(slot__poll=poll).select_related("user"))
    people = sorted(
        {answer.user for answer in answers}, key=lambda person: (person.last_name, person.first_name, person.pk)
    )
    rows = {slot.pk: SlotRow(slot=slot, yes=0, if_needed=0, no=0) for slot in slots}
    for answer in answers:
        row = rows[answer.slot_id]
        row.answers[answer.user_id] = answer.answer
        if answer.answer == Availability.YES:
            row.yes += 1
        elif answer.answer == Availability.IF_NEEDED:
            row.if_needed += 1
        else:
            row.no += 1
    labels = dict(Availability.choices)
    for row in rows.values():
        row.cells = [str(labels.get(row.answers.get(person.pk, ""), "—")) for person in people]
    ordered = [rows[slot.pk] for slot in slots]
    ranked = sorted(ordered, key=lambda row: (-row.yes, row.no, row.slot.starts_at))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    mine = {slot_id: row.answers.get(user.pk, "") for slot_id, row in rows.items()}
    return PollGrid(
        poll=poll,
        people=people,
        rows=ordered,
        ranked=ranked,
        mine=mine,
        can_answer=allows(user, "meetings.answer_poll", poll.circle) and not poll.is_closed,
        can_pick=allows(user, "meetings.plan", poll.circle) and not poll.is_closed,
    )


@dataclass(frozen=True)
class AttestationData:
    circle: Circle
    person: User
    meetings: list[Meeting]
    total_minutes: int


def attestation_data(*, circle_id: int, user: User) -> AttestationData:
    """The meetings the person attended in the circle (présent·e), for their certificate."""
    circle = _circle(circle_id)
    meetings = list(
        Meeting.objects.filter(
            circle=circle, attendances__user=user, attendances__status=AttendanceStatus.PRESENT
        ).order_by("starts_at")
    )
    total = sum(meeting.duration_minutes for meeting in meetings)
    return AttestationData(circle=circle, person=user, meetings=meetings, total_minutes=total)


def rsvp_declined(*, meeting_id: int) -> QuerySet[Rsvp]:
    """Who said they will not come (for reminders: skip them) — one query."""
    return Rsvp.objects.filter(meeting_id=meeting_id, answer=RsvpAnswer.NO)
