"""The formation's part of the authorization policy (registered with cercles.core.policy).

Calls are run by coordinators, who alone read the applications. An applicant sees their own
application and the seat offered to them; facilitators see nothing of a call until its circles are
published (then they see their circle through the circles' own rules).
"""

from __future__ import annotations

from typing import Any

import rules

from cercles.core.policy import anyone, is_coordinator, is_signed_in, policy_rule


@rules.predicate
def is_applicant(user: Any, application: Any) -> bool:
    return application is not None and getattr(user, "pk", None) is not None and application.user_id == user.pk


policy_rule("formation.view_call", anyone)
policy_rule("formation.apply", is_signed_in)
policy_rule("formation.manage_calls", is_coordinator)
policy_rule("formation.read_applications", is_coordinator)
policy_rule("formation.view_own_application", is_signed_in & is_applicant)
