"""The meetings' part of the authorization policy.

Members and facilitators see their circle's meetings, join them and answer them; coordinators see the
programme's calendar, counts and named attendance (an administrative fact) but never a join link and
never answer for anyone. Nobody outside the circle sees its meetings' links, feed entries or answers.
"""

from __future__ import annotations

from typing import Any

import rules

from cercles.circles.models import MembershipRole
from cercles.circles.rules import is_circle_facilitator, is_circle_participant
from cercles.core.policy import is_coordinator, is_signed_in, policy_rule


@rules.predicate
def is_circle_member_not_facilitator(user: Any, circle: Any) -> bool:
    from cercles.circles.rules import _membership

    membership = _membership(user, circle)
    return bool(is_circle_participant(user, circle) and membership and membership.role == MembershipRole.PARTICIPANT)


# Objects are circles: a meeting's rules are asked about its circle.
policy_rule("meetings.view", is_circle_participant | is_coordinator)
policy_rule("meetings.join", is_circle_participant)
policy_rule("meetings.rsvp", is_circle_member_not_facilitator)
policy_rule("meetings.plan", is_circle_facilitator | is_coordinator)
policy_rule("meetings.record_attendance", is_circle_facilitator | is_coordinator)
policy_rule("meetings.view_attendance", is_circle_facilitator | is_coordinator)
policy_rule("meetings.answer_poll", is_circle_participant)
policy_rule("meetings.view_poll", is_circle_participant)
policy_rule("meetings.programme_calendar", is_coordinator)
policy_rule("meetings.own_calendar", is_signed_in)
