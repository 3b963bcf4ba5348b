"""The collectivités shipped with Cercles (data/collectivites.csv), their lookup, and the command that
regenerates the file from the npm package (tried here on a tiny package written by the tests)."""

from __future__ import annotations

import collections
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cercles.core.text import normalize_for_search
from cercles.people import collectivites
from cercles.people.collectivites import Collectivite

TERRITORIES = json.loads((collectivites.CSV_PATH.parent / "territories.json").read_text(encoding="utf-8"))


def _labels(typed: str, limit: int = 8) -> list[str]:
    return [c.label for c in collectivites.suggest(typed, limit)]


class TestShippedFile:
    def test_it_lists_the_communes_epcis_departements_and_regions_of_the_2026_cog(self) -> None:
        counts = collections.Counter(c.kind for c in collectivites.all_collectivites())
        assert counts == {"commune": 34875, "epci": 1255, "departement": 101, "region": 18}

    def test_its_departements_and_regions_are_those_of_the_profile(self) -> None:
        shipped = {
            (c.kind, c.code, c.name) for c in collectivites.all_collectivites() if c.kind in {"departement", "region"}
        }
        expected = {("region", r["code"], r["name"]) for r in TERRITORIES["regions"]}
        expected |= {("departement", d["code"], d["name"]) for d in TERRITORIES["departements"]}
        assert shipped == expected

    def test_every_commune_and_epci_is_in_a_departement_a_profile_can_name(self) -> None:
        codes = {d["code"] for d in TERRITORIES["departements"]}
        assert {c.departement for c in collectivites.all_collectivites() if c.kind != "region"} <= codes

    def test_each_label_designates_one_collectivite(self) -> None:
        entries = collectivites.all_collectivites()
        assert len({normalize_for_search(c.label) for c in entries}) == len(entries)


class TestLabels:
    @pytest.mark.parametrize(
        "label",
        [
            "Commune de Sète (34)",
            "Commune d'Agde (34)",
            "Commune du Havre (76)",
            "Commune des Abymes (971)",
            "Commune de La Rochelle (17)",
            "CA Sète Agglopôle Méditerranée (EPCI, 34)",
            "Département de l'Hérault",
            "Département des Hautes-Alpes",
            "Département du Nord",
            "Région Occitanie",
        ],
    )
    def test_a_label_reads_as_french_and_finds_its_collectivite(self, label: str) -> None:
        found = collectivites.find_by_label(label)
        assert found is not None
        assert found.label == label

    def test_a_label_is_found_whatever_its_case_accents_and_spaces(self) -> None:
        assert collectivites.find_by_label("  COMMUNE de  sete (34) ") == collectivites.find_by_label(
            "Commune de Sète (34)"
        )

    @pytest.mark.parametrize(
        "edited",
        ["Commune de Sète (30)", "Commune de Sète", "Commune de Sète (34) annexe", "Sète", "Mairie de Sète (34)"],
    )
    def test_an_edited_label_designates_nothing(self, edited: str) -> None:
        assert collectivites.find_by_label(edited) is None

    def test_an_organisation_named_like_a_collectivite_is_recognised_in_its_departement_only(self) -> None:
        sete = collectivites.find_by_label("Commune de Sète (34)")
        assert collectivites.find_by_organisation("COMMUNE DE SETE", "34") == sete
        assert collectivites.find_by_organisation("Commune de Sète", "30") is None
        assert collectivites.find_by_organisation("Région Occitanie", None) is not None


class TestSuggest:
    def test_case_and_accents_are_ignored(self) -> None:
        assert _labels("SETE") == _labels("sète")
        assert _labels("sète")[:2] == ["Commune de Sète (34)", "CA Sète Agglopôle Méditerranée (EPCI, 34)"]

    def test_words_may_come_in_any_order(self) -> None:
        assert _labels("méditerranée sète agglo") == ["CA Sète Agglopôle Méditerranée (EPCI, 34)"]
        assert _labels("département hérault") == ["Département de l'Hérault"]

    def test_the_name_matched_whole_comes_first_then_the_most_populated(self) -> None:
        assert _labels("paris", 2) == ["Commune de Paris (75)", "Département de Paris"]
        assert _labels("saint-denis", 2) == ["Commune de Saint-Denis (974)", "Commune de Saint-Denis (93)"]

    def test_a_designation_typed_gives_those_collectivites_first(self) -> None:
        assert all(label.startswith("Région ") for label in _labels("région"))

    def test_the_limit_is_respected(self) -> None:
        assert len(_labels("saint", 5)) == 5
        assert _labels("saint", 0) == []

    @pytest.mark.parametrize("typed", ["", "   ", "<script>alert(1)</script>", "x" * 10_000, "%_\\'\"", "\x00"])
    def test_odd_input_gives_an_answer_not_an_error(self, typed: str) -> None:
        assert isinstance(collectivites.suggest(typed, 8), list)


def _write_package(directory: Path, **files: list[dict[str, Any]]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, rows in files.items():
        (directory / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")
    return directory


def _commune(code: str, nom: str, departement: str, **extra: Any) -> dict[str, Any]:
    region = "76" if departement in {"30", "34"} else "975"
    return {
        "code": code,
        "nom": nom,
        "departement": departement,
        "region": region,
        "typeLiaison": 0,
        "type": "commune-actuelle",
        "population": 1000,
    } | extra


def _tiny_package(directory: Path) -> Path:
    return _write_package(
        directory,
        regions=[
            {"code": "76", "nom": "Occitanie", "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"},
        ],
        departements=[
            {"code": "34", "nom": "Hérault", "region": "76", "typeLiaison": 5, "zone": "metro"},
            {"code": "30", "nom": "Gard", "region": "76", "typeLiaison": 2, "zone": "metro"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "region": "975", "typeLiaison": 0, "zone": "com"},
        ],
        communes=[
            _commune("34301", "Sète", "34", population=45337),
            _commune("34003", "Agde", "34", typeLiaison=1),
            _commune("30133", "Le Grau-du-Roi", "30", typeLiaison=2),
            _commune("30189", "Nîmes", "30"),
            _commune("34999", "Ancienne commune", "34", type="commune-deleguee"),
            _commune("97502", "Saint-Pierre", "975"),
        ],
        epci=[
            {
                "code": "200066355",
                "nom": "CA Sète Agglopôle Méditerranée",
                "populationMunicipale": 129982,
                "membres": [{"code": "34301"}, {"code": "34003"}, {"code": "30133"}],
            },
            {
                "code": "200000001",
                "nom": "CC Moitié-Moitié",
                "populationMunicipale": 2000,
                "membres": [{"code": "34003"}, {"code": "30189"}],
            },
        ],
    )


class TestCogImport:
    def test_it_writes_one_row_per_collectivite_of_the_package(self, tmp_path: Path) -> None:
        output = tmp_path / "collectivites.csv"
        call_command("cog_import", str(_tiny_package(tmp_path / "data")), output=output, stdout=io.StringIO())
        assert output.read_text(encoding="utf-8").splitlines() == [
            "kind,code,name,departement,liaison,population",
            "region,76,Occitanie,,0,48337",
            "departement,30,Gard,30,2,2000",
            "departement,34,Hérault,34,5,46337",
            # An EPCI goes to the département of most of its communes; a tie to the smaller code.
            "epci,200000001,CC Moitié-Moitié,30,0,2000",
            "epci,200066355,CA Sète Agglopôle Méditerranée,34,0,129982",
            "commune,30133,Le Grau-du-Roi,30,2,1000",
            "commune,30189,Nîmes,30,0,1000",
            "commune,34003,Agde,34,1,1000",
            "commune,34301,Sète,34,0,45337",
        ]

    def test_what_it_writes_reads_back_as_labelled_collectivites(self, tmp_path: Path) -> None:
        output = tmp_path / "collectivites.csv"
        call_command("cog_import", str(_tiny_package(tmp_path / "data")), output=output, stdout=io.StringIO())
        rows = collectivites.read_csv(output)
        assert rows[-1] == Collectivite("commune", "34301", "Sète", "34", 0, 45337)
        assert {c.label for c in rows} >= {"Commune du Grau-du-Roi (30)", "Département du Gard", "Région Occitanie"}

    def test_a_file_missing_from_the_package_is_reported(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match=r"communes\.json is missing"):
            call_command("cog_import", str(_write_package(tmp_path, regions=[], departements=[])), stdout=io.StringIO())

    def test_a_package_of_another_format_is_reported(self, tmp_path: Path) -> None:
        package = _write_package(tmp_path, regions=[{"code": "76"}], departements=[], communes=[], epci=[])
        with pytest.raises(CommandError, match="unexpected package format"):
            call_command("cog_import", str(package), stdout=io.StringIO())

    def test_two_collectivites_under_one_label_are_refused(self, tmp_path: Path) -> None:
        package = _tiny_package(tmp_path)
        communes = json.loads((package / "communes.json").read_text(encoding="utf-8"))
        communes.append(_commune("34998", "SETE", "34"))
        (package / "communes.json").write_text(json.dumps(communes), encoding="utf-8")
        output = tmp_path / "collectivites.csv"
        with pytest.raises(CommandError, match="share a label"):
            call_command("cog_import", str(package), output=output, stdout=io.StringIO())
        assert not output.exists()
