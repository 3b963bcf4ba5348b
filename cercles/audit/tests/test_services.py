from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cercles.audit.jobs import purge_audit_log
from cercles.audit.models import AuditAction, AuditEvent
from cercles.audit.services import audit_record
from cercles.circles.exceptions import CircleEditError
from cercles.circles.models import Circle
from cercles.circles.services import circle_cancel
from cercles.people.models import User


@pytest.mark.django_db
def test_a_refused_action_leaves_no_row(circle: Circle, claire: User) -> None:
    with pytest.raises(CircleEditError):
        circle_cancel(circle_id=circle.pk, cancelled_by=claire, reason=" ")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_row_is_rolled_back_with_the_change(reference_data: None) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            audit_record(actor=1, action=AuditAction.PERSON_UPDATE, person=2)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_row_holds_field_names_once_never_values() -> None:
    with transaction.atomic():
        audit_record(actor=1, action=AuditAction.PERSON_UPDATE, person=2, changes=["email", "email"])
    assert AuditEvent.objects.get().changes == ["email"]


@pytest.mark.django_db(transaction=True)
def test_a_row_written_outside_any_transaction_is_refused(reference_data: None) -> None:
    with pytest.raises(transaction.TransactionManagementError):
        audit_record(actor=1, action=AuditAction.PERSON_UPDATE)


@pytest.mark.django_db
def test_rows_older_than_the_retention_period_are_purged_daily(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_RETENTION_DAYS = 365
    start = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False), transaction.atomic():
        old = audit_record(actor=1, action=AuditAction.PERSON_UPDATE)
    with time_machine.travel(start + datetime.timedelta(days=200), tick=False), transaction.atomic():
        recent = audit_record(actor=1, action=AuditAction.PERSON_UPDATE)
    with time_machine.travel(start + datetime.timedelta(days=366), tick=False):
        purge_audit_log()
        assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
        assert timezone.now() - recent.at < datetime.timedelta(days=365)
    assert old.pk not in AuditEvent.objects.values_list("pk", flat=True)
