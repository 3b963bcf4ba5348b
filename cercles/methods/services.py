"""Writes of methods: coordinators edit a kind's method, facilitators adapt it for their circle.

Both are checked by the protocol's validation before anything is saved (a refused document names
every fault in French, MethodInvalid), and both carry the version the form was opened at: the check
runs under the row lock, so that two editors never overwrite each other silently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Circle, CircleKind
from cercles.core.policy import PolicyDenied, allows
from cercles.methods.exceptions import (
    VARIANT_NOT_FOUND,
    AdaptationConflict,
    MethodEditConflict,
    MethodInvalid,
    MethodNotDescribed,
)
from cercles.methods.library import SHIPPED
from cercles.methods.models import CircleMethod, KindMethod
from cercles.methods.protocol import ProtocolError, method_document, parse_adaptation, parse_method
from cercles.methods.selectors import kind_method, protocol_of
from cercles.people.models import User


@dataclass(frozen=True)
class SlotInput:
    """A change to an existing artefact slot of a phase: its name and who reads it."""

    key: str
    name: str
    visibility: str


@dataclass(frozen=True)
class PhaseInput:
    """One phase as the coordinators' form gives it; ``key`` is empty for a phase added on the page."""

    key: str
    name: str
    instructions: str
    minutes: int
    min_minutes: int
    max_minutes: int
    mode: str
    speakers: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    advances_by_itself: bool = False
    slots: tuple[SlotInput, ...] = ()


@dataclass(frozen=True)
class StepChoice:
    """How a circle runs one phase: ``count`` times (0: skipped), ``minutes`` each time."""

    phase: str
    count: int
    minutes: int


@dataclass(frozen=True)
class ProtocolChanges:
    name: str
    when: str
    phases: list[PhaseInput] = field(default_factory=list)


def _phase_key(name: str, taken: set[str]) -> str:
    base = (slugify(name).replace("-", "_") or "etape")[:34]
    if not base[0].isalpha():
        base = f"etape_{base}"[:34]
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def _locked_kind_method(kind: CircleKind) -> KindMethod:
    shipped = SHIPPED.get(kind.slug)
    stored = KindMethod.objects.select_for_update().filter(kind=kind).first()
    if stored is not None:
        return stored
    if shipped is None:
        raise MethodNotDescribed()
    # The first edit stores the shipped method (version 0); a concurrent first edit waits on the
    # unique row and then meets the version check.
    KindMethod.objects.get_or_create(kind=kind, defaults={"document": copy.deepcopy(shipped), "version": 0})
    return KindMethod.objects.select_for_update().get(kind=kind)


@transaction.atomic
def kind_method_update(
    *, kind_id: int, editor: User, protocol_key: str, version: int, changes: ProtocolChanges
) -> KindMethod:
    """Replace one variant's name, description and phases in a kind's method (coordinators only).

    Phases keep their artefact slots by key (their name and visibility may change; slots are not
    added or removed here); a phase added on the page gets a key made from its name.
    Raises PolicyDenied, MethodNotDescribed, MethodEditConflict (older version), MethodInvalid (the
    document refused, every fault named in French).
    """
    if not allows(editor, "methods.edit_kind_method"):
        raise PolicyDenied("methods.edit_kind_method")
    kind = CircleKind.objects.get(pk=kind_id)
    stored = _locked_kind_method(kind)
    if stored.version != version:
        raise MethodEditConflict()
    document: dict[str, Any] = copy.deepcopy(stored.document)
    protocol = next((p for p in document.get("protocols", []) if p.get("key") == protocol_key), None)
    if protocol is None:
        raise MethodNotDescribed(VARIANT_NOT_FOUND)
    previous = {phase["key"]: phase for phase in protocol["phases"]}
    before = _variant(_normalised(stored.document), protocol_key)
    taken = {phase.key for phase in changes.phases if phase.key}
    phases = []
    for phase in changes.phases:
        key = phase.key or _phase_key(phase.name, taken)
        taken.add(key)
        phases.append(
            {
                "key": key,
                "name": phase.name,
                "instructions": phase.instructions,
                "minutes": phase.minutes,
                "min_minutes": phase.min_minutes,
                "max_minutes": phase.max_minutes,
                "mode": phase.mode,
                "speakers": list(phase.speakers),
                "prompts": [prompt for prompt in phase.prompts if prompt.strip()],
                "slots": _slots(previous.get(key, {}).get("slots", []), phase.slots),
                "advances_by_itself": phase.advances_by_itself,
            }
        )
    protocol.update(name=changes.name, when=changes.when, phases=phases)
    try:
        method = parse_method(document)
    except ProtocolError as error:
        raise MethodInvalid(error.problems, document) from error
    stored.document = method_document(method)
    stored.version += 1
    stored.updated_at = timezone.now()
    stored.updated_by = editor
    stored.save()
    after = _variant(stored.document, protocol_key)
    audit_record(
        actor=editor,
        action=AuditAction.KIND_METHOD_UPDATE,
        object_kind="kind",
        object_id=kind.pk,
        # Which parts of the variant changed, never their text (instructions, prompts).
        changes=[name for name in AUDITED_PROTOCOL_FIELDS if after.get(name) != before.get(name)],
        count=len(phases),
    )
    return stored


# The parts of a method's variant whose change the audit log names.
AUDITED_PROTOCOL_FIELDS = ("name", "when", "phases")


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document as it is stored once parsed (a shipped method may leave defaults out)."""
    try:
        return method_document(parse_method(document))
    except ProtocolError:
        return document


def _variant(document: dict[str, Any], protocol_key: str) -> dict[str, Any]:
    return next((p for p in document.get("protocols", []) if p.get("key") == protocol_key), {})


def _lock_circle(circle_id: int) -> Circle:
    return Circle.objects.select_for_update().select_related("kind").get(pk=circle_id)


@transaction.atomic
def circle_method_adapt(
    *, circle_id: int, editor: User, protocol_key: str, version: int, choices: list[StepChoice]
) -> CircleMethod:
    """Save how a circle runs one variant of its method: phases kept, skipped or repeated, durations.

    Durations must stay within each phase's allowed range and phases keep the method's order.
    Raises PolicyDenied, MethodNotDescribed, AdaptationConflict (older version), MethodInvalid.
    """
    circle = _lock_circle(circle_id)
    if not allows(editor, "methods.adapt_for_circle", circle):
        raise PolicyDenied("methods.adapt_for_circle")
    method = kind_method(circle.kind).method
    if method is None:
        raise MethodNotDescribed()
    protocol = protocol_of(method, protocol_key)
    stored = CircleMethod.objects.select_for_update().filter(circle=circle, protocol_key=protocol_key).first()
    if (stored.version if stored is not None else 0) != version:
        raise AdaptationConflict()
    steps: list[dict[str, Any]] = [
        {"phase": c.phase, "minutes": c.minutes} for c in choices for _ in range(max(c.count, 0))
    ]
    document = {"steps": steps}
    try:
        adaptation = parse_adaptation(protocol, document)
    except ProtocolError as error:
        # Name each step after its phase in the messages (« étape 3 du déroulé « Contrat » »).
        named = {"steps": [{**step, "name": _phase_name(protocol, str(step["phase"]))} for step in steps]}
        raise MethodInvalid(error.problems, named) from error
    if stored is None:
        stored = CircleMethod(circle=circle, protocol_key=protocol_key)
    stored.adaptation = adaptation.model_dump(mode="json")
    stored.version += 1
    stored.updated_at = timezone.now()
    stored.updated_by = editor
    stored.full_clean()
    stored.save()
    audit_record(
        actor=editor,
        action=AuditAction.CIRCLE_METHOD_ADAPT,
        circle=circle,
        object_kind="circle_method",
        object_id=stored.pk,
        count=len(steps),
    )
    return stored


def _phase_name(protocol: Any, key: str) -> str:
    phase = protocol.phase(key)
    return phase.name if phase is not None else key


def _slots(stored: list[dict[str, Any]], changes: tuple[SlotInput, ...]) -> list[dict[str, Any]]:
    by_key = {change.key: change for change in changes}
    slots = []
    for slot in stored:
        change = by_key.get(slot.get("key", ""))
        slots.append({**slot, "name": change.name, "visibility": change.visibility} if change else slot)
    return slots
