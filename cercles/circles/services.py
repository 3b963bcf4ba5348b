"""Writes on circles and memberships.

Every service runs in one transaction and locks the circle row before it counts places, so that two
people racing for the last place cannot both get it (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
IMMEDIATE transaction already serialises writers). E-mails are outbox rows written in the same
transaction, one per recipient (cercles/circles/emails.py says who is told what).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core import signing
from django.db import transaction
from django.utils import timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.emails import FACILITATOR_INVITATION, membership_event_recipients
from cercles.circles.exceptions import (
    ALREADY_CLOSED_DOWN,
    ALREADY_MEMBER,
    APPLICATION_NOT_PENDING,
    CANCEL_REASON_REQUIRED,
    CAPACITY_TOO_LOW,
    CIRCLE_FINISHED,
    CIRCLE_NO_PLACE_LEFT,
    DATES_OUT_OF_ORDER,
    DEADLINE_AFTER_END,
    INVITATION_ALREADY_FACILITATOR,
    INVITATION_ANSWERED,
    INVITATION_EXPIRED,
    INVITATION_NOT_PENDING,
    INVITATION_WRONG_ACCOUNT,
    NOT_A_FACILITATOR,
    NOT_A_MEMBER,
    PACT_REQUIRED,
    PROFILE_INCOMPLETE,
    CircleEditConflict,
    CircleEditError,
    CircleManagementDenied,
    InvitationError,
    MembershipError,
)
from cercles.circles.hooks import run_circle_closed, run_membership_changed
from cercles.circles.models import (
    ApprovalMode,
    Circle,
    CircleKind,
    FacilitatorInvitation,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from cercles.circles.rules import join_refusal
from cercles.circles.selectors import (
    ACTIVE_FACILITATOR,
    ACTIVE_PARTICIPANT,
    INVITATION_SALT,
    participant_list_for_export,
)
from cercles.core.page_cache import public_pages_changed
from cercles.core.policy import allows, require
from cercles.core.text import normalize_for_search
from cercles.notifications.services import message_enqueue
from cercles.people.models import Departement, Profile, User


def _notify(event: str, membership: Membership) -> None:
    # One message per person, so that nobody sees the others' addresses; rendered when sent.
    for kind, recipient in membership_event_recipients(event=event, membership=membership):
        message_enqueue(kind=kind, recipient=recipient, about={"membership": membership.pk})
    run_membership_changed(event, membership)


def _lock_circle(circle_id: int) -> Circle:
    # Every change to a circle or its memberships locks the circle first: the one place that tells the
    # public pages' cache (on commit; a refused change rolls back and invalidates nothing).
    public_pages_changed()
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
    public_pages_changed()
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
    # The person first, then the circle: the order the erasure of an account takes, so that a join
    # racing with it waits, then finds no profile (cercles.privacy), and never deadlocks with it.
    if not User.objects.select_for_update().filter(pk=user.pk, erased_at__isnull=True).values_list("pk"):
        raise MembershipError(PROFILE_INCOMPLETE)
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
    if circle.end_date < timezone.localdate() or circle.cancelled_at or circle.archived_at:
        return []  # a finished or closed-down circle gives no place, and e-mails nobody that one is free
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
    audit_record(
        actor=decided_by,
        action=AuditAction.APPLICATION_DECIDE,
        person=membership.user_id,
        circle=circle,
        object_kind="membership",
        object_id=membership.pk,
        changes=("approved" if approve else "refused",),
    )
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
    # Only the coordination pages change a circle's kind; None keeps it.
    kind: CircleKind | None = None


@transaction.atomic
def circle_update(*, circle_id: int, editor: User, version: int, changes: CircleChanges) -> Circle:
    """Save an edit of a circle by its facilitators (circle page) or a coordinator (coordination pages).

    Refuses an edit made on an older version (CircleEditConflict), checked under the row lock, so
    that two editors never overwrite each other silently. Raising the capacity promotes people from
    the waiting list (e-mailed on commit). Raises CircleManagementDenied, CircleEditError (with the
    field at fault).
    """
    circle = _lock_circle(circle_id)
    if not allows(editor, "circles.manage", circle):
        raise CircleManagementDenied()
    if circle.version != version:
        raise CircleEditConflict()
    changed = []
    for name, value in changes.__dict__.items():
        if name == "kind" and value is None:
            continue
        new = value.strip() if isinstance(value, str) else value
        if getattr(circle, name) != new:
            changed.append(name)
        setattr(circle, name, new)
    _check_dates(circle)
    circle.search_text = circle_search_text(circle)
    circle.version += 1
    circle.updated_at = timezone.now()
    circle.full_clean()
    circle.save()
    audit_record(actor=editor, action=AuditAction.CIRCLE_UPDATE, circle=circle, changes=changed)
    _promote_from_waitlist(circle)
    return circle


INVITATION_VALIDITY = datetime.timedelta(days=14)


@transaction.atomic
def facilitator_invite(*, circle_id: int, invited_by: User, email: str) -> FacilitatorInvitation:
    """Invite an address to co-facilitate the circle; e-mail it a signed link to accept or decline.

    The same answer whether the address has an account or not (the e-mail offers both: sign in, or
    create an account with this address), so that the form never tells who is registered. Inviting the
    same address again renews the pending invitation (new expiry, new link; the old link stops working).
    Raises CircleManagementDenied. Queues the e-mail in the same transaction (outbox).
    """
    circle = _lock_circle(circle_id)
    if not allows(invited_by, "circles.invite_facilitator", circle):
        raise CircleManagementDenied()
    address = email.strip().lower()
    now = timezone.now()
    invitation = (
        FacilitatorInvitation.objects.select_for_update()
        .filter(circle=circle, email=address, accepted_at=None, declined_at=None, withdrawn_at=None)
        .first()
    )
    if invitation is None:
        invitation = FacilitatorInvitation(circle=circle, email=address)
    invitation.invited_by = invited_by
    invitation.nonce = secrets.token_urlsafe(16)
    invitation.created_at = now
    invitation.expires_at = now + INVITATION_VALIDITY
    invitation.full_clean()
    invitation.save()
    # The address is not recorded (it may belong to nobody yet): the invitation's id is.
    audit_record(
        actor=invited_by,
        action=AuditAction.INVITATION_SEND,
        circle=circle,
        object_kind="invitation",
        object_id=invitation.pk,
    )
    message_enqueue(
        kind=FACILITATOR_INVITATION,
        address=invitation.email,
        about={"invitation": invitation.pk},
        expires_at=invitation.expires_at,
    )
    return invitation


def invitation_token(invitation: FacilitatorInvitation) -> str:
    """The signed token of the invitation's link (only the latest sending's token is valid)."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT, compress=True)


def _lock_pending_invitation(invitation_id: int) -> FacilitatorInvitation:
    invitation = FacilitatorInvitation.objects.select_for_update().get(pk=invitation_id)
    if invitation.is_answered:
        raise InvitationError(INVITATION_ANSWERED)
    if invitation.expires_at <= timezone.now():
        raise InvitationError(INVITATION_EXPIRED)
    return invitation


@transaction.atomic
def facilitator_invitation_accept(*, invitation_id: int, user: User, pact_accepted: bool) -> Membership:
    """The invited person accepts: they become a facilitator of the circle, having accepted its pact.

    Only the account that owns the invited address (verified) may accept. A participant who accepts
    gives their seat back to the waiting list. Raises InvitationError (expired, already answered,
    another account, already facilitating, finished circle) and MembershipError when the pact is not
    accepted; nothing changes then. Schedules the e-mails to the person and the other facilitators.
    """
    circle = _lock_circle(FacilitatorInvitation.objects.values_list("circle_id", flat=True).get(pk=invitation_id))
    invitation = _lock_pending_invitation(invitation_id)
    owns_address = (
        user.email.lower() == invitation.email
        or EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists()
    )
    if not owns_address:
        raise InvitationError(INVITATION_WRONG_ACCOUNT)
    if circle.end_date < timezone.localdate():
        raise InvitationError(CIRCLE_FINISHED)
    membership = Membership.objects.filter(circle=circle, user=user).first()
    was_participant = membership is not None and membership.status == MembershipStatus.ACTIVE
    if was_participant and membership.role == MembershipRole.FACILITATOR:  # type: ignore[union-attr]
        raise InvitationError(INVITATION_ALREADY_FACILITATOR)
    if not pact_accepted:
        raise MembershipError(PACT_REQUIRED)
    now = timezone.now()
    membership = membership or Membership(circle=circle, user=user)
    membership.role = MembershipRole.FACILITATOR
    membership.status = MembershipStatus.ACTIVE
    membership.joined_at = now
    membership.pact_accepted_at = now
    membership.left_at = None
    membership.save()
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _notify("facilitator_added", membership)
    if was_participant:
        # The participant's seat is freed: facilitators do not take places.
        _promote_from_waitlist(circle)
    return membership


@transaction.atomic
def facilitator_invitation_decline(*, invitation_id: int) -> FacilitatorInvitation:
    """The invited person declines from the signed link (no account needed). Raises InvitationError."""
    invitation = _lock_pending_invitation(invitation_id)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    return invitation


@transaction.atomic
def facilitator_invitation_withdraw(*, invitation_id: int, withdrawn_by: User) -> FacilitatorInvitation:
    """A facilitator or coordinator withdraws a pending invitation; its link stops working.

    Raises CircleManagementDenied, InvitationError when it is no longer pending.
    """
    invitation = FacilitatorInvitation.objects.select_for_update().select_related("circle").get(pk=invitation_id)
    if not allows(withdrawn_by, "circles.invite_facilitator", invitation.circle):
        raise CircleManagementDenied()
    if invitation.is_answered:
        raise InvitationError(INVITATION_NOT_PENDING)
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    audit_record(
        actor=withdrawn_by,
        action=AuditAction.INVITATION_WITHDRAW,
        circle=invitation.circle_id,
        object_kind="invitation",
        object_id=invitation.pk,
    )
    return invitation


@transaction.atomic
def circle_fill_from_waitlist(*, circle_id: int) -> list[Membership]:
    """Give the circle's free places to its waiting list (e.g. after a promotion was missed)."""
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
    audit_record(
        actor=removed_by,
        action=AuditAction.FACILITATOR_REMOVE,
        person=membership.user_id,
        circle=circle,
        object_kind="membership",
        object_id=membership.pk,
    )
    _notify("facilitator_removed", membership)
    if not Membership.objects.filter(ACTIVE_FACILITATOR, circle=circle).exists():
        _notify("facilitator_missing", membership)
    return membership


@transaction.atomic
def circle_cancel(*, circle_id: int, cancelled_by: User, reason: str) -> Circle:
    """Cancel a circle that will not take place or stops early: the coordinators' "delete".

    Nothing is deleted: the circle shows "annulé", nobody can join it any more, its waiting list
    and pending applications are closed (those people leave it), and everyone concerned — members,
    facilitators, people waiting or applying — is e-mailed with the reason on commit.
    Raises CircleManagementDenied (policy ``circles.cancel``), CircleEditError when the reason is
    empty (field ``reason``) or the circle is already cancelled or archived.
    """
    circle = _lock_circle(circle_id)
    if not allows(cancelled_by, "circles.cancel", circle):
        raise CircleManagementDenied()
    if not reason.strip():
        raise CircleEditError(CANCEL_REASON_REQUIRED, field="reason")
    _close_down(circle, event="cancelled", reason=reason)
    audit_record(actor=cancelled_by, action=AuditAction.CIRCLE_CANCEL, circle=circle)
    return circle


@transaction.atomic
def circle_archive(*, circle_id: int, archived_by: User, reason: str = "") -> Circle:
    """Archive a circle (usually a finished one) so that it leaves the programme's current offer.

    Like a cancellation, the circle stays (status "archivé"), joining stops, the waiting list and
    pending applications are closed and everyone concerned is e-mailed on commit. Raises
    CircleManagementDenied (policy ``circles.archive``), CircleEditError when the circle is already
    cancelled or archived.
    """
    circle = _lock_circle(circle_id)
    if not allows(archived_by, "circles.archive", circle):
        raise CircleManagementDenied()
    _close_down(circle, event="archived", reason=reason)
    audit_record(actor=archived_by, action=AuditAction.CIRCLE_ARCHIVE, circle=circle)
    return circle


def _close_down(circle: Circle, *, event: str, reason: str) -> Circle:
    """Cancel or archive a locked circle; see circle_cancel and circle_archive."""
    if circle.cancelled_at is not None or circle.archived_at is not None:
        raise CircleEditError(ALREADY_CLOSED_DOWN)
    now = timezone.now()
    if event == "cancelled":
        circle.cancelled_at = now
    else:
        circle.archived_at = now
    circle.closing_reason = reason.strip()[:2000]
    circle.is_open = False
    circle.version += 1  # an edit form opened before this must not reopen the circle
    circle.updated_at = now
    circle.full_clean()
    circle.save()
    concerned = list(
        Membership.objects.filter(
            circle=circle,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.WAITING, MembershipStatus.PENDING],
        ).order_by("id")
    )
    Membership.objects.filter(circle=circle, status__in=[MembershipStatus.WAITING, MembershipStatus.PENDING]).update(
        status=MembershipStatus.LEFT, left_at=now
    )
    for membership in concerned:
        _notify(event, membership)
    # Apps above circles (meetings cancels the future meetings) act in this same transaction.
    run_circle_closed(circle, "cancelled" if event == "cancelled" else "archived")
    return circle


@dataclass(frozen=True)
class KindFields:
    """What the coordination pages edit on a circle kind."""

    slug: str
    name: str
    need: str
    purpose: str
    method_summary: str
    min_size: int
    max_size: int
    default_meeting_count: int | None
    default_rhythm: str
    default_duration_minutes: int
    default_pact: str
    position: int


@transaction.atomic
def kind_create(*, created_by: User, fields: KindFields) -> CircleKind:
    """Add a circle kind to the programme. Raises DomainPermissionDenied (policy ``programme.administer``),
    ValidationError for invalid fields (sizes out of order, slug taken)."""
    require(created_by, "programme.administer")
    kind = CircleKind(**_stripped(fields))
    kind.full_clean()
    kind.save()
    public_pages_changed()
    audit_record(actor=created_by, action=AuditAction.KIND_CREATE, object_kind="kind", object_id=kind.pk)
    return kind


@transaction.atomic
def kind_update(*, kind_id: int, updated_by: User, fields: KindFields) -> CircleKind:
    """Change a circle kind; a new name refreshes the search text of every circle of that kind.

    Raises DomainPermissionDenied (policy ``programme.administer``), ValidationError for invalid fields.
    """
    require(updated_by, "programme.administer")
    kind = CircleKind.objects.select_for_update().get(pk=kind_id)
    renamed = kind.name != fields.name.strip()
    for name, value in _stripped(fields).items():
        setattr(kind, name, value)
    kind.full_clean()
    kind.save()
    public_pages_changed()
    audit_record(actor=updated_by, action=AuditAction.KIND_UPDATE, object_kind="kind", object_id=kind.pk)
    if renamed:
        # The catalogue search matches the kind's name too (circle_search_text).
        circles = list(Circle.objects.filter(kind=kind).only("id", "title", "description", "kind_id"))
        for circle in circles:
            circle.kind = kind
            circle.search_text = circle_search_text(circle)
        Circle.objects.bulk_update(circles, ["search_text"], batch_size=500)
    return kind


@transaction.atomic
def circle_dates_follow(*, circle_id: int, start_date: datetime.date, end_date: datetime.date) -> Circle:
    """Set a circle's start and end dates from its planned meetings (the meetings app calls this).

    Once a cycle is planned its meetings are the truth: the first and last meeting give the dates, so
    that the derived statuses ("en cours", "terminé") follow them. The join deadline stays where it was
    unless it would fall after the new end. Raises CircleEditError when the dates are out of order.
    """
    circle = _lock_circle(circle_id)
    if circle.start_date == start_date and circle.end_date == end_date:
        return circle
    circle.start_date = start_date
    circle.end_date = end_date
    circle.join_deadline = min(circle.join_deadline, end_date)
    _check_dates(circle)
    circle.version += 1  # an edit form opened before must not put the old dates back
    circle.updated_at = timezone.now()
    circle.full_clean()
    circle.save(update_fields=["start_date", "end_date", "join_deadline", "version", "updated_at"])
    return circle


def _stripped(fields: KindFields) -> dict[str, object]:
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.__dict__.items()}


@transaction.atomic
def membership_admit(*, circle_id: int, user: User, pact_accepted: bool) -> Membership:
    """Seat a person whose place was reserved for them (a seat offered by a call's formation).

    Unlike ``membership_request`` it does not ask whether the circle is open to everyone: the place
    was given by the programme team. It still needs the pact and a free place. Raises
    MembershipError (pact refused, already a member, no place left); e-mails like a join on commit.
    """
    circle = _lock_circle(circle_id)
    if not pact_accepted:
        raise MembershipError(PACT_REQUIRED)
    membership = Membership.objects.filter(circle=circle, user=user).first()
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        raise MembershipError(ALREADY_MEMBER)
    if _places_left(circle) <= 0:
        raise MembershipError(CIRCLE_NO_PLACE_LEFT)
    now = timezone.now()
    membership = membership or Membership(circle=circle, user=user)
    membership.role = MembershipRole.PARTICIPANT
    membership.status = MembershipStatus.ACTIVE
    membership.requested_at = now
    membership.joined_at = now
    membership.pact_accepted_at = now
    membership.left_at = None
    membership.save()
    _notify("joined", membership)
    return membership


@transaction.atomic
def membership_transfer(*, from_circle_id: int, to_circle_id: int, user: User) -> Membership:
    """Move an active participant from one circle to another, keeping the pact they accepted.

    For the programme team re-arranging circles formed together (the caller checks the policy and
    tells the people concerned). Both circles are locked in id order, so two transfers in opposite
    directions cannot deadlock. Raises MembershipError when the person is not an active participant
    of the first circle or the second has no free place.
    """
    first, second = sorted([from_circle_id, to_circle_id])
    locked = {first: _lock_circle(first), second: _lock_circle(second)}
    source, target = locked[from_circle_id], locked[to_circle_id]
    leaving = Membership.objects.filter(ACTIVE_PARTICIPANT, circle=source, user=user).first()
    if leaving is None:
        raise MembershipError(NOT_A_MEMBER)
    if _places_left(target) <= 0:
        raise MembershipError(CIRCLE_NO_PLACE_LEFT)
    now = timezone.now()
    leaving.status = MembershipStatus.LEFT
    leaving.left_at = now
    leaving.save(update_fields=["status", "left_at"])
    arriving = Membership.objects.filter(circle=target, user=user).first() or Membership(circle=target, user=user)
    arriving.role = MembershipRole.PARTICIPANT
    arriving.status = MembershipStatus.ACTIVE
    arriving.requested_at = now
    arriving.joined_at = now
    arriving.pact_accepted_at = leaving.pact_accepted_at or now
    arriving.left_at = None
    arriving.save()
    return arriving


def memberships_erase_person(*, user: User) -> list[Membership]:
    """The circles' part of erasing a person (called by the privacy app's erasure, in its transaction).

    The person leaves every circle, waiting list and application as ``membership_leave`` does (freed
    places go to the waiting lists, facilitators are told, coordinators hear of a circle left without
    facilitator); then their rows keep only what the programme's figures count (role, status, dates)
    and lose what the person or a facilitator wrote about them. Circles are locked in id order.
    """
    current = (
        Membership.objects.filter(user=user)
        .exclude(status__in=[MembershipStatus.LEFT, MembershipStatus.REFUSED])
        .order_by("circle_id")
        .values_list("circle_id", flat=True)
    )
    for circle_id in list(current):
        membership_leave(circle_id=circle_id, user=user)
    rows = list(Membership.objects.filter(user=user).order_by("id"))
    Membership.objects.filter(user=user).update(application_message="", decision_message="")
    return rows


@transaction.atomic
def circle_participants_export(*, exported_by: User, circle_ids: list[int]) -> list[Membership]:
    """The participants of these circles for the coordination's CSV/ODS export, and its audit rows.

    Raises PolicyDenied (``circles.export_participants``). One audit row per circle exported.
    """
    memberships = participant_list_for_export(user=exported_by, circle_ids=circle_ids)
    for circle_id in sorted(set(circle_ids)):
        audit_record(actor=exported_by, action=AuditAction.CIRCLE_EXPORT, circle=circle_id)
    return memberships
