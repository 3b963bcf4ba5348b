"""Cancelling and archiving a circle, renaming a kind, and the deadline rule in the database."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cercles.circles import selectors, services
from cercles.circles.exceptions import (
    ALREADY_CLOSED_DOWN,
    CANCEL_REASON_REQUIRED,
    CIRCLE_ARCHIVED,
    CIRCLE_CANCELLED,
    CircleEditError,
    CircleManagementDenied,
    MembershipError,
)
from cercles.circles.models import Circle, CircleKind, CircleStatus, Membership, MembershipStatus
from cercles.core.exceptions import DomainPermissionDenied
from cercles.people.models import User
from tests.factories import fill, make_circle, make_user, seat

pytestmark = pytest.mark.django_db


def status_of(circle: Circle) -> str:
    return selectors.with_status(Circle.objects.filter(pk=circle.pk)).get().status  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def full_circle(alice: User, bob: User) -> Circle:
    """Alice facilitates, Bob is a member, one person waits and one has applied."""
    circle = make_circle(facilitators=(alice,), capacity=1, title="Cercle à annuler")
    seat(circle, bob)
    seat(circle, make_user("wendy"), status=MembershipStatus.WAITING)
    seat(circle, make_user("pat"), status=MembershipStatus.PENDING)
    return circle


class TestCircleCancel:
    def test_it_closes_the_circle_and_tells_everyone_concerned(
        self, full_circle: Circle, claire: User, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="Faute d'inscrits, hélas.")
        assert status_of(full_circle) == CircleStatus.CANCELLED
        statuses = sorted(Membership.objects.filter(circle=full_circle).values_list("status", flat=True))
        assert statuses == sorted([MembershipStatus.ACTIVE] * 2 + [MembershipStatus.LEFT] * 2)
        recipients = sorted(message.to[0] for message in mail.outbox)
        concerned = Membership.objects.filter(circle=full_circle).values_list("user__email", flat=True)
        assert recipients == sorted(concerned)
        assert all("annulé" in message.subject for message in mail.outbox)
        assert all("Faute d'inscrits, hélas." in message.body for message in mail.outbox)

    def test_it_stops_anyone_from_joining(self, full_circle: Circle, claire: User, charlie: User) -> None:
        services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="Annulé.")
        with pytest.raises(MembershipError) as refused:
            services.membership_request(circle_id=full_circle.pk, user=charlie, pact_accepted=True)
        assert refused.value.message == CIRCLE_CANCELLED

    def test_a_freed_place_goes_to_nobody(self, full_circle: Circle, claire: User, bob: User) -> None:
        services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="Annulé.")
        services.membership_leave(circle_id=full_circle.pk, user=bob)
        assert not Membership.objects.filter(circle=full_circle, status=MembershipStatus.WAITING).exists()
        assert Membership.objects.filter(circle=full_circle, status=MembershipStatus.ACTIVE).count() == 1

    def test_it_is_not_counted_as_open(self, claire: User) -> None:
        circle = make_circle(title="Ouvert puis annulé")
        services.circle_cancel(circle_id=circle.pk, cancelled_by=claire, reason="Annulé.")
        sections = {section.need: section.open_count for section in selectors.home_need_sections()}
        assert sections[circle.kind.need] == 0
        assert circle not in selectors.circle_list_open_soon()

    def test_it_needs_a_reason(self, full_circle: Circle, claire: User) -> None:
        with pytest.raises(CircleEditError) as refused:
            services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="   ")
        assert (refused.value.message, refused.value.field) == (CANCEL_REASON_REQUIRED, "reason")
        assert status_of(full_circle) == CircleStatus.FULL

    @pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
    def test_it_is_for_coordinators_only(self, request, full_circle: Circle, persona: str) -> None:
        with pytest.raises(CircleManagementDenied):
            services.circle_cancel(
                circle_id=full_circle.pk, cancelled_by=request.getfixturevalue(persona), reason="Non."
            )
        assert status_of(full_circle) == CircleStatus.FULL

    def test_staff_outside_the_coordination_group_cannot_cancel(self, full_circle: Circle) -> None:
        steve = make_user("steve", is_staff=True, coordinator=False)
        with pytest.raises(CircleManagementDenied):
            services.circle_cancel(circle_id=full_circle.pk, cancelled_by=steve, reason="Non.")

    def test_a_second_cancellation_changes_nothing(self, full_circle: Circle, claire: User) -> None:
        services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="Première fois.")
        mail.outbox.clear()
        with pytest.raises(CircleEditError) as refused:
            services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="Deuxième fois.")
        assert refused.value.message == ALREADY_CLOSED_DOWN
        assert Circle.objects.get(pk=full_circle.pk).closing_reason == "Première fois."
        assert mail.outbox == []

    def test_an_edit_opened_before_cannot_reopen_it(self, full_circle: Circle, claire: User, alice: User) -> None:
        from cercles.circles.exceptions import CircleEditConflict

        opened_at = full_circle.version
        services.circle_cancel(circle_id=full_circle.pk, cancelled_by=claire, reason="Annulé.")
        fields = {name: getattr(full_circle, name) for name in services.CircleChanges.__dataclass_fields__}
        with pytest.raises(CircleEditConflict):
            services.circle_update(
                circle_id=full_circle.pk,
                editor=alice,
                version=opened_at,
                changes=services.CircleChanges(**(fields | {"is_open": True})),
            )


class TestCircleArchive:
    def test_it_closes_the_waiting_list_and_tells_everyone(
        self, full_circle: Circle, claire: User, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.circle_archive(circle_id=full_circle.pk, archived_by=claire)
        assert status_of(full_circle) == CircleStatus.ARCHIVED
        assert not Membership.objects.filter(
            circle=full_circle, status__in=[MembershipStatus.WAITING, MembershipStatus.PENDING]
        ).exists()
        assert len(mail.outbox) == 4
        assert all("archivé" in message.subject for message in mail.outbox)

    def test_it_refuses_newcomers(self, full_circle: Circle, claire: User, charlie: User) -> None:
        services.circle_archive(circle_id=full_circle.pk, archived_by=claire)
        with pytest.raises(MembershipError) as refused:
            services.membership_request(circle_id=full_circle.pk, user=charlie, pact_accepted=True)
        assert refused.value.message == CIRCLE_ARCHIVED

    def test_it_is_for_coordinators_only(self, full_circle: Circle, alice: User) -> None:
        with pytest.raises(CircleManagementDenied):
            services.circle_archive(circle_id=full_circle.pk, archived_by=alice)


def kind_fields(kind: CircleKind, **overrides: object) -> services.KindFields:
    fields = {name: getattr(kind, name) for name in services.KindFields.__dataclass_fields__}
    return services.KindFields(**(fields | overrides))  # type: ignore[arg-type]


class TestKindUpdate:
    def test_renaming_a_kind_refreshes_its_circles_search_text(self, claire: User) -> None:
        circles = [make_circle(kind_slug="arpentage", title=f"Lecture {number}") for number in range(3)]
        other = make_circle(kind_slug="codeveloppement", title="Autre")
        kind = CircleKind.objects.get(slug="arpentage")
        services.kind_update(
            kind_id=kind.pk, updated_by=claire, fields=kind_fields(kind, name="Lecture à plusieurs voix")
        )
        for circle in circles:
            assert "lecture a plusieurs voix" in Circle.objects.get(pk=circle.pk).search_text
        assert "plusieurs voix" not in Circle.objects.get(pk=other.pk).search_text
        found = selectors.circle_list_catalogue(filters=selectors.CatalogueFilters(query="plusieurs voix"))
        assert {circle.pk for circle in found} == {circle.pk for circle in circles}

    def test_it_keeps_the_sizes_in_order(self, claire: User) -> None:
        kind = CircleKind.objects.get(slug="arpentage")
        with pytest.raises(ValidationError):
            services.kind_update(kind_id=kind.pk, updated_by=claire, fields=kind_fields(kind, min_size=20, max_size=3))
        assert CircleKind.objects.get(pk=kind.pk).min_size == kind.min_size

    def test_it_is_for_coordinators_only(self, alice: User) -> None:
        kind = CircleKind.objects.get(slug="arpentage")
        with pytest.raises(DomainPermissionDenied):
            services.kind_update(kind_id=kind.pk, updated_by=alice, fields=kind_fields(kind, name="Pris"))
        with pytest.raises(DomainPermissionDenied):
            services.kind_create(created_by=alice, fields=kind_fields(kind, slug="nouveau", name="Nouveau"))

    def test_a_coordinator_adds_a_kind(self, claire: User) -> None:
        kind = CircleKind.objects.get(slug="arpentage")
        created = services.kind_create(created_by=claire, fields=kind_fields(kind, slug="atelier", name=" Atelier "))
        assert (created.slug, created.name) == ("atelier", "Atelier")


class TestDeadlineRule:
    def test_the_database_refuses_a_deadline_after_the_end(self) -> None:
        circle = make_circle()
        with pytest.raises(IntegrityError), transaction.atomic():
            Circle.objects.filter(pk=circle.pk).update(join_deadline=circle.end_date + datetime.timedelta(days=1))

    def test_model_validation_says_it_in_french(self) -> None:
        from cercles.circles.exceptions import DEADLINE_AFTER_END

        circle = make_circle()
        circle.join_deadline = circle.end_date + datetime.timedelta(days=1)
        with pytest.raises(ValidationError) as invalid:
            circle.full_clean()
        assert str(DEADLINE_AFTER_END) in str(invalid.value)


def test_filling_a_cancelled_circle_promotes_nobody(claire: User) -> None:
    circle = make_circle(capacity=1)
    fill(circle, 1)
    services.circle_cancel(circle_id=circle.pk, cancelled_by=claire, reason="Annulé.")
    assert services.circle_fill_from_waitlist(circle_id=circle.pk) == []
