"""The engine's codes and figures in plain French, for the coordinators' pages.

The engine answers with codes and data (docs/grouping.md); this module is the one place that turns
them into sentences. ``names`` maps a person id (an application id, as text) to a display name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cercles.formation.engine import missing_value

UNPLACED_REASONS = {
    "NO_SHARED_SLOT": _("aucun de ses créneaux n'est celui d'un groupe"),
    "CANNOT_LINK": _("chaque groupe possible compte quelqu'un avec qui elle ne doit pas être"),
    "NO_ROOM": _("plus de place dans les groupes (tailles maximales atteintes)"),
    "NOT_RUN": _("aucun groupe n'a pu être formé"),
}

ERRORS = {
    "TOO_FEW_PEOPLE": _(
        "Il y a moins de candidatures que la taille minimale d'un groupe : aucun groupe ne peut être formé."
    ),
    "BOUNDS_CANNOT_FIT": _("Le nombre de candidatures ne permet pas de former des groupes dans les tailles demandées."),
    "NO_SHARED_SLOT": _(
        "Trop peu de personnes partagent un même créneau pour remplir un groupe : proposez d'autres créneaux ou "
        "élargissez les tailles."
    ),
    "GROUP_CANNOT_BE_FILLED": _(
        "Les contraintes (« pas avec », même organisation, créneaux) empêchent de remplir un groupe jusqu'à sa taille "
        "minimale."
    ),
    "CONFLICTING_LINKS": _("Des demandes « avec » et « pas avec » se contredisent."),
    "CONFLICTING_LOCKS": _("Des groupes gardés se contredisent (deux personnes qui doivent être séparées)."),
    "MUST_LINK_TOO_LARGE": _("Des personnes qui demandent à être ensemble sont plus nombreuses qu'un groupe."),
    "LOCKED_GROUP_TOO_LARGE": _("Un groupe gardé dépasse la taille maximale."),
    "CRASHED": _("Le calcul s'est interrompu avant la fin. Relancez-le."),
}

VIOLATIONS = {
    "GROUP_TOO_SMALL": _("le groupe {group} a moins de personnes que la taille minimale"),
    "GROUP_TOO_LARGE": _("le groupe {group} dépasse la taille maximale"),
    "CANNOT_LINK": _("{people} ne doivent pas être dans le même groupe ({group})"),
    "MUST_LINK_SPLIT": _("{people} ont demandé à être ensemble et sont séparés"),
    "LOCK_BROKEN": _("{people} a quitté le groupe gardé {group}"),
    "NO_SHARED_SLOT": _("les membres du groupe {group} n'ont plus de créneau en commun"),
}

NOTICES = {
    "avoid_unmatched": _("« {text} » (pas avec, demandé par {person}) ne correspond à aucune candidature."),
    "with_unmatched": _("« {text} » (avec, demandé par {person}) ne correspond à aucune candidature."),
    "with_one_sided": _("{person} a demandé à être avec {other}, qui ne l'a pas demandé : non retenu."),
    "with_contradicted": _(
        "{person} et {other} ont demandé à être ensemble, mais l'un·e a aussi écrit « pas avec » l'autre : "
        "le « pas avec » l'emporte."
    ),
}


def error_sentence(code: str) -> str:
    return str(ERRORS.get(code, ERRORS["CRASHED"]))


def unplaced_reason(code: str) -> str:
    return str(UNPLACED_REASONS.get(code, UNPLACED_REASONS["NOT_RUN"]))


def _names(people: Sequence[str], names: Mapping[str, str]) -> str:
    return str(_(" et ")).join(names.get(p, str(_("une personne effacée"))) for p in people)


NAMED = {"CANNOT_LINK", "MUST_LINK_SPLIT", "LOCK_BROKEN"}


def people_named(violations: Sequence[Any]) -> set[str]:
    """The people whose names the sentences of these violations need (group-wide ones name none)."""
    return {p for v in violations if str(v.code) in NAMED for p in v.people}


def violation_sentence(violation: Any, names: Mapping[str, str]) -> str:
    template = str(VIOLATIONS.get(str(violation.code), _("contrainte enfreinte")))
    group = "" if violation.group is None else str(violation.group + 1)
    return template.format(group=group, people=_names(violation.people, names))


def notice_sentence(notice: Mapping[str, Any], names: Mapping[str, str]) -> str:
    template = str(NOTICES.get(notice.get("code", ""), ""))
    return template.format(
        text=notice.get("text", ""),
        person=names.get(str(notice.get("person")), str(_("une personne effacée"))),
        other=names.get(str(notice.get("other")), str(_("une personne effacée"))),
    )


ATTRIBUTE_WORDS = {
    "organisation": ("organisation", "organisations"),
    "organisation_type": ("type d'organisation", "types d'organisation"),
    "job_family": ("famille de métiers", "familles de métiers"),
    "territory": ("territoire", "territoires"),
}


@dataclass(frozen=True)
class QuestionAnswers:
    """How a group answered one of the call's questions: distinct answers, and members without one."""

    label: str
    distinct: int
    unanswered: int

    @property
    def words(self) -> str:
        if self.distinct == 0:
            text = _("aucune réponse à « %(label)s »") % {"label": self.label}
        else:
            text = ngettext(
                "%(n)d seule réponse à « %(label)s »",
                "%(n)d réponses différentes à « %(label)s »",
                self.distinct,
            ) % {"n": self.distinct, "label": self.label}
        if self.unanswered and self.distinct:
            text += " " + _("(%(n)d sans réponse)") % {"n": self.unanswered}
        return str(text)


@dataclass
class GroupDiversity:
    index: int
    members: list[str]
    distinct: dict[str, int]
    score: float
    pairs: int
    slot_label: str
    locked: bool = False
    member_names: list[str] = field(default_factory=list)
    answers: list[QuestionAnswers] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def per_pair(self) -> float:
        return self.score / self.pairs if self.pairs else 0.0

    @property
    def words(self) -> str:
        parts = []
        for attribute in ATTRIBUTE_WORDS:
            count = self.distinct.get(attribute, 0)
            parts.append(_count_words(attribute, count))
        parts += [question.words for question in self.answers]
        return ", ".join(parts)


def _count_words(attribute: str, count: int) -> str:
    if attribute == "organisation":
        return ngettext("%(n)d organisation", "%(n)d organisations", count) % {"n": count}
    if attribute == "organisation_type":
        return ngettext("%(n)d type d'organisation", "%(n)d types d'organisation", count) % {"n": count}
    if attribute == "job_family":
        return ngettext("%(n)d famille de métiers", "%(n)d familles de métiers", count) % {"n": count}
    return ngettext("%(n)d territoire", "%(n)d territoires", count) % {"n": count}


def group_diversity(
    *,
    groups: Sequence[Sequence[str]],
    attributes_of: Mapping[str, Mapping[str, str]],
    weights: Sequence[Sequence[Any]],
    slot_labels: Sequence[str],
    locked: Sequence[int],
    questions: Sequence[Mapping[str, str]] = (),
) -> list[GroupDiversity]:
    """Each group's distinct values per attribute and answers per question, its score and its shared slot.

    ``questions`` are the run's ({attribute, label}): a member without an answer is counted apart,
    not as one more distinct answer.
    """
    result = []
    for index, members in enumerate(groups):
        distinct = {
            attribute: len({attributes_of[p].get(attribute, "") for p in members if p in attributes_of})
            for attribute in ATTRIBUTE_WORDS
        }
        pairs = len(members) * (len(members) - 1) // 2
        score = 0.0
        for name, weight in weights:
            counts: dict[str, int] = {}
            for p in members:
                value = attributes_of.get(p, {}).get(name, p)
                counts[value] = counts.get(value, 0) + 1
            score += float(weight) * (pairs - sum(c * (c - 1) // 2 for c in counts.values()))
        label = slot_labels[index] if index < len(slot_labels) else ""
        group = GroupDiversity(index, list(members), distinct, score, pairs, label, index in locked)
        group.answers = [_answers_of(members, attributes_of, question) for question in questions]
        result.append(group)
    return result


def _answers_of(
    members: Sequence[str], attributes_of: Mapping[str, Mapping[str, str]], question: Mapping[str, str]
) -> QuestionAnswers:
    attribute = question["attribute"]
    answers = [attributes_of.get(p, {}).get(attribute, missing_value(p)) for p in members]
    given = [answer for p, answer in zip(members, answers, strict=True) if answer != missing_value(p)]
    return QuestionAnswers(str(question["label"]), distinct=len(set(given)), unanswered=len(answers) - len(given))
