"""Load the demo programme once: kinds are migrations; this adds people, organisations and circles."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercles.circles.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Load the demo programme (once) and print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=40, help="How many participants to create.")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, people: int, quiet: bool, **options: Any) -> None:
        if demo_is_loaded():
            self.stdout.write("Demo programme already loaded.")
        else:
            summary = demo_load(participants=people)
            self.stdout.write(f"Demo programme loaded: {summary}.")
        if not quiet:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for email, role in DEMO_LOGINS:
                self.stdout.write(f"  {email:<32} {role}")
