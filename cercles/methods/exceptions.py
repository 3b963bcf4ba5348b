"""Domain errors of methods, and the French sentence for every problem a protocol check reports.

``cercles.methods.protocol`` reports problems as codes with a place (``protocols → 0 → phases → 3 →
minutes``); :func:`describe` names the place the way people see it (« Variante « Une séance »,
étape 4 « Contrat », durée par défaut ») and says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cercles.core.exceptions import ConcurrentEditError, DomainError, DomainNotFound
from cercles.methods.protocol import MAX_REPEAT, Problem, ProblemCode

METHOD_NOT_DESCRIBED = _("La méthode de ce type de cercle n'est pas encore décrite pas à pas.")
VARIANT_NOT_FOUND = _("Cette variante de la méthode n'existe pas.")
METHOD_EDITED_MEANWHILE = _(
    "Quelqu'un a modifié cette méthode pendant que vous la modifiiez. Vos changements n'ont pas été "
    "enregistrés ; ils sont conservés ci-dessous. Comparez-les avec la page de la méthode, puis enregistrez à nouveau."
)
ADAPTATION_EDITED_MEANWHILE = _(
    "Quelqu'un a adapté la méthode de ce cercle pendant que vous la modifiiez. Vos choix n'ont pas été "
    "enregistrés ; ils sont conservés ci-dessous. Vérifiez-les, puis enregistrez à nouveau."
)
METHOD_INVALID = _("La méthode n'a pas été enregistrée : corrigez ce qui est signalé.")

_MESSAGES: dict[ProblemCode, Promise] = {
    ProblemCode.MISSING: _("ce champ manque."),
    ProblemCode.UNKNOWN_FIELD: _("ce champ n'existe pas."),
    ProblemCode.NOT_A_NUMBER: _("un nombre entier est attendu."),
    ProblemCode.NOT_TEXT: _("un texte est attendu."),
    ProblemCode.NOT_A_LIST: _("une liste est attendue."),
    ProblemCode.NOT_A_DOCUMENT: _("la description n'a pas la forme attendue."),
    ProblemCode.EMPTY: _("ne peut pas être vide."),
    ProblemCode.TOO_LONG: _("ce texte est trop long."),
    ProblemCode.TOO_SMALL: _("doit valoir au moins %(ge)s."),
    ProblemCode.TOO_LARGE: _("doit valoir au plus %(le)s."),
    ProblemCode.BAD_KEY: _("un identifiant en minuscules, sans accent ni espace, est attendu (lettres, chiffres, _)."),
    ProblemCode.BAD_CHOICE: _("cette valeur n'est pas prévue ; choisissez parmi %(expected)s."),
    ProblemCode.NOT_YES_NO: _("oui ou non est attendu."),
    ProblemCode.INVALID: _("cette valeur n'est pas valide."),
    ProblemCode.DUPLICATE_KEY: _("l'identifiant « %(key)s » est utilisé deux fois."),
    ProblemCode.UNKNOWN_ROLE: _("le rôle « %(role)s » n'existe pas dans cette méthode."),
    ProblemCode.DURATION_ORDER: _(
        "la durée par défaut (%(default)s min) doit être comprise entre la durée minimale (%(minimum)s min) "
        "et la durée maximale (%(maximum)s min)."
    ),
    ProblemCode.UNKNOWN_PHASE: _("l'étape « %(phase)s » n'existe pas dans cette variante."),
    ProblemCode.OUT_OF_RANGE: _("%(minutes)s min, hors de la durée permise (de %(minimum)s à %(maximum)s min)."),
    ProblemCode.OUT_OF_ORDER: _("les étapes gardent l'ordre de la méthode."),
    ProblemCode.REPEATED_TOO_OFTEN: _("l'étape « %(phase)s » revient %(count)s fois ; %(most)s fois au plus."),
    ProblemCode.NO_STEP: _("gardez au moins une étape."),
}

_FIELDS: dict[str, Promise] = {
    "slug": _("identifiant"),
    "name": _("nom"),
    "summary": _("présentation"),
    "rules": _("règles"),
    "default_role": _("rôle par défaut"),
    "facilitator_role": _("rôle de l'animation"),
    "key": _("identifiant"),
    "when": _("quand la choisir"),
    "description": _("description"),
    "instructions": _("consignes"),
    "minutes": _("durée par défaut"),
    "min_minutes": _("durée minimale"),
    "max_minutes": _("durée maximale"),
    "mode": _("mode de parole"),
    "speakers": _("rôles qui parlent"),
    "prompts": _("questions"),
    "advances_by_itself": _("se termine seule"),
    "visibility": _("visibilité"),
    "writers": _("qui écrit"),
    "help": _("aide"),
    "phase": _("étape"),
    "roles": _("rôles"),
    "protocols": _("variantes"),
    "phases": _("étapes"),
    "slots": _("écrits"),
    "steps": _("étapes"),
}

_ITEMS: dict[str, Promise] = {
    "roles": _("rôle %(number)s"),
    "protocols": _("variante %(number)s"),
    "phases": _("étape %(number)s"),
    "slots": _("écrit %(number)s"),
    "steps": _("étape %(number)s du déroulé"),
    "prompts": _("question %(number)s"),
    "rules": _("règle %(number)s"),
    "speakers": _("rôle %(number)s"),
    "writers": _("rôle %(number)s"),
}


def place(where: Sequence[str | int], document: Any = None) -> str:
    """The place of a problem in French, with the names found in ``document`` (« étape 4 « Contrat » »)."""
    parts: list[str] = []
    node = document
    container = ""
    for part in where:
        if isinstance(part, int):
            item = _ITEMS.get(container)
            label = str(item % {"number": part + 1}) if item else str(part + 1)
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            name = node.get("name") if isinstance(node, Mapping) else None
            if isinstance(name, str) and name.strip():
                label = f"{label} « {name.strip()} »"
            if parts and container in _FIELDS and parts[-1] == str(_FIELDS[container]):
                parts[-1] = label
            else:
                parts.append(label)
            continue
        container = part
        parts.append(str(_FIELDS.get(part, part)))
        node = node.get(part) if isinstance(node, Mapping) else None
    text = ", ".join(parts) or gettext("La méthode")
    return text[:1].upper() + text[1:]


def describe(problem: Problem, document: Any = None) -> str:
    """One French sentence naming where the problem is and what is wrong."""
    data = {"most": MAX_REPEAT, "ge": "", "le": "", "expected": "", **problem.data}
    return f"{place(problem.where, document)} : {_MESSAGES[problem.code] % data}"


class MethodNotDescribed(DomainNotFound):
    def __init__(self, message: str | Promise = METHOD_NOT_DESCRIBED) -> None:
        super().__init__(message)


class MethodInvalid(DomainError):
    """A method or adaptation refused by the protocol check; ``problems`` and ``messages`` say why."""

    def __init__(self, problems: Sequence[Problem], document: Any = None) -> None:
        super().__init__(METHOD_INVALID)
        self.problems = tuple(problems)
        self.messages = [describe(problem, document) for problem in problems]


class MethodEditConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(METHOD_EDITED_MEANWHILE)


class AdaptationConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(ADAPTATION_EDITED_MEANWHILE)
