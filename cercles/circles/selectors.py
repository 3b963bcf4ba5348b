"""Reads on circles, with the permission checks built in."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.hooks import annotate_circle_list, circle_page_templates
from cercles.circles.models import (
    ApprovalMode,
    Circle,
    CircleKind,
    CircleStatus,
    FacilitatorInvitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    Need,
)
from cercles.circles.rules import join_refusal
from cercles.core.policy import allows, require
from cercles.core.text import normalize_for_search
from cercles.people.models import User

ACTIVE_PARTICIPANT = Q(status=MembershipStatus.ACTIVE, role=MembershipRole.PARTICIPANT)
ACTIVE_FACILITATOR = Q(status=MembershipStatus.ACTIVE, role=MembershipRole.FACILITATOR)


def _count_memberships(condition: Q) -> Coalesce:
    # A subquery per counter (not a JOIN + GROUP BY) so that several counters do not multiply rows.
    subquery = (
        Membership.objects.filter(condition, circle=OuterRef("pk"))
        .order_by()
        .values("circle")
        .annotate(total=Count("id"))
        .values("total")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def with_status(circles: QuerySet[Circle], *, today: datetime.date | None = None) -> QuerySet[Circle]:
    """Annotate counts and the derived status; the single definition of what each status means."""
    today = today or timezone.localdate()
    return circles.annotate(
        participant_count=_count_memberships(ACTIVE_PARTICIPANT),
        waiting_count=_count_memberships(Q(status=MembershipStatus.WAITING)),
        facilitator_count=_count_memberships(ACTIVE_FACILITATOR),
    ).annotate(
        places_left=Greatest(F("capacity") - F("participant_count"), Value(0)),
        status=Case(
            # Cancelled or archived wins over the dates: such a circle is never "open" nor "running".
            When(cancelled_at__isnull=False, then=Value(CircleStatus.CANCELLED.value)),
            When(archived_at__isnull=False, then=Value(CircleStatus.ARCHIVED.value)),
            When(end_date__lt=today, then=Value(CircleStatus.FINISHED.value)),
            When(start_date__lte=today, then=Value(CircleStatus.RUNNING.value)),
            When(Q(is_open=False) | Q(join_deadline__lt=today), then=Value(CircleStatus.CLOSED.value)),
            When(participant_count__gte=F("capacity"), then=Value(CircleStatus.FULL.value)),
            default=Value(CircleStatus.OPEN.value),
        ),
    )


def _facilitators_prefetch() -> Prefetch:  # type: ignore[type-arg]
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(ACTIVE_FACILITATOR).select_related("user").order_by("joined_at", "id"),
        to_attr="facilitator_memberships",
    )


def _public_circles(*, today: datetime.date | None = None) -> QuerySet[Circle]:
    return annotate_circle_list(
        with_status(Circle.objects.all(), today=today)
        .select_related("kind", "departement__region")
        .prefetch_related(_facilitators_prefetch())
    )


@dataclass(frozen=True)
class CatalogueFilters:
    """Filters of the catalogue; unknown or malformed values are ignored, never an error."""

    query: str = ""
    kind: str = ""
    status: str = ""
    meeting_format: str = ""
    region: str = ""
    need: str = ""


def circle_list_catalogue(*, filters: CatalogueFilters) -> QuerySet[Circle]:
    circles = _public_circles()
    if filters.query:
        for word in normalize_for_search(filters.query).split()[:10]:
            circles = circles.filter(search_text__contains=word)
    if filters.kind:
        circles = circles.filter(kind__slug=filters.kind)
    if filters.need in Need.values:
        circles = circles.filter(kind__need=filters.need)
    if filters.status in CircleStatus.values:
        circles = circles.filter(status=filters.status)  # type: ignore[misc]  # annotated by with_status
    if filters.meeting_format:
        circles = circles.filter(meeting_format=filters.meeting_format)
    if filters.region:
        circles = circles.filter(departement__region__code=filters.region)
    # Open circles first, then the ones that start soonest.
    open_first = Case(When(status=CircleStatus.OPEN.value, then=Value(0)), default=Value(1))
    return circles.order_by(open_first, "start_date", "title", "id")


@dataclass
class NeedSection:
    need: str
    label: str
    kinds: list[CircleKind] = field(default_factory=list)
    open_count: int = 0


def home_need_sections() -> list[NeedSection]:
    """The programme by need: each need with its kinds and how many of its circles are open. Two queries."""
    sections = {value: NeedSection(need=value, label=str(label)) for value, label in Need.choices}
    for kind in CircleKind.objects.order_by("position", "name"):
        sections[kind.need].kinds.append(kind)
    open_counts = (
        with_status(Circle.objects.all())
        .filter(status=CircleStatus.OPEN.value)  # type: ignore[misc]  # annotated by with_status
        .order_by()
        .values("kind__need")
        .annotate(total=Count("id"))
    )
    for row in open_counts:
        sections[row["kind__need"]].open_count = row["total"]
    return [section for section in sections.values() if section.kinds]


def circle_list_open_soon(*, limit: int = 6) -> list[Circle]:
    circles = _public_circles().filter(status=CircleStatus.OPEN.value).order_by("join_deadline", "id")  # type: ignore[misc]
    return list(circles[:limit])


@dataclass
class CircleView:
    """A circle as one person may see it."""

    circle: Circle
    membership: Membership | None
    can_see_members: bool
    can_manage: bool
    waitlist_rank: int | None
    members: list[Membership]
    pending_applications: list[Membership]
    waiting_list: list[Membership]
    can_ask_to_join: bool
    # Sections that apps above circles add to the page (cercles.circles.hooks.on_circle_page).
    extra_templates: list[str] = field(default_factory=list)


def circle_get(*, circle_id: int) -> Circle:
    """A circle with its status, for any visitor. Raises Http404."""
    circle = _public_circles().filter(pk=circle_id).first()
    if circle is None:
        raise Http404("circle not found")
    return circle


def circle_get_for_user(*, circle_id: int, user: User | None) -> CircleView:
    """The circle page's data. Member lists only for members, facilitators and coordinators."""
    circle = circle_get(circle_id=circle_id)
    membership = None
    if user is not None and user.is_authenticated:
        membership = Membership.objects.filter(circle=circle, user=user).first()
        # The policy's predicates reuse this lookup instead of repeating it (cercles.circles.rules).
        circle.__dict__["_policy_memberships"] = {user.pk: membership}
    can_see_members = allows(user, "circles.view_members", circle)
    can_manage = allows(user, "circles.manage", circle)
    members: list[Membership] = []
    pending: list[Membership] = []
    waiting: list[Membership] = []
    if can_see_members:
        members = list(
            Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE)
            .select_related("user__profile__organisation", "user__profile__departement")
            .order_by("role", "user__last_name", "user__first_name", "id")
        )
    if can_manage:
        others = (
            Membership.objects.filter(circle=circle, status__in=[MembershipStatus.PENDING, MembershipStatus.WAITING])
            # What diversity needs, for the facilitators who choose (organisation type, job family,
            # territory): joined here, so the page's query count does not grow with the list.
            .select_related("user__profile__organisation", "user__profile__job_family", "user__profile__departement")
            .order_by("requested_at", "id")
        )
        for other in others:
            (pending if other.status == MembershipStatus.PENDING else waiting).append(other)
    rank = waitlist_rank(membership=membership) if membership else None
    refusal = join_refusal(circle=circle, membership=membership, today=timezone.localdate())
    return CircleView(
        circle=circle,
        membership=membership,
        can_see_members=can_see_members,
        can_manage=can_manage,
        waitlist_rank=rank,
        members=members,
        pending_applications=pending,
        waiting_list=waiting,
        can_ask_to_join=refusal is None,
        extra_templates=circle_page_templates(),
    )


def _ahead_in_queue(requested_at: Any, membership_id: Any) -> Q:
    """Memberships before this one in the waiting list: earlier request, then lower id on a tie.

    The one definition of the queue order (``order_by("requested_at", "id")`` elsewhere); takes
    values or ``OuterRef``s.
    """
    return Q(requested_at__lt=requested_at) | Q(requested_at=requested_at, id__lt=membership_id)


def membership_for(*, circle: Circle, user: User) -> Membership | None:
    """The person's own membership of the circle, whatever its status."""
    return Membership.objects.filter(circle=circle, user=user).first()


def waitlist_rank(*, membership: Membership) -> int | None:
    """1 for the first in line; None when the person is not waiting."""
    if membership.status != MembershipStatus.WAITING:
        return None
    ahead = Membership.objects.filter(circle_id=membership.circle_id, status=MembershipStatus.WAITING).filter(
        _ahead_in_queue(membership.requested_at, membership.id)
    )
    return ahead.count() + 1


def waitlist_rank_on_joining(*, circle: Circle) -> int | None:
    """The rank a person asking to join now would get: None when a place is free or on application.

    An announcement, not a promise: someone may join first; the join's own message gives the real rank.
    """
    if circle.approval_mode == ApprovalMode.APPROVAL or circle.places_left > 0:  # type: ignore[attr-defined]
        return None
    return circle.waiting_count + 1  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class LeavePreview:
    """What leaving a circle would cost: the confirmation page's data."""

    circle: Circle
    membership: Membership
    waitlist_rank: int | None

    @property
    def is_facilitator(self) -> bool:
        return self.membership.role == MembershipRole.FACILITATOR

    @property
    def is_member(self) -> bool:
        return self.membership.status == MembershipStatus.ACTIVE and not self.is_facilitator

    @property
    def is_waiting(self) -> bool:
        return self.membership.status == MembershipStatus.WAITING

    @property
    def is_applying(self) -> bool:
        return self.membership.status == MembershipStatus.PENDING


def membership_leave_preview(*, circle_id: int, user: User) -> LeavePreview:
    """The person's place in the circle, and their rank if waiting. Raises Http404 or MembershipError."""
    from cercles.circles.exceptions import NOT_A_MEMBER, MembershipError

    circle = circle_get(circle_id=circle_id)
    membership = membership_for(circle=circle, user=user)
    if membership is None or membership.status in (MembershipStatus.LEFT, MembershipStatus.REFUSED):
        raise MembershipError(NOT_A_MEMBER)
    return LeavePreview(circle=circle, membership=membership, waitlist_rank=waitlist_rank(membership=membership))


def circle_get_for_manager(*, circle_id: int, user: User) -> Circle:
    """The circle for its facilitators and coordinators. Raises Http404 or CircleManagementDenied."""
    from cercles.circles.exceptions import CircleManagementDenied

    circle = circle_get(circle_id=circle_id)
    if not allows(user, "circles.manage", circle):
        raise CircleManagementDenied()
    return circle


@dataclass
class MyCircles:
    facilitating: list[Circle]
    member_of: list[Circle]
    waiting: list[tuple[Circle, int]]
    applied: list[tuple[Circle, Membership]]


def my_circles(*, user: User) -> MyCircles:
    """The person's circles by relation, in a constant number of queries."""
    memberships = list(
        Membership.objects.filter(user=user)
        .exclude(status=MembershipStatus.LEFT)
        .order_by("requested_at", "id")
        .annotate(
            rank=Subquery(
                Membership.objects.filter(circle=OuterRef("circle"), status=MembershipStatus.WAITING)
                .filter(_ahead_in_queue(OuterRef("requested_at"), OuterRef("id")))
                .order_by()
                .values("circle")
                .annotate(ahead=Count("id"))
                .values("ahead"),
                output_field=IntegerField(),
            )
        )
    )
    circles = {c.pk: c for c in _public_circles().filter(pk__in=[m.circle_id for m in memberships])}
    result = MyCircles(facilitating=[], member_of=[], waiting=[], applied=[])
    for membership in memberships:
        circle = circles[membership.circle_id]
        if membership.status == MembershipStatus.ACTIVE and membership.role == MembershipRole.FACILITATOR:
            result.facilitating.append(circle)
        elif membership.status == MembershipStatus.ACTIVE:
            result.member_of.append(circle)
        elif membership.status == MembershipStatus.WAITING:
            result.waiting.append((circle, (membership.rank or 0) + 1))  # type: ignore[attr-defined]
        else:
            result.applied.append((circle, membership))
    return result


def kind_list() -> QuerySet[CircleKind]:
    return CircleKind.objects.order_by("position", "name")


INVITATION_SALT = "cercles.circles.facilitator-invitation"


def invitation_from_token(*, token: str) -> FacilitatorInvitation:
    """The invitation a link points to, whatever its state (the page says it). Raises InvitationError
    for a tampered, truncated or superseded link (a newer sending of the same invitation)."""
    from cercles.circles.exceptions import INVITATION_LINK_INVALID, InvitationError

    try:
        data = signing.loads(token[:500], salt=INVITATION_SALT)
        invitation_id, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvitationError(INVITATION_LINK_INVALID) from error
    invitation = (
        FacilitatorInvitation.objects.select_related("circle__kind", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not secrets.compare_digest(invitation.nonce, nonce):
        raise InvitationError(INVITATION_LINK_INVALID)
    return invitation


def invitation_list_pending(*, circle: Circle) -> list[FacilitatorInvitation]:
    """Pending invitations of a circle, for the people who manage it (the caller checked)."""
    return list(
        FacilitatorInvitation.objects.filter(
            circle=circle, accepted_at=None, declined_at=None, withdrawn_at=None, expires_at__gt=timezone.now()
        ).order_by("created_at", "id")
    )


# Figures under this are shown as "moins de 3": a count of 1 or 2 can name someone.
SMALL_COUNT = 3


@dataclass
class KindFigures:
    kind: CircleKind
    by_status: dict[str, int]
    participants: int
    waiting: int
    without_facilitator: int


@dataclass
class ProgrammeFigures:
    kinds: list[KindFigures]
    participants_by_organisation_type: list[tuple[str, int]]
    participants_by_region: list[tuple[str, int]]
    people_with_a_circle: int


def programme_figures(*, user: User) -> ProgrammeFigures:
    """The programme in figures, without a name: for coordinators and observers. Four queries.

    Raises PolicyDenied for anyone else (rule ``programme.view_figures``).
    """
    from cercles.core.policy import require
    from cercles.people.models import OrganisationType

    require(user, "programme.view_figures")
    kinds = {kind.pk: KindFigures(kind, dict.fromkeys(CircleStatus.values, 0), 0, 0, 0) for kind in kind_list()}
    rows = (
        with_status(Circle.objects.all())
        .order_by()
        .values("kind_id", "status")  # type: ignore[misc]  # annotated by with_status
        .annotate(
            circles=Count("id"),
            participants=Coalesce(Sum("participant_count"), Value(0)),
            waiting=Coalesce(Sum("waiting_count"), Value(0)),
            orphans=Count("id", filter=Q(facilitator_count=0)),
        )
    )
    for row in rows:
        figures = kinds[row["kind_id"]]
        figures.by_status[row["status"]] += row["circles"]
        figures.participants += row["participants"]
        figures.waiting += row["waiting"]
        # A circle that no longer runs (finished, closed, cancelled, archived) needs nobody to facilitate it.
        if row["status"] not in (
            CircleStatus.FINISHED,
            CircleStatus.CLOSED,
            CircleStatus.CANCELLED,
            CircleStatus.ARCHIVED,
        ):
            figures.without_facilitator += row["orphans"]
    active = Membership.objects.filter(ACTIVE_PARTICIPANT).order_by()
    type_labels = dict(OrganisationType.choices)
    by_type = [
        (str(type_labels.get(row["user__profile__organisation__kind"], _("non renseigné"))), row["people"])
        for row in active.values("user__profile__organisation__kind").annotate(people=Count("user", distinct=True))
    ]
    by_region = [
        (row["user__profile__departement__region__name"] or str(_("non renseigné")), row["people"])
        for row in active.values("user__profile__departement__region__name").annotate(
            people=Count("user", distinct=True)
        )
    ]
    return ProgrammeFigures(
        kinds=list(kinds.values()),
        participants_by_organisation_type=sorted(by_type, key=lambda item: (-item[1], item[0])),
        participants_by_region=sorted(by_region, key=lambda item: (-item[1], item[0])),
        people_with_a_circle=active.values("user").distinct().count(),
    )


EXPORTED_STATUSES = [MembershipStatus.ACTIVE, MembershipStatus.WAITING, MembershipStatus.PENDING]


def participant_list_for_export(*, user: User, circle_ids: list[int]) -> list[Membership]:
    """Members, facilitators, people waiting and applicants of these circles, for a spreadsheet.

    Asks the policy for each circle (``circles.export_participants``; raises PolicyDenied). A
    constant number of queries, whatever the number of circles and people.
    """
    circles = list(Circle.objects.filter(pk__in=circle_ids))
    for circle in circles:
        require(user, "circles.export_participants", circle)
    return list(
        Membership.objects.filter(circle__in=circles, status__in=EXPORTED_STATUSES)
        .select_related(
            "circle",
            "user__profile__organisation",
            "user__profile__job_family",
            "user__profile__departement",
        )
        .order_by(
            "circle__start_date", "circle__title", "circle_id", "role", "user__last_name", "user__first_name", "id"
        )
    )
