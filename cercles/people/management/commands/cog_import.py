"""Regenerate cercles/people/data/collectivites.csv from the npm package @etalab/decoupage-administratif."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercles.people.collectivites import CSV_PATH, KINDS, PackageError, collectivites_from_package, csv_text


class Command(BaseCommand):
    help = (
        "Rewrite the collectivités shipped with Cercles (communes, EPCI, départements, régions) from the "
        "data directory of the npm package @etalab/decoupage-administratif (see docs/people.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("data_dir", type=Path, help="the package's data/ directory (communes.json, epci.json…)")
        parser.add_argument(
            "--output", type=Path, default=CSV_PATH, help="where to write the CSV (default: shipped file)"
        )

    def handle(self, *args: Any, data_dir: Path, output: Path, **options: Any) -> None:
        try:
            rows = collectivites_from_package(data_dir)
        except PackageError as error:
            raise CommandError(str(error)) from error
        output.write_text(csv_text(rows), encoding="utf-8")
        counts = ", ".join(f"{sum(1 for row in rows if row.kind == kind)} {kind}" for kind in KINDS)
        self.stdout.write(f"{output}: {counts}")
