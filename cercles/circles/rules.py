"""The circles' part of the authorization policy (registered with cercles.core.policy).

Who may see a circle's members, manage it, read what is said inside it, and ask to join it. Reading
inside a circle is granted to its active members and facilitators only: no rule here that grants it
mentions coordinators (docs/confidentiality.md).
"""

from __future__ import annotations

import datetime
from typing import Any

import rules
from django.utils.functional import Promise

from cercles.circles.exceptions import (
    ALREADY_APPLIED,
    ALREADY_MEMBER,
    ALREADY_REFUSED,
    ALREADY_WAITING,
    CIRCLE_CLOSED,
    CIRCLE_FINISHED,
    DEADLINE_PASSED,
    FACILITATOR_CANNOT_JOIN,
)
from cercles.circles.models import Circle, Membership, MembershipRole, MembershipStatus
from cercles.core.policy import anyone, is_coordinator, is_signed_in, policy_rule


def _membership(user: Any, circle: Circle) -> Membership | None:
    """The person's membership of the circle, looked up once per circle object and person."""
    if circle is None or user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache: dict[int, Membership | None] = circle.__dict__.setdefault("_policy_memberships", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(circle_id=circle.pk, user_id=user.pk).first()
    return cache[user.pk]


@rules.predicate
def is_circle_participant(user: Any, circle: Circle) -> bool:
    """An active member or facilitator of this circle: the people who may read what is said in it."""
    membership = _membership(user, circle)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


@rules.predicate
def is_circle_facilitator(user: Any, circle: Circle) -> bool:
    membership = _membership(user, circle)
    return (
        membership is not None
        and membership.status == MembershipStatus.ACTIVE
        and membership.role == MembershipRole.FACILITATOR
    )


@rules.predicate
def is_circle_waiting(user: Any, circle: Circle) -> bool:
    membership = _membership(user, circle)
    return membership is not None and membership.status == MembershipStatus.WAITING


# Public: the circle's page, its counts and its facilitators' names (docs/confidentiality.md).
policy_rule("circles.view_circle", anyone)
policy_rule("circles.ask_to_join", is_signed_in)
policy_rule("circles.leave", is_signed_in)
# Who belongs to a circle is itself sensitive: members, facilitators and the programme team.
policy_rule("circles.view_members", is_circle_participant | is_coordinator)
policy_rule("circles.manage", is_circle_facilitator | is_coordinator)
policy_rule("circles.decide_application", is_circle_facilitator | is_coordinator)
policy_rule("circles.invite_facilitator", is_circle_facilitator | is_coordinator)
policy_rule("circles.appoint_facilitator", is_coordinator)
policy_rule("circles.cancel", is_coordinator)
policy_rule("circles.export_participants", is_coordinator)
# What is said inside: the circle's own people, never the programme team.
policy_rule("circles.read_inside", is_circle_participant)


def join_refusal(*, circle: Circle, membership: Membership | None, today: datetime.date) -> str | Promise | None:
    """Why this person cannot ask to join this circle today, in French; None when they can.

    A repeat (double submit, already waiting, application pending) says where the person stands.
    """
    if membership is not None:
        if membership.status == MembershipStatus.ACTIVE:
            return FACILITATOR_CANNOT_JOIN if membership.role == MembershipRole.FACILITATOR else ALREADY_MEMBER
        if membership.status == MembershipStatus.WAITING:
            return ALREADY_WAITING
        if membership.status == MembershipStatus.PENDING:
            return ALREADY_APPLIED
        if membership.status == MembershipStatus.REFUSED:
            return ALREADY_REFUSED
    if circle.end_date < today:
        return CIRCLE_FINISHED
    if not circle.is_open:
        return CIRCLE_CLOSED
    if circle.join_deadline < today:
        return DEADLINE_PASSED
    return None
