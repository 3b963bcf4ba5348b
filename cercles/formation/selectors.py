"""Reads of the formation, with the permission check built in (cercles.core.policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import Circle
from cercles.core.policy import require
from cercles.formation import explain
from cercles.formation.exceptions import CALL_EDIT_PUBLISHED, FormationError
from cercles.formation.models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    Call,
    CallQuestion,
    CallSlot,
    FormationRun,
    FormedGroup,
    RunStatus,
)
from cercles.people.models import User

_ERASED = _("Personne effacée")
# Answers with their question, in the call's order of questions.
_ANSWERS = ApplicationAnswer.objects.select_related("question").order_by("question__position")


def call_get(*, call_id: int) -> Call:
    """A call's public page: its title, presentation, dates and slots (never who applied)."""
    call = Call.objects.select_related("kind").prefetch_related("slots", "questions").filter(pk=call_id).first()
    if call is None:
        raise Http404
    return call


def application_for(*, call: Call, user: User) -> Application | None:
    """The person's own application to the call, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Application.objects.prefetch_related("slots", Prefetch("answers", queryset=_ANSWERS))
        .filter(call=call, user=user)
        .first()
    )


def call_list_for_manager(*, user: User) -> QuerySet[Call]:
    require(user, "formation.manage_calls")
    return Call.objects.select_related("kind").annotate(
        applied=Count("applications", filter=Q(applications__status=ApplicationStatus.APPLIED)),
        waiting=Count("applications", filter=Q(applications__status=ApplicationStatus.WAITING)),
    )


@dataclass
class CallEditing:
    """A call opened for editing, with what the page must say about what can still change."""

    call: Call
    questions: list[CallQuestion]
    has_applications: bool  # slots can then only be added, and the questions are frozen (weights aside)


def call_get_for_editing(*, call_id: int, user: User) -> CallEditing:
    """A call for its edit page (coordinators only); a published call cannot be edited."""
    call = Call.objects.select_related("kind").prefetch_related("slots").filter(pk=call_id).first()
    if call is None:
        raise Http404
    require(user, "formation.manage_calls", call)
    if call.is_published:
        raise FormationError(CALL_EDIT_PUBLISHED)
    questions = list(call.questions.order_by("position"))
    return CallEditing(call, questions, Application.objects.filter(call=call).exists())


def call_list_open() -> QuerySet[Call]:
    """Calls whose page is worth showing to everyone (not published yet)."""
    return Call.objects.select_related("kind").filter(published_at__isnull=True).order_by("closes_at")


@dataclass
class CallManagement:
    call: Call
    applications: list[Application]
    runs: list[FormationRun]
    live_run: FormationRun | None
    formed: list[FormedGroup] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def call_get_for_manager(*, call_id: int, user: User) -> CallManagement:
    """The call's management page: its applications (coordinators only), runs and formed circles."""
    call = call_get(call_id=call_id)
    require(user, "formation.read_applications", call)
    applications = list(
        Application.objects.filter(call=call)
        .select_related(
            "user__profile__organisation", "user__profile__job_family", "user__profile__departement", "circle"
        )
        .prefetch_related(Prefetch("slots", queryset=CallSlot.objects.all()), Prefetch("answers", queryset=_ANSWERS))
        .order_by("status", "submitted_at", "pk")
    )
    runs = list(FormationRun.objects.filter(call=call).defer("problem", "groups", "edited_groups", "unplaced"))
    live = next((run for run in runs if run.is_live), None)
    formed = list(FormedGroup.objects.filter(call=call).select_related("circle", "slot").order_by("index"))
    counts: dict[str, int] = {}
    for application in applications:
        counts[application.status] = counts.get(application.status, 0) + 1
    return CallManagement(call, applications, runs, live, formed, counts)


HEAVY_FIELDS = ("problem", "groups", "edited_groups", "unplaced", "shared_slots")


def run_get_for_manager(*, run_id: int, user: User, light: bool = False) -> FormationRun:
    """A run for its call's coordinators. ``light`` leaves the inputs and groupings unread until used
    (the hand-edit preview answers from the kept evaluator and needs none of them)."""
    runs = FormationRun.objects.select_related("call__kind")
    run = (runs.defer(*HEAVY_FIELDS) if light else runs).filter(pk=run_id).first()
    if run is None:
        raise Http404
    require(user, "formation.manage_calls", run.call)
    return run


def seat_get_for_applicant(*, application_id: int, user: User) -> Application:
    application = Application.objects.select_related("call", "circle__kind").filter(pk=application_id).first()
    if application is None:
        raise Http404
    require(user, "formation.view_own_application", application)
    return application


@dataclass
class RunResult:
    run: FormationRun
    groups: list[explain.GroupDiversity]
    least_diverse: explain.GroupDiversity | None
    names: dict[str, str]
    unplaced: list[tuple[str, str]]
    violations: list[str]
    notices: list[str]
    objective: float
    share_of_bound: float | None
    random_share: float | None
    error: str
    people: list[tuple[str, str]]


def run_result(*, run: FormationRun, objective: float | None = None, violations: Any = ()) -> RunResult:
    """Everything the result page says, in French, from the run row and its applications.

    ``objective`` and ``violations`` come from the hand-edit evaluator when the grouping was edited.
    """
    people = run.problem.get("people", [])
    ids = [int(p["id"]) for p in people]
    applications = (
        Application.objects.filter(pk__in=ids).select_related("user").only("pk", "user__first_name", "user__last_name")
    )
    names = {str(a.pk): a.user.display_name for a in applications}
    attributes_of = {p["id"]: p["attributes"] for p in people}
    slots = {str(s.pk): s.label for s in CallSlot.objects.filter(call_id=run.call_id)}
    slot_labels = [slots.get(s or "", "") for s in run.shared_slots]
    groups = explain.group_diversity(
        groups=run.edited_groups,
        attributes_of=attributes_of,
        weights=run.problem.get("attributes", []),
        slot_labels=slot_labels,
        locked=run.locked_groups,
        questions=run.problem.get("questions", []),
    )
    for group in groups:
        group.member_names = [names.get(p, str(_ERASED)) for p in group.members]
    least = min(groups, key=lambda g: g.per_pair) if len(groups) > 1 else None
    placed = {p for g in run.edited_groups for p in g}
    reasons = {u["person"]: u["reason"] for u in run.unplaced}
    unplaced = [
        (names.get(p["id"], str(_ERASED)), explain.unplaced_reason(reasons.get(p["id"], "NOT_RUN")))
        for p in people
        if p["id"] not in placed
    ]
    value = run.objective if objective is None else objective
    bound = run.upper_bound or None
    return RunResult(
        run=run,
        groups=groups,
        least_diverse=least,
        names=names,
        unplaced=unplaced,
        violations=[explain.violation_sentence(v, names) for v in violations],
        notices=[explain.notice_sentence(n, names) for n in run.problem.get("notices", [])],
        objective=value or 0.0,
        share_of_bound=(100 * value / bound) if bound and value is not None else None,
        random_share=(100 * run.random_objective / bound) if bound and run.random_objective is not None else None,
        error=explain.error_sentence(run.error) if run.status == RunStatus.FAILED else "",
        people=sorted(((p["id"], names.get(p["id"], "")) for p in people), key=lambda item: item[1]),
    )


def run_names(*, run: FormationRun | None = None, people: Any = None) -> dict[str, str]:
    """Display names by person id (application id as text): of ``people`` or of everyone in ``run``."""
    chosen = people if people is not None else [p["id"] for p in run.problem.get("people", [])] if run else []
    applications = (
        Application.objects.filter(pk__in=[int(p) for p in chosen])
        .select_related("user")
        .only("pk", "user__first_name", "user__last_name")
    )
    return {str(a.pk): a.user.display_name for a in applications}


def formed_circles(*, call: Call) -> list[Circle]:
    return [g.circle for g in FormedGroup.objects.filter(call=call).select_related("circle").order_by("index")]
