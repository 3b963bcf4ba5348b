"""Each service by which someone acts on people, circles, memberships, invitations, exports or erasures
writes its audit row, in its own transaction.

The services are found, not listed by hand: every public function of the services modules below that
takes the acting person (a keyword ending in ``_by``, or ``editor``). A new one fails here until it
has a case in ``CASES`` — and writes its row. A new app adds its services module to ``MODULES``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from django.utils import timezone

from cercles.audit.models import AuditAction, AuditEvent
from cercles.circles import services as circles
from cercles.circles.models import Circle, CircleKind, MembershipStatus
from cercles.notifications import services as notifications
from cercles.notifications.models import Message
from cercles.people import services as people
from cercles.people.models import Organisation, User
from cercles.privacy import services as privacy
from tests.factories import make_co_facilitator, make_user, seat

MODULES: list[ModuleType] = [people, circles, notifications, privacy]


def acting_services() -> set[str]:
    found = set()
    for module in MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = inspect.signature(function).parameters
            if any(p.endswith("_by") or p == "editor" for p in parameters):
                found.add(f"{module.__name__.rsplit('.', 2)[-2]}.{name}")
    return found


def _kind_fields(kind: CircleKind, **overrides: Any) -> circles.KindFields:
    fields = {name: getattr(kind, name) for name in circles.KindFields.__dataclass_fields__}
    return circles.KindFields(**(fields | overrides))


def _changes(circle: Circle, **overrides: Any) -> circles.CircleChanges:
    fields = {name: getattr(circle, name) for name in circles.CircleChanges.__dataclass_fields__}
    fields["kind"] = None
    return circles.CircleChanges(**(fields | overrides))


# service -> (what it does given the world, the action its row records)
CASES: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "people.person_create": (
        lambda w: people.person_create(created_by=w["claire"], email="nouvelle@exemple.fr"),
        AuditAction.PERSON_CREATE,
    ),
    "people.person_update": (
        lambda w: people.person_update(
            person_id=w["bob"].pk,
            updated_by=w["claire"],
            email=w["bob"].email,
            first_name="Robert",
            last_name="Test",
            is_active=True,
        ),
        AuditAction.PERSON_UPDATE,
    ),
    "people.organisation_update": (
        lambda w: people.organisation_update(
            organisation_id=w["organisation"].pk,
            updated_by=w["claire"],
            name="Mairie renommée",
            kind="commune",
            departement=None,
        ),
        AuditAction.ORGANISATION_UPDATE,
    ),
    "people.organisation_validate": (
        lambda w: people.organisation_validate(organisation_ids=[w["organisation"].pk], validated_by=w["claire"]),
        AuditAction.ORGANISATION_VALIDATE,
    ),
    "people.organisation_merge": (
        lambda w: people.organisation_merge(
            organisation_ids=[w["organisation"].pk, Organisation.objects.get(profiles__user=w["alice"]).pk],
            merged_by=w["claire"],
        ),
        AuditAction.ORGANISATION_MERGE,
    ),
    "circles.application_decide": (
        lambda w: circles.application_decide(
            circle_id=w["circle"].pk, membership_id=w["application"].pk, decided_by=w["alice"], approve=False
        ),
        AuditAction.APPLICATION_DECIDE,
    ),
    "circles.circle_update": (
        lambda w: circles.circle_update(
            circle_id=w["circle"].pk,
            editor=w["alice"],
            version=w["circle"].version,
            changes=_changes(w["circle"], title="Nouveau titre"),
        ),
        AuditAction.CIRCLE_UPDATE,
    ),
    "circles.facilitator_invite": (
        lambda w: circles.facilitator_invite(circle_id=w["circle"].pk, invited_by=w["alice"], email="x@exemple.fr"),
        AuditAction.INVITATION_SEND,
    ),
    "circles.facilitator_invitation_withdraw": (
        lambda w: circles.facilitator_invitation_withdraw(
            invitation_id=circles.facilitator_invite(
                circle_id=w["circle"].pk, invited_by=w["alice"], email="y@exemple.fr"
            ).pk,
            withdrawn_by=w["claire"],
        ),
        AuditAction.INVITATION_WITHDRAW,
    ),
    "circles.facilitator_remove": (
        lambda w: circles.facilitator_remove(
            circle_id=w["circle"].pk, removed_by=w["claire"], membership_id=w["co_facilitation"].pk
        ),
        AuditAction.FACILITATOR_REMOVE,
    ),
    "circles.circle_cancel": (
        lambda w: circles.circle_cancel(circle_id=w["circle"].pk, cancelled_by=w["claire"], reason="Faute de monde"),
        AuditAction.CIRCLE_CANCEL,
    ),
    "circles.circle_archive": (
        lambda w: circles.circle_archive(circle_id=w["circle"].pk, archived_by=w["claire"]),
        AuditAction.CIRCLE_ARCHIVE,
    ),
    "circles.kind_create": (
        lambda w: circles.kind_create(
            created_by=w["claire"], fields=_kind_fields(w["circle"].kind, slug="nouveau", name="Nouveau")
        ),
        AuditAction.KIND_CREATE,
    ),
    "circles.kind_update": (
        lambda w: circles.kind_update(
            kind_id=w["circle"].kind_id, updated_by=w["claire"], fields=_kind_fields(w["circle"].kind, position=9)
        ),
        AuditAction.KIND_UPDATE,
    ),
    "circles.circle_participants_export": (
        lambda w: circles.circle_participants_export(exported_by=w["claire"], circle_ids=[w["circle"].pk]),
        AuditAction.CIRCLE_EXPORT,
    ),
    "notifications.message_retry": (
        lambda w: notifications.message_retry(message_ids=[w["failed"].pk], retried_by=w["claire"]),
        AuditAction.MESSAGES_RETRY,
    ),
    "privacy.person_erase": (
        lambda w: privacy.person_erase(person_id=w["bob"].pk, erased_by=w["claire"]),
        AuditAction.PERSON_ERASE,
    ),
}


def test_every_service_that_acts_on_people_has_a_case_here() -> None:
    assert acting_services() == set(CASES)


@pytest.fixture
def world(circle: Circle, alice: User, bob: User, charlie: User, claire: User) -> dict[str, Any]:
    application = seat(circle, charlie, status=MembershipStatus.PENDING)
    co_facilitation = make_co_facilitator(circle, make_user("fanny"), invited_by=alice)
    failed = Message.objects.create(
        message_id="<failed@exemple.fr>", kind="people.account", address="x@exemple.fr", failed_at=timezone.now()
    )
    circle.refresh_from_db()
    return {
        "circle": circle,
        "alice": alice,
        "bob": bob,
        "claire": claire,
        "application": application,
        "co_facilitation": co_facilitation,
        "failed": failed,
        "organisation": Organisation.objects.get(profiles__user=bob),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(CASES))
def test_the_service_writes_its_audit_row_in_its_transaction(service: str, world: dict[str, Any]) -> None:
    act, action = CASES[service]
    AuditEvent.objects.all().delete()
    act(world)
    event = AuditEvent.objects.filter(action=action).latest("id")
    assert event.actor_id in {world["alice"].pk, world["claire"].pk}
    assert event.at <= timezone.now()
