"""The programme-wide part of the authorization policy: who administers the programme."""

from __future__ import annotations

from cercles.core.policy import is_coordinator, is_observer, is_superuser, policy_rule

# Accounts, circles, memberships, calls, schedules: the coordination pages.
policy_rule("programme.administer", is_coordinator)
# Rights and passwords of accounts: technical administration only.
policy_rule("programme.manage_rights", is_superuser)
# The programme's figures without names: coordinators and observers.
policy_rule("programme.view_figures", is_observer)
