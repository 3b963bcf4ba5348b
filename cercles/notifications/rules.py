"""The notifications' part of the authorization policy: the outbox's failures are the programme team's."""

from __future__ import annotations

from cercles.core.policy import is_coordinator, policy_rule

# Metadata only (recipient, kind, error, dates), never a body: coordinators may see and retry them.
policy_rule("notifications.view_failed", is_coordinator)
policy_rule("notifications.retry_failed", is_coordinator)
