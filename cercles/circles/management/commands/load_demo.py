"""Load the demo programme once: kinds are migrations; this adds people, organisations and circles."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cercles.circles.demo import (
    DEMO_LOGINS,
    DEMO_TOTP_KEY,
    current_totp_code,
    demo_is_loaded,
    demo_load,
    demo_logins_path,
    demo_logins_read,
    demo_logins_write,
)
from cercles.core.checks import served_beyond_localhost


class Command(BaseCommand):
    help = "Load the demo programme (once) and print the demo logins, whose passwords are generated then."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=40, help="How many participants to create.")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, people: int, quiet: bool, **options: Any) -> None:
        if served_beyond_localhost():
            # Demo accounts have known addresses and printed passwords: never on a reachable site.
            raise CommandError("ALLOWED_HOSTS names a host beyond localhost: the demo is for a local machine only.")
        if demo_is_loaded():
            self.stdout.write("Demo programme already loaded.")
            passwords = demo_logins_read()
        else:
            passwords = demo_load(participants=people)
            demo_logins_write(passwords)
            self.stdout.write("Demo programme loaded.")
        if quiet:
            return
        self.stdout.write(f"Demo logins (kept in {demo_logins_path()}, readable by you only):")
        for email, role in DEMO_LOGINS:
            password = passwords.get(email, "(password file missing: rm -rf data to start again)")
            self.stdout.write(f"  {email:<32} {password:<18} {role}")
        secret = passwords.get(DEMO_TOTP_KEY)
        if secret:
            self.stdout.write(
                f"  Second factor of {DEMO_LOGINS[0][0]} (TOTP): add the secret {secret} to an authenticator"
                f" app (Aegis, FreeOTP…); code right now: {current_totp_code(secret)}"
            )
