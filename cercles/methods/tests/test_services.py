"""The methods' services and selectors called directly: the policy, the checks, the stored documents."""

from __future__ import annotations

import pytest

from cercles.circles.models import Circle, CircleKind
from cercles.core.policy import PolicyDenied
from cercles.methods import selectors, services
from cercles.methods.exceptions import (
    METHOD_NOT_DESCRIBED,
    VARIANT_NOT_FOUND,
    MethodInvalid,
    MethodNotDescribed,
    describe,
)
from cercles.methods.library import CODEVELOPPEMENT
from cercles.methods.models import CircleMethod, KindMethod
from cercles.methods.protocol import Problem, ProblemCode, parse_method
from cercles.people.models import User
from tests.factories import make_circle

pytestmark = pytest.mark.django_db

SEANCE = parse_method(CODEVELOPPEMENT).protocol("seance")
assert SEANCE is not None


def phase_inputs() -> list[services.PhaseInput]:
    return [
        services.PhaseInput(
            key=phase.key,
            name=phase.name,
            instructions=phase.instructions,
            minutes=phase.minutes,
            min_minutes=phase.min_minutes,
            max_minutes=phase.max_minutes,
            mode=phase.mode.value,
            speakers=phase.speakers,
            prompts=phase.prompts,
        )
        for phase in SEANCE.phases  # type: ignore[union-attr]
    ]


def changes(phases: list[services.PhaseInput] | None = None) -> services.ProtocolChanges:
    return services.ProtocolChanges(name="Une séance", when="", phases=phases or phase_inputs())


def codev_kind() -> CircleKind:
    return CircleKind.objects.get(slug="codeveloppement")


def test_only_coordinators_edit_a_kind_s_method(alice: User) -> None:
    with pytest.raises(PolicyDenied):
        services.kind_method_update(
            kind_id=codev_kind().pk, editor=alice, protocol_key="seance", version=0, changes=changes()
        )


def test_the_first_edit_stores_the_shipped_method_and_the_next_raises_the_version(claire: User) -> None:
    stored = services.kind_method_update(
        kind_id=codev_kind().pk, editor=claire, protocol_key="seance", version=0, changes=changes()
    )
    assert stored.version == 1
    assert str(stored) == codev_kind().name
    assert selectors.method_get(slug="codeveloppement").version == 1
    again = services.kind_method_update(
        kind_id=codev_kind().pk, editor=claire, protocol_key="seance", version=1, changes=changes()
    )
    assert again.version == 2
    assert KindMethod.objects.count() == 1


def test_a_kind_without_a_method_and_an_unknown_variant_are_refused(claire: User) -> None:
    arpentage = CircleKind.objects.get(slug="arpentage")
    with pytest.raises(MethodNotDescribed) as caught:
        services.kind_method_update(kind_id=arpentage.pk, editor=claire, protocol_key="x", version=0, changes=changes())
    assert caught.value.message == METHOD_NOT_DESCRIBED
    with pytest.raises(MethodNotDescribed) as caught:
        services.kind_method_update(
            kind_id=codev_kind().pk, editor=claire, protocol_key="inconnue", version=0, changes=changes()
        )
    assert caught.value.message == VARIANT_NOT_FOUND


def test_added_phases_get_distinct_keys_even_from_names_without_letters(claire: User) -> None:
    extra = [
        services.PhaseInput(key="", name=name, instructions="…", minutes=5, min_minutes=5, max_minutes=5, mode="libre")
        for name in ("2e tour", "2e tour", "Expose")
    ]
    stored = services.kind_method_update(
        kind_id=codev_kind().pk,
        editor=claire,
        protocol_key="seance",
        version=0,
        changes=changes(phase_inputs() + extra),
    )
    seance = parse_method(stored.document).protocol("seance")
    assert seance is not None
    assert [phase.key for phase in seance.phases[-3:]] == ["etape_2e_tour", "etape_2e_tour_2", "expose_2"]


def test_a_duplicate_phase_key_is_refused_with_a_french_message(claire: User) -> None:
    phases = phase_inputs()
    phases[1] = services.PhaseInput(**{**phases[1].__dict__, "key": phases[0].key})
    with pytest.raises(MethodInvalid) as caught:
        services.kind_method_update(
            kind_id=codev_kind().pk, editor=claire, protocol_key="seance", version=0, changes=changes(phases)
        )
    assert caught.value.messages == [
        "Variante 1 « Une séance », étapes : l'identifiant « retour » est utilisé deux fois."
    ]


def test_only_facilitators_and_coordinators_adapt_a_circle_s_method(circle: Circle, bob: User, claire: User) -> None:
    choices = [services.StepChoice(phase=phase.key, count=1, minutes=phase.minutes) for phase in SEANCE.phases]  # type: ignore[union-attr]
    with pytest.raises(PolicyDenied):
        services.circle_method_adapt(circle_id=circle.pk, editor=bob, protocol_key="seance", version=0, choices=choices)
    stored = services.circle_method_adapt(
        circle_id=circle.pk, editor=claire, protocol_key="seance", version=0, choices=choices
    )
    assert str(stored).endswith("· seance")


def test_an_adaptation_naming_an_unknown_phase_is_refused_in_french(circle: Circle, alice: User) -> None:
    choices = [services.StepChoice(phase="fantome", count=1, minutes=10)]
    with pytest.raises(MethodInvalid) as caught:
        services.circle_method_adapt(
            circle_id=circle.pk, editor=alice, protocol_key="seance", version=0, choices=choices
        )
    assert caught.value.messages == [
        "Étape 1 du déroulé « fantome », étape : l'étape « fantome » n'existe pas dans cette variante."
    ]


def test_a_circle_of_a_kind_without_method_cannot_be_adapted(alice: User) -> None:
    other = make_circle(kind_slug="arpentage", facilitators=(alice,))
    with pytest.raises(MethodNotDescribed):
        services.circle_method_adapt(circle_id=other.pk, editor=alice, protocol_key="seance", version=0, choices=[])


def test_a_stored_adaptation_that_no_longer_parses_falls_back_to_the_method(circle: Circle) -> None:
    CircleMethod.objects.create(circle=circle, protocol_key="seance", adaptation={"étapes": "?"}, version=1)
    plan = selectors.circle_method(circle_id=circle.pk, user=None).plans[0]
    assert not plan.adapted
    assert plan.total_minutes == SEANCE.total_minutes  # type: ignore[union-attr]


def test_a_problem_in_an_unnamed_place_is_still_described() -> None:
    assert describe(Problem(ProblemCode.INVALID, ("bidule", 0))) == "Bidule, 1 : cette valeur n'est pas valide."
    assert describe(Problem(ProblemCode.NOT_A_DOCUMENT, ())) == "La méthode : la description n'a pas la forme attendue."
    message = describe(Problem(ProblemCode.TOO_LARGE, ("protocols", 0, "phases", 0, "max_minutes"), {"le": 240}))
    assert message == "Variante 1, étape 1, durée maximale : doit valoir au plus 240."
