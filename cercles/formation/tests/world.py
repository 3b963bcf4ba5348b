"""The formation's part of the permission matrix's world (tests/matrix_world.py).

Coordinator Claire runs a call; Pat (whose name and message are protected strings) applied with a
motivation; a finished run placed Pat alone in a group of one (the call's groups are of 1 to 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from cercles.formation.models import Application, Call, FormationRun, RunStatus
from cercles.formation.services import application_submit
from cercles.formation.tests.factories import make_call
from cercles.people.models import User


@dataclass
class FormationWorld:
    call: Call
    application: Application
    run: FormationRun


def build_formation_world(*, coordinator: User, applicant: User) -> FormationWorld:
    call = make_call(coordinator, title="Appel de la matrice", min_size=1, max_size=3, same_organisation_allowed=True)
    slot = call.slots.first()
    assert slot is not None
    application = application_submit(
        call_id=call.pk, user=applicant, motivation="Ma motivation fenouillard", slot_ids=[slot.pk]
    )
    person = str(application.pk)
    attributes = {"organisation": "1", "organisation_type": "commune", "job_family": "x", "territory": "35"}
    run = FormationRun.objects.create(
        call=call,
        number=1,
        status=RunStatus.DONE,
        problem={
            "people": [{"id": person, "attributes": attributes, "slots": [str(slot.pk)]}],
            "attributes": [["organisation", 3.0]],
            "min_size": 1,
            "max_size": 3,
            "cannot_link": [],
            "must_link": [],
            "locked": {},
            "group_count": 1,
        },
        groups=[[person]],
        edited_groups=[[person]],
        shared_slots=[str(slot.pk)],
        iterations=1,
        objective=0.0,
    )
    return FormationWorld(call=call, application=application, run=run)
