"""The collectivités of INSEE's Code officiel géographique, looked up in memory.

``data/collectivites.csv`` lists the communes, EPCIs (intercommunalités à fiscalité propre),
départements and régions, derived from the npm package ``@etalab/decoupage-administratif`` by
``manage.py cog_import`` (docs/people.md says how to refresh it). This module reads it once per process,
at the first use, and answers without the database:

- ``suggest(typed, limit)``: the collectivités whose label holds every word typed, in any order
  (case, accents and spaces ignored), the official name matched whole first, then by its start, then
  anywhere; the most populated first within each of those;
- ``find_by_label(text)``: the collectivité a suggestion's label designates, or None;
- ``find_by_organisation(name, departement_code)``: the collectivité an organisation stands for.

Labels and organisation names are official French designations (« Commune de Sète (34) »): data
stored as an organisation's name and matched when a form comes back, so they are never translated.
"""

from __future__ import annotations

import collections
import csv
import functools
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cercles.core.text import normalize_for_search
from cercles.people.models import OrganisationType

CSV_PATH = Path(__file__).resolve().parent / "data" / "collectivites.csv"
CSV_COLUMNS = ("kind", "code", "name", "departement", "liaison", "population")

COMMUNE = OrganisationType.COMMUNE.value
EPCI = OrganisationType.EPCI.value
DEPARTEMENT = OrganisationType.DEPARTEMENT.value
REGION = OrganisationType.REGION.value
# The CSV's order: the few big ones first, so that a diff of a yearly refresh reads from the top.
KINDS = (REGION, DEPARTEMENT, EPCI, COMMUNE)


class PackageError(ValueError):
    """The package's files (or the CSV) cannot give an unambiguous list (the message says what to look at)."""


# INSEE's "type de nom en clair" (TNCC): the article a name may start with, and how "de" joins it.
# Communes carry their article in their name ("Le Havre"); départements do not ("Hérault").
_LIAISONS: dict[int, tuple[str, str]] = {
    0: ("", "de "),
    1: ("", "d'"),
    2: ("Le ", "du "),
    3: ("La ", "de la "),
    4: ("Les ", "des "),
    5: ("L'", "de l'"),
    6: ("Aux ", "des "),
    7: ("Las ", "de las "),
    8: ("Los ", "de los "),
}
# Articles that merge with "de" (« Commune du Havre »); the others stay as the name writes them
# (« Commune de La Rochelle »), as INSEE writes them.
_CONTRACTING_ARTICLES = ("Le ", "Les ", "Aux ")


@dataclass(frozen=True, slots=True)
class Collectivite:
    """One line of the CSV: a commune, an EPCI, a département or a région."""

    kind: str  # an OrganisationType value: commune, epci, departement, region
    code: str  # INSEE code (commune, département, région) or SIREN (EPCI)
    name: str  # the official name: "Sète", "CA Sète Agglopôle Méditerranée", "Hérault"
    departement: str  # its département's code; for an EPCI, most of its communes'; "" for a région
    liaison: int  # INSEE's TNCC (see _LIAISONS): "Commune du Havre", "Département de l'Hérault"
    population: int  # municipal population (summed for départements and régions): ranks homonyms

    @property
    def organisation_name(self) -> str:
        """The employer's name: « Commune de Sète », « Département de l'Hérault », « Région Occitanie »."""
        if self.kind == EPCI:
            return self.name
        if self.kind == REGION:
            return f"Région {self.name}"
        article, joiner = _LIAISONS.get(self.liaison, _LIAISONS[0])
        if not article or not self.name.startswith(article):
            joined = joiner + self.name
        elif article in _CONTRACTING_ARTICLES:
            joined = joiner + self.name.removeprefix(article)
        else:
            joined = "de " + self.name
        designation = "Commune" if self.kind == COMMUNE else "Département"
        return f"{designation} {joined}"

    @property
    def label(self) -> str:
        """What the suggestions show, unambiguous on its own: « Commune de Sète (34) », « … (EPCI, 34) »."""
        return self.organisation_name + self.label_suffix

    @property
    def label_suffix(self) -> str:
        # ASCII only (a département's code, "EPCI"): its folded form is its lower case.
        if self.kind == COMMUNE:
            return f" ({self.departement})"
        if self.kind == EPCI:
            return f" (EPCI, {self.departement})"
        return ""


@dataclass(frozen=True)
class _Index:
    # Parallel sequences, ordered most populated first: a scan meets the big ones first.
    entries: tuple[Collectivite, ...]
    haystacks: tuple[str, ...]  # folded labels: what the typed words are looked for in
    # Folded official names ("sete") and organisation names ("commune de sete"): what ranks a match.
    names: tuple[str, ...]
    organisation_names: tuple[str, ...]
    by_label: dict[str, Collectivite]  # folded label -> entry
    by_organisation: dict[tuple[str, str], Collectivite]  # (folded organisation name, département) -> entry


def read_csv(path: Path = CSV_PATH) -> list[Collectivite]:
    """The collectivités of a file written by ``csv_text``; PackageError when its columns differ."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        if tuple(next(rows, ())) != CSV_COLUMNS:
            raise PackageError(f"{path} does not start with the columns {', '.join(CSV_COLUMNS)}")
        # The kinds and the ~100 département codes repeat on every line: one string each, not 36,000.
        return [
            Collectivite(sys.intern(kind), code, name, sys.intern(departement), int(liaison), int(population))
            for kind, code, name, departement, liaison, population in rows
        ]


def _build_index(collectivites: Iterable[Collectivite]) -> _Index:
    entries = tuple(sorted(collectivites, key=lambda c: (-c.population, c.kind, c.code)))
    # Folding is most of the load's time: each organisation name is folded once, and its label's folded
    # form derived from it (the suffix is ASCII).
    organisation_keys = tuple(_organisation_key(c) for c in entries)
    haystacks = tuple(key[0] + c.label_suffix.lower() for key, c in zip(organisation_keys, entries, strict=True))
    return _Index(
        entries=entries,
        haystacks=haystacks,
        names=tuple(normalize_for_search(c.name) for c in entries),
        organisation_names=tuple(key[0] for key in organisation_keys),
        by_label=dict(zip(haystacks, entries, strict=True)),
        by_organisation=dict(zip(organisation_keys, entries, strict=True)),
    )


def _organisation_key(collectivite: Collectivite) -> tuple[str, str]:
    return normalize_for_search(collectivite.organisation_name), collectivite.departement


# Loaded at the first use, then kept for the life of the process (about 20 MB, bench/collectivites.py):
# the file changes only with a release. Two threads arriving first may both build it: each gets a
# complete index, which is harmless.
@functools.cache
def _index() -> _Index:
    return _build_index(read_csv())


def all_collectivites() -> Sequence[Collectivite]:
    return _index().entries


def find_by_label(text: str) -> Collectivite | None:
    """The collectivité whose label this is (case, accents and spaces ignored), else None."""
    return _index().by_label.get(normalize_for_search(text))


def find_by_organisation(name: str, departement_code: str | None) -> Collectivite | None:
    """The collectivité an organisation of that name and département stands for, else None."""
    return _index().by_organisation.get((normalize_for_search(name), departement_code or ""))


def suggest(typed: str, limit: int) -> list[Collectivite]:
    """At most ``limit`` collectivités whose label holds every word typed, the best matches first.

    Ranked by how the whole text typed meets the official or the organisation name (equal, then its
    start), then the label (inside it, then only the words scattered over it), and within each of those
    by population: « sète » gives the commune of Sète, then the agglomeration named after it; « région »
    gives the régions before the EPCIs that have the word in their name.
    """
    folded = normalize_for_search(typed)
    words = sorted(set(folded.split()), key=len, reverse=True)
    if not words or limit <= 0:
        return []
    index = _index()
    # The longest word first: it is the most selective, and a comprehension scans fastest.
    candidates = [position for position, haystack in enumerate(index.haystacks) if words[0] in haystack]
    for word in words[1:]:
        candidates = [position for position in candidates if word in index.haystacks[position]]
    tiers: tuple[list[Collectivite], ...] = ([], [], [], [])
    for position in candidates:  # most populated first, so each tier fills in the right order
        names = (index.names[position], index.organisation_names[position])
        if folded in names:
            tier = 0
        elif names[0].startswith(folded) or names[1].startswith(folded):
            tier = 1
        elif folded in index.haystacks[position]:
            tier = 2
        else:
            tier = 3
        if len(tiers[tier]) < limit:
            tiers[tier].append(index.entries[position])
            if tier == 0 and len(tiers[0]) == limit:
                break  # nothing can rank higher than these
    return [collectivite for tier in tiers for collectivite in tier][:limit]


def collectivites_from_package(data_dir: Path) -> list[Collectivite]:
    """The rows of the CSV, from the JSON files of ``@etalab/decoupage-administratif`` in ``data_dir``.

    Keeps the current communes (``commune-actuelle``) and the régions and départements of metropolitan
    France and the DROM — the territories a profile can name; the overseas collectivités (COM) are left
    out. An EPCI goes to the département of most of its communes. Raises PackageError when a file lacks a
    field or two collectivités would get the same label or organisation.
    """
    try:
        regions = [r for r in _read_json(data_dir, "regions.json") if r["zone"] != "com"]
        departements = [d for d in _read_json(data_dir, "departements.json") if d["zone"] != "com"]
        codes = {d["code"] for d in departements}
        communes = [
            c
            for c in _read_json(data_dir, "communes.json")
            if c["type"] == "commune-actuelle" and c["departement"] in codes
        ]
        epcis = _read_json(data_dir, "epci.json")
        departement_of = {c["code"]: c["departement"] for c in communes}
        region_population = collections.Counter[str]()
        departement_population = collections.Counter[str]()
        for commune in communes:
            region_population[commune["region"]] += commune.get("population", 0)
            departement_population[commune["departement"]] += commune.get("population", 0)
        rows = [Collectivite(REGION, r["code"], r["nom"], "", 0, region_population[r["code"]]) for r in regions]
        rows += [
            Collectivite(
                DEPARTEMENT, d["code"], d["nom"], d["code"], d["typeLiaison"], departement_population[d["code"]]
            )
            for d in departements
        ]
        for epci in epcis:
            members = collections.Counter(
                departement_of[m["code"]] for m in epci["membres"] if m["code"] in departement_of
            )
            if members:  # ties go to the smaller code, so that a refresh is reproducible
                departement = min(members, key=lambda code: (-members[code], code))
                rows.append(Collectivite(EPCI, epci["code"], epci["nom"], departement, 0, epci["populationMunicipale"]))
        rows += [
            Collectivite(COMMUNE, c["code"], c["nom"], c["departement"], c["typeLiaison"], c.get("population", 0))
            for c in communes
        ]
    except (KeyError, TypeError) as error:
        raise PackageError(f"unexpected package format: missing or malformed {error}") from error
    _check_unambiguous(rows)
    return sorted(rows, key=lambda c: (KINDS.index(c.kind), c.code))


def _read_json(data_dir: Path, name: str) -> list[dict[str, Any]]:
    path = data_dir / name
    if not path.is_file():
        raise PackageError(f"{path} is missing: give the package's data directory")
    return list(json.loads(path.read_text(encoding="utf-8")))


def _check_unambiguous(rows: Sequence[Collectivite]) -> None:
    # A label must designate one collectivité, and one organisation must stand for one collectivité:
    # otherwise choosing a suggestion could file a person under the wrong employer.
    for what, key in (("label", lambda c: normalize_for_search(c.label)), ("organisation", _organisation_key)):
        counts = collections.Counter(key(c) for c in rows)
        twins = sorted(str(value) for value, count in counts.items() if count > 1)
        if twins:
            raise PackageError(f"several collectivités share a {what}: {', '.join(twins[:10])}")


def csv_text(rows: Iterable[Collectivite]) -> str:
    """The CSV that ``read_csv`` reads: a header, then one line per collectivité."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows((c.kind, c.code, c.name, c.departement, c.liaison, c.population) for c in rows)
    return buffer.getvalue()
