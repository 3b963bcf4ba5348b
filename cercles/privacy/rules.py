"""Who may export and erase a person's data: the person themselves, or the programme team on request."""

from __future__ import annotations

from typing import Any

import rules

from cercles.core.policy import is_coordinator, is_signed_in, is_superuser, policy_rule


@rules.predicate
def is_self(user: Any, person: Any) -> bool:
    return person is not None and getattr(user, "pk", None) == person.pk


@rules.predicate
def is_plain_account(user: Any, person: Any) -> bool:
    """Not a member of the programme team: their accounts are the technical administration's."""
    return person is not None and not person.is_staff and not person.is_superuser


policy_rule("privacy.export_own", is_signed_in & is_self)
policy_rule("privacy.erase_person", is_signed_in & (is_self | (is_coordinator & is_plain_account) | is_superuser))
