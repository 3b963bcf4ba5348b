"""The methods' pages: public explanations, the coordinators' editor, the facilitators' adaptation."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from cercles.circles.models import Circle, CircleKind
from cercles.methods.exceptions import ADAPTATION_EDITED_MEANWHILE, METHOD_EDITED_MEANWHILE, METHOD_NOT_DESCRIBED
from cercles.methods.forms import protocol_post_data
from cercles.methods.library import CODEVELOPPEMENT
from cercles.methods.models import CircleMethod, KindMethod
from cercles.methods.protocol import parse_method
from cercles.people.models import User
from conftest import client_for
from tests.factories import make_circle

pytestmark = pytest.mark.django_db

CODEV = parse_method(CODEVELOPPEMENT)
SEANCE = CODEV.protocol("seance")
assert SEANCE is not None


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def adapt_data(version: int = 0, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version}
    for phase in SEANCE.phases:  # type: ignore[union-attr]
        data[f"count_{phase.key}"] = 1
        data[f"minutes_{phase.key}"] = phase.minutes
    return {**data, **overrides}


def edit_url() -> str:
    return reverse("methods:edit", args=["codeveloppement", "seance"])


def test_the_methods_page_lists_every_kind_and_links_the_described_ones(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("methods:list"))
    assert response.status_code == 200
    body = text(response)
    assert reverse("methods:detail", args=["codeveloppement"]) in body
    assert "Arpentage" in body
    assert "pas encore décrit" in body


def test_the_methods_page_keeps_its_queries_whatever_the_number_of_kinds(client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client.get(reverse("methods:list"))  # warm the session and the site
    with django_assert_num_queries(1) as few:
        client.get(reverse("methods:list"))
    for number in range(30):
        CircleKind.objects.create(
            slug=f"type-{number}",
            name=f"Type {number}",
            need="entraide",
            purpose="p",
            method_summary="m",
            min_size=2,
            max_size=8,
            default_rhythm="mensuel",
            default_duration_minutes=90,
            default_pact="pacte",
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("methods:list"))


def test_a_method_page_explains_phases_roles_durations_and_who_reads_what(client) -> None:  # type: ignore[no-untyped-def]
    body = text(client.get(reverse("methods:detail", args=["codeveloppement"])))
    for expected in (
        "Exposé de la problématique",
        "Consultant·e",
        "Première séance",
        "Deux client·es",
        "vous et l'animation",
    ):
        assert expected in body
    assert "Modifier la variante" not in body


def test_a_kind_without_a_described_method_says_so_in_french(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("methods:detail", args=["arpentage"]))
    assert response.status_code == 404
    assert str(METHOD_NOT_DESCRIBED) in text(response)
    assert client.get(reverse("methods:detail", args=["inconnu"])).status_code == 404


def test_the_circle_s_method_page_shows_its_plan_without_names(client, circle: Circle, bob: User) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("methods:circle", args=[circle.pk]))
    body = text(response)
    assert response.status_code == 200
    assert "Déroulé de la méthode, sans adaptation." in body
    assert bob.last_name not in body or bob.last_name == "Test"
    assert reverse("methods:adapt", args=[circle.pk, "seance"]) not in body


def test_a_coordinator_edits_a_variant_on_a_page(claire: User) -> None:
    client = client_for(claire)
    assert client.get(edit_url()).status_code == 200
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    data["form-1-name"] = "Exposé du sujet"
    data["form-1-minutes"] = 12
    data["form-0-DELETE"] = "on"
    response = client.post(edit_url(), data)
    assert response.status_code == 302
    stored = parse_method(KindMethod.objects.get(kind__slug="codeveloppement").document)
    seance = stored.protocol("seance")
    assert seance is not None
    assert [phase.key for phase in seance.phases][:2] == ["expose", "clarification"]
    assert seance.phases[0].name == "Exposé du sujet"
    assert seance.phases[0].minutes == 12
    assert seance.phases[0].slots  # the slots stay with their phase


def test_a_coordinator_adds_a_phase_and_it_gets_a_key_from_its_name(claire: User) -> None:
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    data["form-TOTAL_FORMS"] = len(SEANCE.phases) + 1  # type: ignore[union-attr]
    new = f"form-{len(SEANCE.phases)}-"  # type: ignore[union-attr]
    data.update(
        {
            new + "name": "Météo d'arrivée",
            new + "instructions": "Chacun·e dit comment il ou elle arrive.",
            new + "min_minutes": 3,
            new + "minutes": 5,
            new + "max_minutes": 10,
            new + "mode": "tour",
            new + "ORDER": 0,
        }
    )
    assert client_for(claire).post(edit_url(), data).status_code == 302
    seance = parse_method(KindMethod.objects.get().document).protocol("seance")
    assert seance is not None
    assert seance.phases[0].key == "meteo_darrivee"


def test_a_bad_duration_is_refused_next_to_the_field_and_what_was_typed_stays(claire: User) -> None:
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    data["form-2-minutes"] = 50
    data["form-2-name"] = "Clarification longue"
    response = client_for(claire).post(edit_url(), data)
    body = text(response)
    assert response.status_code == 200
    assert "La durée par défaut doit être comprise" in body
    assert "Clarification longue" in body
    assert not KindMethod.objects.exists()


def test_a_fault_only_the_protocol_check_finds_is_named_in_french(claire: User) -> None:
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    data["form-3-prompts"] = "x" * 600  # a prompt longer than a prompt may be
    response = client_for(claire).post(edit_url(), data)
    body = text(response)
    assert response.status_code == 200
    assert (
        "Variante 1 « Une séance (un·e client·e) », étape 4 « Contrat », question 1 : ce texte est trop long." in body
    )


def test_an_edit_on_an_older_version_is_refused_and_keeps_what_was_typed(claire: User) -> None:
    client = client_for(claire)
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    assert client.post(edit_url(), data).status_code == 302
    data["name"] = "Ma version"
    response = client.post(edit_url(), data)
    body = text(response)
    assert str(METHOD_EDITED_MEANWHILE).split(".")[0] in body
    assert "Ma version" in body
    assert 'name="version" value="1"' in body


def test_emptying_a_variant_is_refused(claire: User) -> None:
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    for index in range(len(SEANCE.phases)):  # type: ignore[union-attr]
        data[f"form-{index}-DELETE"] = "on"
    response = client_for(claire).post(edit_url(), data)
    assert "Une variante garde au moins une étape." in text(response)


def test_a_facilitator_skips_and_repeats_phases_for_their_circle(circle: Circle, alice: User) -> None:
    client = client_for(alice)
    url = reverse("methods:adapt", args=[circle.pk, "seance"])
    assert client.get(url).status_code == 200
    data = adapt_data(count_retour=0, count_consultation=2, minutes_consultation=30)
    response = client.post(url, data)
    assert response.status_code == 302
    body = text(client.get(reverse("methods:circle", args=[circle.pk])))
    assert "Déroulé adapté par l'animation du cercle." in body
    stored = CircleMethod.objects.get(circle=circle)
    assert [step["phase"] for step in stored.adaptation["steps"]].count("consultation") == 2
    assert "retour" not in [step["phase"] for step in stored.adaptation["steps"]]


def test_a_duration_out_of_its_range_is_refused_in_french(circle: Circle, alice: User) -> None:
    url = reverse("methods:adapt", args=[circle.pk, "seance"])
    response = client_for(alice).post(url, adapt_data(minutes_expose=40))
    assert response.status_code == 200
    assert "inférieure ou égale à 15" in text(response)
    assert not CircleMethod.objects.exists()


def test_skipping_every_phase_is_refused(circle: Circle, alice: User) -> None:
    url = reverse("methods:adapt", args=[circle.pk, "seance"])
    data = adapt_data(**{f"count_{phase.key}": 0 for phase in SEANCE.phases})  # type: ignore[union-attr]
    response = client_for(alice).post(url, data)
    assert "gardez au moins une étape." in text(response)


def test_an_adaptation_on_an_older_version_is_refused(circle: Circle, alice: User) -> None:
    client = client_for(alice)
    url = reverse("methods:adapt", args=[circle.pk, "seance"])
    assert client.post(url, adapt_data()).status_code == 302
    response = client.post(url, adapt_data(minutes_expose=5))
    body = text(response)
    assert str(ADAPTATION_EDITED_MEANWHILE).split(".")[0] in body
    assert 'name="version" value="1"' in body


def test_a_member_may_not_adapt_nor_edit(circle: Circle, bob: User) -> None:
    client = client_for(bob)
    assert client.get(reverse("methods:adapt", args=[circle.pk, "seance"])).status_code == 403
    assert client.get(edit_url()).status_code == 403


def test_an_unknown_variant_is_not_found(circle: Circle, alice: User, claire: User) -> None:
    assert client_for(alice).get(reverse("methods:adapt", args=[circle.pk, "inconnue"])).status_code == 404
    assert client_for(claire).get(reverse("methods:edit", args=["codeveloppement", "inconnue"])).status_code == 404


def test_a_circle_of_a_kind_without_method_has_no_method_page(client, alice: User) -> None:  # type: ignore[no-untyped-def]
    other = make_circle(kind_slug="arpentage", facilitators=(alice,))
    assert client.get(reverse("methods:circle", args=[other.pk])).status_code == 404
    assert client_for(alice).get(reverse("methods:adapt", args=[other.pk, "seance"])).status_code == 404


def test_a_fault_without_a_field_on_the_page_is_shown_on_top(claire: User) -> None:
    data = protocol_post_data(CODEV, SEANCE, version=0)  # type: ignore[arg-type]
    data["form-1-key"] = data["form-0-key"]
    body = text(client_for(claire).post(edit_url(), data))
    assert "l'identifiant « retour » est utilisé deux fois." in body
