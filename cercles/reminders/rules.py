"""The reminders' part of the authorization policy: a circle's facilitators set its reminders and write to
its members; coordinators administer the programme but do not speak inside a circle."""

from __future__ import annotations

from cercles.circles.rules import is_circle_facilitator
from cercles.core.policy import policy_rule

# Objects are circles.
policy_rule("reminders.configure", is_circle_facilitator)
policy_rule("reminders.write_members", is_circle_facilitator)
