"""The authorization policy: one registry of rules that every layer asks.

Each app states its own rules in its ``rules.py`` (discovered at start-up by the ``rules`` app) with
``policy_rule(name, predicate)``; this module holds only the registry, the persona predicates shared by
every app, and the two questions everything asks: :func:`allows` and :func:`require`. Templates ask
with ``{% load rules %}{% test_rule "circles.view_members" user circle as can_see %}``.

Two powers never merge (docs/confidentiality.md):

* *administer* — accounts, circles, memberships, calls, schedules — belongs to coordinators;
* *read what is said inside a circle* belongs to that circle's members and facilitators, as each
  artefact's visibility allows. No rule that grants it mentions coordinators, superusers or observers.

Rules are tested with ``rules.test_rule`` on the shared rule set, never through ``user.has_perm``:
Django's ``ModelBackend`` answers yes to every permission for a superuser, which would merge the powers.
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import DomainPermissionDenied

# The Coordination group holds this permission; ``is_staff`` alone only opens the admin's door.
COORDINATE_PERMISSION = "people.coordinate_programme"
# Observers and researchers: aggregates only, never names nor content.
OBSERVE_PERMISSION = "people.observe_programme"

POLICY_DENIED = _("Vous n'avez pas accès à cette page ou à cette action.")


class PolicyDenied(DomainPermissionDenied):
    """The policy refuses ``action``; ``code`` names the rule so that logs and tests can tell why."""

    def __init__(self, action: str) -> None:
        super().__init__(POLICY_DENIED)
        self.code = action


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_signed_in(user: Any) -> bool:
    return _signed_in(user)


@rules.predicate
def is_coordinator(user: Any) -> bool:
    """A member of the programme team: staff with the Coordination group's permission (or a superuser)."""
    return _signed_in(user) and user.is_staff and user.has_perm(COORDINATE_PERMISSION)


@rules.predicate
def is_observer(user: Any) -> bool:
    """An observer or researcher: reads the programme's aggregates, never a name nor anything said."""
    return _signed_in(user) and (user.has_perm(OBSERVE_PERMISSION) or is_coordinator(user))


@rules.predicate
def is_superuser(user: Any) -> bool:
    """Technical administration (rights, passwords); not a power over what is said in circles."""
    return _signed_in(user) and user.is_superuser


@rules.predicate
def anyone(user: Any, obj: Any = None) -> bool:
    return True


def policy_rule(name: str, predicate: Any) -> None:
    """Register ``name`` once; a second registration is a programming error."""
    rules.add_rule(name, predicate)


def allows(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (on ``obj``). An unknown action is a bug, never a silent no."""
    if not rules.rule_exists(action):
        raise ImproperlyConfigured(f"No policy rule named {action!r}")
    return bool(rules.test_rule(action, user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise :class:`PolicyDenied` unless the policy allows ``action``."""
    if not allows(user, action, obj):
        raise PolicyDenied(action)


def rule_names() -> list[str]:
    """Every registered rule, for the documentation check and the permission matrix."""
    return sorted(rules.rulesets.default_rules)
