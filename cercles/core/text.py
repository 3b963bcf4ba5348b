"""Text helpers shared by the apps."""

from __future__ import annotations

import unicodedata


def normalize_for_search(text: str) -> str:
    """Fold case, accents and runs of white space, so that "Élue  Cœur" and "elue coeur" compare equal.

    Search columns store this form and queries use it too, so that search is accent- and
    case-insensitive with the same code path on SQLite and PostgreSQL.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    ligatures = without_marks.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(ligatures.split())
