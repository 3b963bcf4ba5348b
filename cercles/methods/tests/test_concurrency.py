"""Two editors saving the same version at once: one is saved, the other refused, nothing overwritten.

Runs on PostgreSQL with two real concurrent transactions (SELECT … FOR UPDATE on the rows).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cercles.circles.models import CircleKind
from cercles.methods import services
from cercles.methods.exceptions import AdaptationConflict, MethodEditConflict
from cercles.methods.library import CODEVELOPPEMENT
from cercles.methods.models import CircleMethod, KindMethod
from cercles.methods.protocol import parse_method
from tests.factories import make_circle, make_user
from tests.races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SEANCE = parse_method(CODEVELOPPEMENT).protocol("seance")
assert SEANCE is not None


@pytest.fixture(autouse=True)
def _needs_postgresql(reference_data: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): row locks under two real concurrent transactions")


@pytest.mark.parametrize("attempt", range(3))
def test_two_facilitators_adapting_at_once_one_wins(attempt: int) -> None:
    alice, fanny = make_user("alice"), make_user("fanny")
    circle = make_circle(facilitators=(alice, fanny))

    def adapt(editor: object, minutes: int) -> Callable[[], object]:
        choices = [services.StepChoice(phase=p.key, count=1, minutes=p.minutes) for p in SEANCE.phases]  # type: ignore[union-attr]
        choices[1] = services.StepChoice(phase="expose", count=1, minutes=minutes)
        return lambda: services.circle_method_adapt(
            circle_id=circle.pk,
            editor=editor,  # type: ignore[arg-type]
            protocol_key="seance",
            version=0,
            choices=choices,
        )

    errors = run_at_once([adapt(alice, 5), adapt(fanny, 15)])
    assert [type(error) for error in errors] == [AdaptationConflict]
    assert CircleMethod.objects.get(circle=circle).version == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_editing_the_shipped_method_at_once_one_wins(attempt: int) -> None:
    kind = CircleKind.objects.get(slug="codeveloppement")
    editors = [make_user(is_staff=True), make_user(is_staff=True)]

    def edit(editor: object, name: str) -> Callable[[], object]:
        phases = [
            services.PhaseInput(
                key=p.key,
                name=p.name,
                instructions=p.instructions,
                minutes=p.minutes,
                min_minutes=p.min_minutes,
                max_minutes=p.max_minutes,
                mode=p.mode.value,
            )
            for p in SEANCE.phases  # type: ignore[union-attr]
        ]
        changes = services.ProtocolChanges(name=name, when="", phases=phases)
        return lambda: services.kind_method_update(
            kind_id=kind.pk,
            editor=editor,  # type: ignore[arg-type]
            protocol_key="seance",
            version=0,
            changes=changes,
        )

    errors = run_at_once([edit(editors[0], "Version A"), edit(editors[1], "Version B")])
    assert [type(error) for error in errors] == [MethodEditConflict]
    stored = KindMethod.objects.get(kind=kind)
    assert stored.version == 1
