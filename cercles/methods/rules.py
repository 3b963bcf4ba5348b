"""The methods' part of the authorization policy (registered with cercles.core.policy).

Methods are public: anyone may read how a kind of circle works and how a circle runs its meetings
(no names appear on these pages). Coordinators edit a kind's method for the whole programme; a
circle's facilitators (and coordinators, who administer circles) adapt it for that circle.
"""

from __future__ import annotations

from cercles.circles.rules import is_circle_facilitator
from cercles.core.policy import anyone, is_coordinator, policy_rule

policy_rule("methods.view", anyone)
policy_rule("methods.edit_kind_method", is_coordinator)
policy_rule("methods.adapt_for_circle", is_circle_facilitator | is_coordinator)
