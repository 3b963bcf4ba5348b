"""Writes on circles and memberships.

Every service runs in one transaction and locks the circle row before it counts places, so that two
people racing for the last place cannot both get it (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
IMMEDIATE transaction already serialises writers). E-mails are outbox rows written in the same
transaction, one per recipient (cercles/circles/emails.py says who is told what).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cercles.circles.emails import membership_event_recipients
from cercles.circles.exceptions import (
    APPLICATION_NOT_PENDING,
    CAPACITY_TOO_LOW,
    DATES_OUT_OF_ORDER,
    DEADLINE_AFTER_END,
    NOT_A_FACILITATOR,
    NOT_A_MEMBER,
    PACT_REQUIRED,
    PROFILE_INCOMPLETE,
    UNKNOWN_FACILITATOR,
    CircleEditConflict,
    CircleEditError,
    CircleManagementDenied,
    MembershipError,
)
from cercles.circles.models import (
    ApprovalMode,
    Circle,
    CircleKind,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from cercles.circles.rules import join_refusal
from cercles.circles.selectors import ACTIVE_FACILITATOR, ACTIVE_PARTICIPANT
from cercles.core.policy import allows
from cercles.core.text import normalize_for_search
from cercles.notifications.services import message_enqueue
from cercles.people.models import Departement, Profile, User


def _notify(event: str, membership: Membership) -> None:
    # One message per person, so that nobody sees the others' addresses; rendered when sent.
    for kind, recipient in membership_event_recipients(event=event, membership=membership):
        message_enqueue(kind=kind, recipient=recipient, about={"membership": membership.pk})


def _lock_circle(circle_id: int) -> Circle:
    return Circle.objects.select_for_update().select_related("kind").get(pk=circle_id)


def circle_search_text(circle: Circle) -> str:
    """The folded text that catalogue search matches against."""
    return normalize_for_search(f"{circle.title} {circle.description} {circle.kind.name}")


def _places_left(circle: Circle) -> int:
    taken = Membership.objects.filter(ACTIVE_PARTICIPANT, circle=circle).count()
    return max(circle.capacity - taken, 0)


@transaction.atomic
def circle_create(
    *,
    kind: CircleKind,
    title: str,
    description: str,
    meeting_format: str,
    start_date: datetime.date,
    end_date: datetime.date,
    join_deadline: datetime.date,
    capacity: int | None = None,
    place: str = "",
    departement: Departement | None = None,
    approval_mode: str = ApprovalMode.OPEN,
    is_open: bool = True,
    facilitators: tuple[User, ...] = (),
    meeting_count: int | None = None,
    rhythm: str | None = None,
    meeting_duration_minutes: int | None = None,
) -> Circle:
    """Create a circle from its kind's defaults (size, rhythm, length, pact) and seat its facilitators."""
    circle = Circle(
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        meeting_format=meeting_format,
        place=place,
        departement=departement,
        start_date=start_date,
        end_date=end_date,
        join_deadline=join_deadline,
        capacity=capacity if capacity is not None else kind.max_size,
        approval_mode=approval_mode,
        is_open=is_open,
        meeting_count=meeting_count if meeting_count is not None else kind.default_meeting_count,
        rhythm=rhythm or kind.default_rhythm,
        meeting_duration_minutes=meeting_duration_minutes or kind.default_duration_minutes,
    )
    _check_dates(circle)
    circle.search_text = circle_search_text(circle)
    circle.full_clean()
    circle.save()
    now = timezone.now()
    for facilitator in facilitators:
        Membership.objects.create(
            circle=circle,
            user=facilitator,
            role=MembershipRole.FACILITATOR,
            status=MembershipStatus.ACTIVE,
            joined_at=now,
            pact_accepted_at=now,
        )
    return circle


def _check_dates(circle: Circle) -> None:
    if circle.end_date < circle.start_date:
        raise CircleEditError(DATES_OUT_OF_ORDER, field="end_date")
    if circle.join_deadline > circle.end_date:
        raise CircleEditError(DEADLINE_AFTER_END, field="join_deadline")
    if circle.capacity < 1:
        raise CircleEditError(CAPACITY_TOO_LOW, field="capacity")


@dataclass(frozen=True)
class JoinOutcome:
    membership: Membership
    waitlist_rank: int | None = None


@transaction.atomic
def membership_request(
    *, circle_id: int, user: User, pact_accepted: bool, application_message: str = ""
) -> JoinOutcome:
    """Ask to join a circle after accepting its pact.

    The person becomes a member if a place is free, goes on the waiting list if not, or applies
    when the circle is "sur validation". Raises MembershipError when the circle is finished,
    closed, past its deadline, or the person is already in it; emails the facilitators on commit.
    """
    circle = _lock_circle(circle_id)
    if not pact_accepted:
        raise MembershipError(PACT_REQUIRED)
    profile = Profile.objects.filter(user=user).first()
    if profile is None or not profile.is_complete:
        raise MembershipError(PROFILE_INCOMPLETE)
    membership = Membership.objects.filter(circle=circle, user=user).first()
    refusal = join_refusal(circle=circle, membership=membership, today=timezone.localdate())
    if refusal is not None:
        raise MembershipError(refusal)
    now = timezone.now()
    membership = membership or Membership(circle=circle, user=user)
    membership.role = MembershipRole.PARTICIPANT
    membership.requested_at = now
    membership.pact_accepted_at = now
    membership.left_at = None
    membership.decision_message = ""
    membership.application_message = application_message.strip()[:2000]
    if circle.approval_mode == ApprovalMode.APPROVAL:
        membership.status = MembershipStatus.PENDING
        membership.joined_at = None
        membership.save()
        _notify("applied", membership)
        return JoinOutcome(membership)
    if _places_left(circle) > 0:
        membership.status = MembershipStatus.ACTIVE
        membership.joined_at = now
        membership.save()
        _notify("joined", membership)
        return JoinOutcome(membership)
    membership.status = MembershipStatus.WAITING
    membership.joined_at = None
    membership.save()
    _notify("waitlisted", membership)
    rank = Membership.objects.filter(circle=circle, status=MembershipStatus.WAITING).count()
    return JoinOutcome(membership, waitlist_rank=rank)


@transaction.atomic
def membership_leave(*, circle_id: int, user: User) -> Membership:
    """Leave a circle, its waiting list or withdraw an application.

    A freed place goes to the waiting list at once. When the last facilitator leaves, the
    coordinators are told. Raises MembershipError when the person is not in the circle.
    """
    circle = _lock_circle(circle_id)
    membership = (
        Membership.objects.filter(circle=circle, user=user)
        .exclude(status__in=[MembershipStatus.LEFT, MembershipStatus.REFUSED])
        .first()
    )
    if membership is None:
        raise MembershipError(NOT_A_MEMBER)
    was_active = membership.status == MembershipStatus.ACTIVE
    was_facilitator = was_active and membership.role == MembershipRole.FACILITATOR
    membership.status = MembershipStatus.LEFT
    membership.left_at = timezone.now()
    membership.save(update_fields=["status", "left_at"])
    if was_active:
        _notify("facilitator_left" if was_facilitator else "left", membership)
    if was_facilitator and not Membership.objects.filter(ACTIVE_FACILITATOR, circle=circle).exists():
        _notify("facilitator_missing", membership)
    if was_active and not was_facilitator:
        _promote_from_waitlist(circle)
    return membership


def _promote_from_waitlist(circle: Circle) -> list[Membership]:
    """Give every free place to the waiting list, first come first served. The circle must be locked."""
    if circle.end_date < timezone.localdate():
        return []  # a finished circle gives no place, and e-mails nobody that one is free
    free = _places_left(circle)
    if free <= 0:
        return []
    promoted = list(
        Membership.objects.filter(circle=circle, status=MembershipStatus.WAITING).order_by("requested_at", "id")[:free]
    )
    now = timezone.now()
    for membership in promoted:
        membership.status = MembershipStatus.ACTIVE
        membership.joined_at = now
        membership.save(update_fields=["status", "joined_at"])
        _notify("promoted", membership)
    return promoted


@transaction.atomic
def application_decide(
    *, circle_id: int, membership_id: int, decided_by: User, approve: bool, message: str = ""
) -> Membership:
    """Approve or refuse an application to a circle "sur validation"; the applicant is e-mailed.

    An approved applicant takes a free place or, when the circle is full, the waiting list.
    Raises CircleManagementDenied for someone who does not run the circle, MembershipError when
    the application was already answered.
    """
    circle = _lock_circle(circle_id)
    if not allows(decided_by, "circles.decide_application", circle):
        raise CircleManagementDenied()
    membership = Membership.objects.filter(pk=membership_id, circle=circle).first()
    if membership is None or membership.status != MembershipStatus.PENDING:
        raise MembershipError(APPLICATION_NOT_PENDING)
    membership.decision_message = message.strip()[:2000]
    if not approve:
        membership.status = MembershipStatus.REFUSED
        membership.save(update_fields=["status", "decision_message"])
        _notify("refused", membership)
        return membership
    if _places_left(circle) > 0:
        membership.status = MembershipStatus.ACTIVE
        membership.joined_at = timezone.now()
    else:
        # The queue is in order of admission: those approved earlier keep the rank they were told.
        membership.status = MembershipStatus.WAITING
        membership.requested_at = timezone.now()
    membership.save(update_fields=["status", "joined_at", "requested_at", "decision_message"])
    _notify("approved", membership)
    return membership


@dataclass(frozen=True)
class CircleChanges:
    title: str
    description: str
    meeting_format: str
    place: str
    departement: Departement | None
    start_date: datetime.date
    end_date: datetime.date
    join_deadline: datetime.date
    meeting_count: int | None
    rhythm: str
    meeting_duration_minutes: int
    capacity: int
    is_open: bool
    approval_mode: str
    pact: str


@transaction.atomic
def circle_update(*, circle_id: int, editor: User, version: int, changes: CircleChanges) -> Circle:
    """Save a facilitator's edit of their circle.

    Refuses an edit made on an older version (CircleEditConflict) so that two facilitators never
    overwrite each other silently. Raising the capacity promotes people from the waiting list.
    Raises CircleManagementDenied, CircleEditError (with the field at fault).
    """
    circle = _lock_circle(circle_id)
    if not allows(editor, "circles.manage", circle):
        raise CircleManagementDenied()
    if circle.version != version:
        raise CircleEditConflict()
    for name, value in changes.__dict__.items():
        setattr(circle, name, value.strip() if isinstance(value, str) else value)
    _check_dates(circle)
    circle.search_text = circle_search_text(circle)
    circle.version += 1
    circle.updated_at = timezone.now()
    circle.full_clean()
    circle.save()
    _promote_from_waitlist(circle)
    return circle


@transaction.atomic
def facilitator_add(*, circle_id: int, added_by: User, email: str) -> Membership:
    """Make an existing account a co-facilitator of the circle (from participant, waiting or new)."""
    circle = _lock_circle(circle_id)
    if not allows(added_by, "circles.invite_facilitator", circle):
        raise CircleManagementDenied()
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CircleEditError(UNKNOWN_FACILITATOR.format(email=email.strip()), field="email")
    membership, _created = Membership.objects.get_or_create(
        circle=circle, user=user, defaults={"status": MembershipStatus.ACTIVE, "role": MembershipRole.FACILITATOR}
    )
    was_participant = membership.status == MembershipStatus.ACTIVE and membership.role == MembershipRole.PARTICIPANT
    now = timezone.now()
    membership.role = MembershipRole.FACILITATOR
    membership.status = MembershipStatus.ACTIVE
    membership.joined_at = membership.joined_at or now
    membership.pact_accepted_at = membership.pact_accepted_at or now
    membership.left_at = None
    membership.save()
    _notify("facilitator_added", membership)
    if was_participant:
        # The participant's seat is freed: facilitators do not take places.
        _promote_from_waitlist(circle)
    return membership


@transaction.atomic
def circle_fill_from_waitlist(*, circle_id: int) -> list[Membership]:
    """Give the circle's free places to its waiting list (after an edit made outside the services, e.g. the admin)."""
    return _promote_from_waitlist(_lock_circle(circle_id))


@transaction.atomic
def facilitator_remove(*, circle_id: int, removed_by: User, membership_id: int) -> Membership:
    """Take a co-facilitator off the circle's facilitation (they leave the circle).

    When nobody is left to facilitate, the coordinators are told. Raises CircleManagementDenied,
    MembershipError when the membership is not an active facilitation of this circle.
    """
    circle = _lock_circle(circle_id)
    if not allows(removed_by, "circles.manage", circle):
        raise CircleManagementDenied()
    membership = Membership.objects.filter(ACTIVE_FACILITATOR, pk=membership_id, circle=circle).first()
    if membership is None:
        raise MembershipError(NOT_A_FACILITATOR)
    membership.status = MembershipStatus.LEFT
    membership.left_at = timezone.now()
    membership.save(update_fields=["status", "left_at"])
    _notify("facilitator_removed", membership)
    if not Membership.objects.filter(ACTIVE_FACILITATOR, circle=circle).exists():
        _notify("facilitator_missing", membership)
    return membership
