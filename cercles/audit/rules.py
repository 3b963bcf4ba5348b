"""Who reads the audit log: the programme team (it names no content, only who did what to whom)."""

from __future__ import annotations

from cercles.core.policy import is_coordinator, policy_rule

policy_rule("audit.view", is_coordinator)
