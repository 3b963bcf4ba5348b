"""Who may ask to join a circle: one rule, used by the join service and by the join page."""

from __future__ import annotations

import datetime

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
