from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercles.privacy.registry import declarations
from cercles.privacy.selectors import export_as_json, person_data_export
from cercles.privacy.services import person_addresses
from cercles.privacy.tests.conftest import LAST_NAME, Erasable
from conftest import client_for
from tests.factories import make_circle, seat


@pytest.mark.django_db
def test_the_export_holds_every_declared_row_the_person_owns(zephyrine: Erasable) -> None:
    person = zephyrine.person
    addresses = person_addresses(person)
    expected = {
        d.key: set(d.rows_of(person, addresses).values_list("pk", flat=True)) for d in declarations() if d.export_fields
    }
    exported = {s.key: {row["pk"] for row in s.rows} for s in person_data_export(person=person, viewer=person)}
    assert exported == expected
    assert all(expected[key] for key in ("people.User", "people.Profile", "circles.Membership"))


@pytest.mark.django_db
def test_nobody_else_reads_a_persons_export(zephyrine: Erasable, claire) -> None:  # type: ignore[no-untyped-def]
    from cercles.core.policy import PolicyDenied

    with pytest.raises(PolicyDenied):
        person_data_export(person=zephyrine.person, viewer=claire)


@pytest.mark.django_db
def test_the_json_download_is_the_readable_page_as_data(zephyrine: Erasable) -> None:
    client = client_for(zephyrine.person)
    response = client.get(reverse("privacy:my_data_json"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    sections = person_data_export(person=zephyrine.person, viewer=zephyrine.person)
    expected = json.loads(json.dumps(export_as_json(sections)))
    # The download itself was logged after the file was built: the only row the file lacks.
    logged = expected.pop("audit.AuditEvent")["rows"]
    assert logged[-1]["action"] == "person.export"
    assert data.pop("audit.AuditEvent")["rows"] == logged[:-1]
    assert data == expected
    assert data["people.User"]["rows"][0]["last_name"] == LAST_NAME
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert LAST_NAME in page
    assert zephyrine.member_of.title in page


@pytest.mark.django_db
def test_the_export_page_keeps_its_query_count_with_more_data(zephyrine: Erasable) -> None:
    client = client_for(zephyrine.person)
    client.get(reverse("privacy:my_data"))  # the day's first visit also records the activity
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("privacy:my_data"))
    for _ in range(15):
        seat(make_circle(), zephyrine.person)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("privacy:my_data"))
    assert len(large.captured_queries) == len(small.captured_queries)
