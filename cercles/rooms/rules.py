"""The rooms' part of the authorization policy (registered with cercles.core.policy).

Inside a room is inside the circle: only its active members and facilitators enter, command or read
anything written there; coordinators and observers are never granted a rule that reads inside (they see
that a meeting took place and how many were present, from the meetings app). What one person wrote is read
according to its slot's visibility (docs/confidentiality.md):

- ``auteur``: the author only;
- ``auteur_animation``: the author and the circle's facilitators;
- ``cercle`` and ``publiable``: the circle's active members and facilitators;

and an author may share a private writing with the circle (``shared_at``), which widens it to the circle.
Everyone, the author included, must still be an active member to read: someone who left reads nothing here
(their own writings stay in "Télécharger mes données").
"""

from __future__ import annotations

from typing import Any

import rules

from cercles.circles.rules import is_circle_facilitator, is_circle_participant
from cercles.core.policy import policy_rule

CIRCLE_WIDE = frozenset({"cercle", "publiable"})


def _circle_of_artefact(artefact: Any) -> Any:
    return artefact.room.meeting.circle


@rules.predicate
def may_read_artefact(user: Any, artefact: Any) -> bool:
    if artefact is None:
        return False
    circle = _circle_of_artefact(artefact)
    if not is_circle_participant(user, circle):
        return False
    if artefact.author_id == user.pk:
        return True
    if artefact.visibility in CIRCLE_WIDE or artefact.shared_at is not None:
        return True
    if artefact.visibility == "auteur_animation":
        return bool(is_circle_facilitator(user, circle))
    return False


@rules.predicate
def may_read_client_subject(user: Any, turn: Any) -> bool:
    """A subject prepared ahead is read by its client and the circle's facilitators."""
    if turn is None:
        return False
    circle = turn.meeting.circle
    if not is_circle_participant(user, circle):
        return False
    return bool(turn.person_id == user.pk or is_circle_facilitator(user, circle))


@rules.predicate
def is_the_client(user: Any, turn: Any) -> bool:
    return turn is not None and turn.person_id == user.pk and bool(is_circle_participant(user, turn.meeting.circle))


# Objects are circles.
policy_rule("rooms.enter", is_circle_participant)
policy_rule("rooms.facilitate", is_circle_facilitator)
policy_rule("rooms.choose_client", is_circle_facilitator)
# Objects are artefacts.
policy_rule("rooms.read_artefact", may_read_artefact)
# Objects are client turns.
policy_rule("rooms.read_client_subject", may_read_client_subject)
policy_rule("rooms.prepare_subject", is_the_client)
