from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Circle
from cercles.people.models import User
from cercles.privacy.services import person_erase
from conftest import client_for
from tests.factories import make_user

LOG = "admin:audit_auditevent_changelist"


def _log(actor: User, person: User, circle: Circle | None = None, count: int = 1) -> None:
    with transaction.atomic():
        for _ in range(count):
            audit_record(actor=actor, action=AuditAction.PERSON_UPDATE, person=person, circle=circle)


@pytest.mark.django_db
def test_coordinators_read_who_did_what_to_whom(claire: User, bob: User, circle: Circle) -> None:
    bob.last_name = "Zarbalestrin"
    bob.save()
    _log(claire, bob, circle)
    page = client_for(claire).get(reverse(LOG)).content.decode()
    assert "Zarbalestrin" in page
    assert "Compte modifié" in page


@pytest.mark.django_db
def test_an_erased_person_shows_as_personne_supprimee(claire: User, bob: User) -> None:
    bob.last_name = "Zarbalestrin"
    bob.save()
    _log(claire, bob)
    person_erase(person_id=bob.pk, erased_by=claire)
    page = client_for(claire).get(reverse(LOG)).content.decode()
    assert "personne supprimée" in page
    assert "Zarbalestrin" not in page


@pytest.mark.django_db
def test_the_log_filters_by_person(claire: User, bob: User, charlie: User) -> None:
    charlie.last_name = "Quonvilatte"
    charlie.save()
    _log(claire, bob)
    _log(claire, charlie)
    page = client_for(claire).get(reverse(LOG), {"person_id": bob.pk}).content.decode()
    assert "Quonvilatte" not in page


@pytest.mark.django_db
def test_only_coordinators_read_the_log(alice: User) -> None:
    staff = make_user("steve", is_staff=True, coordinator=False)
    assert client_for(alice).get(reverse(LOG)).status_code == 302
    assert client_for(staff).get(reverse(LOG)).status_code in {302, 403}


@pytest.mark.django_db
def test_the_log_page_keeps_its_query_count(claire: User) -> None:
    client = client_for(claire)
    _log(claire, make_user())
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(LOG))
    for _ in range(30):
        _log(claire, make_user())
    with CaptureQueriesContext(connection) as large:
        client.get(reverse(LOG))
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.django_db
def test_the_action_filter_lists_every_action_of_every_app_by_its_french_label(claire: User) -> None:
    page = client_for(claire).get(reverse(LOG)).content.decode()
    for value, label in AuditAction.choices:
        assert f'<a href="?action={value}">{escape(label)}</a>' in page
    assert '<a href="?action=attendance.record">Présences notées</a>' in page


@pytest.mark.django_db
def test_the_log_shows_how_many_things_an_action_touched(claire: User, alice: User, circle: Circle) -> None:
    with transaction.atomic():
        audit_record(actor=alice, action=AuditAction.ATTENDANCE_RECORD, circle=circle, count=7)
    page = client_for(claire).get(reverse(LOG), {"action": AuditAction.ATTENDANCE_RECORD}).content.decode()
    assert "Présences notées" in page
    assert '<td class="field-count">7</td>' in page


@pytest.mark.django_db
def test_a_row_about_several_objects_of_a_kind_names_the_kind_alone(claire: User, alice: User, circle: Circle) -> None:
    with transaction.atomic():
        audit_record(actor=alice, action=AuditAction.MEETINGS_PLAN, circle=circle, object_kind="meeting", count=6)
    page = client_for(claire).get(reverse(LOG)).content.decode()
    assert '<td class="field-object">meeting</td>' in page
    assert "meeting None" not in page
