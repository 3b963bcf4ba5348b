"""Two tabs saving the same draft at once: one is saved, the other refused with the stored text.

Runs on PostgreSQL with two real concurrent transactions (SELECT … FOR UPDATE on the artefact, and the
unique constraint when both create the first version).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cercles.rooms.exceptions import ArtefactConflict
from cercles.rooms.models import Artefact
from cercles.rooms.services import artefact_save
from cercles.rooms.tests.writing_factories import APPRENTISSAGES, open_room
from tests.factories import make_circle, make_meeting, make_user, seat
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent transactions")


@pytest.mark.parametrize("first_save", [True, False], ids=["first-version", "later-version"])
def test_two_tabs_saving_at_once_one_is_saved_the_other_refused(first_save: bool) -> None:
    bob = make_user("bob")
    circle = make_circle(facilitators=(make_user("alice"),))
    seat(circle, bob)
    meeting = make_meeting(circle, in_days=0)
    open_room(meeting, step=APPRENTISSAGES)
    seen = 0
    if not first_save:
        seen = artefact_save(
            meeting.pk, author=bob, step=APPRENTISSAGES, slot_key="apprentissages", text="Début", seen_version=0
        ).version

    def tab(text: str) -> Callable[[], object]:
        return lambda: artefact_save(
            meeting.pk, author=bob, step=APPRENTISSAGES, slot_key="apprentissages", text=text, seen_version=seen
        )

    errors = run_at_once([tab("Onglet A"), tab("Onglet B")])
    assert [type(error) for error in errors] == [ArtefactConflict]
    stored = Artefact.objects.get()
    assert stored.version == seen + 1
    assert stored.text in ("Onglet A", "Onglet B")
    assert errors[0].text == stored.text  # type: ignore[attr-defined]
