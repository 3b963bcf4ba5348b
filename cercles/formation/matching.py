"""Match the "pas avec" / "avec" typed freely by applicants against the call's other applicants.

Pure functions of plain values: the caller (``services``) passes each applicant's id, e-mail and
name. Matching happens only when coordinators run a formation; nothing of it is ever shown to the
applicant who typed the text (whether a name matched, or whether that person has an account).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cercles.core.text import normalize_for_search

_SEPARATORS = re.compile(r"[\n,;]+")


@dataclass(frozen=True)
class Candidate:
    id: str
    email: str
    first_name: str
    last_name: str


def entries(text: str) -> list[str]:
    """The names or addresses typed, one per line, comma or semicolon."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


class Directory:
    """Applicants by folded e-mail address and by folded full name (both orders)."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.by_email: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        for candidate in candidates:
            self.by_email.setdefault(candidate.email.strip().lower(), set()).add(candidate.id)
            for name in (
                f"{candidate.first_name} {candidate.last_name}",
                f"{candidate.last_name} {candidate.first_name}",
            ):
                folded = normalize_for_search(name)
                if folded:
                    self.by_name.setdefault(folded, set()).add(candidate.id)

    def find(self, entry: str) -> set[str]:
        """Every applicant the entry may name (homonyms included: avoiding them all is the safe side)."""
        if "@" in entry:
            return set(self.by_email.get(entry.strip().lower(), set()))
        return set(self.by_name.get(normalize_for_search(entry), set()))
