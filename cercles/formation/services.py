"""Writes of the formation: calls, applications, runs of the engine, hand edits, publishing, seats.

This module is the only adapter between ORM rows and the grouping engine (``cercles.grouping``):
``_problem_data`` turns a call's applications into the engine's plain inputs, ``run_execute`` runs
the engine in a child process (``formation.engine.child_main``) under a lease, and the evaluation
state of hand edits (``GroupingEvaluator``) is kept between requests in ``_EVALUATORS``.

E-mails are outbox rows written in the same transaction (``formation/emails.py`` renders them).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import multiprocessing
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Prefetch
from django.utils import timezone

from cercles.audit.models import AuditAction
from cercles.audit.services import audit_record
from cercles.circles.models import Circle, MeetingFormat, Rhythm
from cercles.circles.services import circle_create, membership_admit, membership_transfer
from cercles.core.policy import require
from cercles.formation.engine import build_problem, child_main, missing_value
from cercles.formation.exceptions import (
    ALREADY_APPLIED,
    ANSWER_NOT_A_CHOICE,
    ANSWER_REQUIRED,
    CALL_DATES_OUT_OF_ORDER,
    CALL_EDIT_PUBLISHED,
    CALL_NEEDS_A_SLOT,
    CALL_NOT_OPEN,
    CALL_NOT_PUBLISHED,
    CALL_PUBLISHED,
    CALL_SIZES_OUT_OF_ORDER,
    EDIT_UNKNOWN_GROUP,
    EDIT_UNKNOWN_PERSON,
    MOTIVATION_REQUIRED,
    MOVE_NOT_PLACED,
    MOVE_SAME_CIRCLE,
    MOVE_TARGET_FULL,
    NO_APPLICATION,
    PACT_REQUIRED,
    PROFILE_INCOMPLETE,
    QUESTION_CHOICE_TOO_LONG,
    QUESTION_CHOICES_COUNT,
    QUESTION_LABEL_INVALID,
    QUESTION_LABEL_REPEATED,
    QUESTION_WEIGHT_INVALID,
    QUESTIONS_FROZEN,
    REPLAY_IMPOSSIBLE,
    RUN_BREAKS_CONSTRAINTS,
    RUN_IN_PROGRESS,
    RUN_NOT_FINISHED,
    RUN_NOT_PUBLISHABLE,
    SEAT_NOT_OFFERED,
    SLOT_REQUIRED,
    SLOT_UNREADABLE,
    TOO_MANY_QUESTIONS,
    WITHDRAW_CLOSED,
    CallEditConflict,
    CallEditError,
    CallNotFound,
    FormationError,
    RunEditConflict,
    slot_chosen_message,
)
from cercles.formation.matching import Candidate, Directory, entries
from cercles.formation.models import (
    WEEKDAYS,
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
from cercles.grouping import Effect, GroupingEvaluator, Problem, Violation
from cercles.meetings.planning import CycleShape, weekday_rank
from cercles.meetings.planning import Rhythm as CycleRhythm
from cercles.meetings.services import CyclePlan, cycle_plan
from cercles.notifications.services import message_enqueue
from cercles.people.models import User

# A running run renews its lease at every progress report; a queued one waits this long for a worker.
RUN_LEASE = datetime.timedelta(seconds=30)
QUEUE_LEASE = datetime.timedelta(minutes=5)
# How often the parent process writes progress and reads the cancel flag.
REPORT_EVERY_SECONDS = 0.5
ATTRIBUTES = ("organisation", "organisation_type", "job_family", "territory")


# --- Calls ---------------------------------------------------------------------------------------

_SLOT_LINE = re.compile(
    r"^\s*(?P<day>[a-zA-Zéû]+)\s+(?P<h1>\d{1,2})\s*h\s*(?P<m1>\d{2})?\s*[-–à]+\s*(?P<h2>\d{1,2})\s*h\s*(?P<m2>\d{2})?\s*$"
)


FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def parse_slots(text: str) -> list[tuple[int, datetime.time, datetime.time]]:
    """Read "mardi 9h–12h" lines into (weekday, start, end); raise CallEditError naming a bad line."""
    # The day's name in the page's language, or in French whatever the language (case ignored).
    languages = [FRENCH_WEEKDAYS, tuple(str(day).lower() for day in WEEKDAYS)]
    parsed = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        match = _SLOT_LINE.match(line.lower())
        try:
            weekday = next((names.index(match["day"]) for names in languages if match and match["day"] in names), None)
            if match is None or weekday is None:
                raise ValueError(line)
            start = datetime.time(int(match["h1"]), int(match["m1"] or 0))
            end = datetime.time(int(match["h2"]), int(match["m2"] or 0))
            if end <= start:
                raise ValueError(line)
        except ValueError:
            raise CallEditError(str(SLOT_UNREADABLE).format(line=line), field="slots") from None
        slot = (weekday, start, end)
        if slot not in parsed:
            parsed.append(slot)
    if not parsed:
        raise CallEditError(CALL_NEEDS_A_SLOT, field="slots")
    return parsed


MAX_QUESTIONS = 6
MIN_CHOICES, MAX_CHOICES = 2, 12
QUESTION_LABEL_LENGTH = 120
CHOICE_LENGTH = 80
MAX_WEIGHT = 10


@dataclass(frozen=True)
class QuestionFields:
    """A question of the application form: its wording, its choices (one answer), required or not, its weight."""

    label: str
    choices: tuple[str, ...]
    required: bool = True
    weight: int = 1


@dataclass(frozen=True)
class CallFields:
    title: str
    description: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    min_size: int
    max_size: int
    slots_text: str
    cycle_starts_on: datetime.date
    weight_organisation: int = 3
    weight_organisation_type: int = 2
    weight_job_family: int = 2
    weight_territory: int = 1
    territory: str = "departement"
    same_organisation_allowed: bool = False
    meeting_format: str = "en_ligne"
    seat_delay_days: int = 7
    time_budget_seconds: int = 20
    questions: tuple[QuestionFields, ...] = ()

    def call_values(self) -> dict[str, Any]:
        """The values kept on the call row itself (slots and questions have their own rows)."""
        values = {k: v for k, v in self.__dict__.items() if k not in ("slots_text", "questions")}
        values["title"] = self.title.strip()
        return values


def _one_line(text: str) -> str:
    return " ".join(text.split())


def clean_questions(questions: Sequence[QuestionFields]) -> list[QuestionFields]:
    """The questions as they will be kept: spaces tidied, repeated choices dropped; CallEditError otherwise.

    Each question has a wording of at most 120 characters, distinct from the others', 2 to 12
    choices of at most 80 characters and a weight from 0 to 10; a call asks at most 6 questions.
    """
    if len(questions) > MAX_QUESTIONS:
        raise CallEditError(str(TOO_MANY_QUESTIONS).format(count=MAX_QUESTIONS), field="questions")
    cleaned: list[QuestionFields] = []
    labels: set[str] = set()
    for question in questions:
        label = _one_line(question.label)
        if not label or len(label) > QUESTION_LABEL_LENGTH:
            raise CallEditError(QUESTION_LABEL_INVALID, field="questions")
        if label.casefold() in labels:
            raise CallEditError(str(QUESTION_LABEL_REPEATED).format(label=label), field="questions")
        labels.add(label.casefold())
        choices: list[str] = []
        for raw in question.choices:
            choice = _one_line(raw)
            if not choice or choice.casefold() in {c.casefold() for c in choices}:
                continue  # a blank line or the same answer twice: nothing to ask about
            if len(choice) > CHOICE_LENGTH:
                raise CallEditError(str(QUESTION_CHOICE_TOO_LONG).format(choice=choice, label=label), field="questions")
            choices.append(choice)
        if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
            raise CallEditError(str(QUESTION_CHOICES_COUNT).format(label=label), field="questions")
        if not 0 <= question.weight <= MAX_WEIGHT:
            raise CallEditError(str(QUESTION_WEIGHT_INVALID).format(label=label), field="questions")
        cleaned.append(QuestionFields(label, tuple(choices), bool(question.required), int(question.weight)))
    return cleaned


def _check_call_fields(fields: CallFields) -> None:
    if fields.closes_at <= fields.opens_at:
        raise CallEditError(CALL_DATES_OUT_OF_ORDER, field="closes_at")
    if not 1 <= fields.min_size <= fields.max_size:
        raise CallEditError(CALL_SIZES_OUT_OF_ORDER, field="max_size")


@transaction.atomic
def call_create(*, created_by: User, kind_id: int, fields: CallFields) -> Call:
    """Open a call for applications for a circle kind.

    Raises CallEditError for bad dates, sizes, slots or questions.
    """
    require(created_by, "formation.manage_calls")
    _check_call_fields(fields)
    slots = parse_slots(fields.slots_text)
    questions = clean_questions(fields.questions)
    call = Call(kind_id=kind_id, created_by=created_by, **fields.call_values())
    call.full_clean()
    call.save()
    CallSlot.objects.bulk_create(CallSlot(call=call, weekday=d, starts_at=s, ends_at=e) for d, s, e in slots)
    CallQuestion.objects.bulk_create(
        CallQuestion(call=call, position=index, **question.__dict__) for index, question in enumerate(questions)
    )
    audit_record(actor=created_by, action=AuditAction.CALL_CREATE, object_kind="call", object_id=call.pk)
    return call


@transaction.atomic
def call_update(*, call_id: int, updated_by: User, version: int, fields: CallFields) -> Call:
    """Save a coordinator's edit of a call that is not published yet; an audit row records it.

    Refuses an edit made on an older version of the call (CallEditConflict, checked under the row
    lock, so that two coordinators never overwrite each other). Once someone applied, slots can be
    added but one an applicant chose cannot be removed, and the questions are frozen except their
    weights (so that every answer was given to the same question). Raises FormationError once the
    call is published, CallEditError (with the field at fault) for bad values.
    """
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        raise CallNotFound()
    require(updated_by, "formation.manage_calls", call)
    if call.is_published:
        raise FormationError(CALL_EDIT_PUBLISHED)
    if call.version != version:
        raise CallEditConflict()
    _check_call_fields(fields)
    slots = parse_slots(fields.slots_text)
    questions = clean_questions(fields.questions)
    has_applications = Application.objects.filter(call=call).exists()
    changed = [name for name, value in fields.call_values().items() if getattr(call, name) != value]
    for name, value in fields.call_values().items():
        setattr(call, name, value)
    if _slots_update(call, slots):
        changed.append("slots")
    changed += _questions_update(call, questions, frozen=has_applications)
    call.version += 1
    call.full_clean()
    call.save()
    audit_record(
        actor=updated_by, action=AuditAction.CALL_UPDATE, object_kind="call", object_id=call.pk, changes=changed
    )
    return call


def _slots_update(call: Call, slots: Sequence[tuple[int, datetime.time, datetime.time]]) -> bool:
    """Add the new slots, remove those no (active) applicant chose; True when anything changed.

    A slot that applicants chose is never removed: their availability would silently shrink. The
    refusal says how many chose each such slot (never who).
    """
    existing = {(s.weekday, s.starts_at, s.ends_at): s for s in call.slots.all()}
    wanted = set(slots)
    removed = [slot for key, slot in existing.items() if key not in wanted]
    refusals = []
    for slot in removed:
        chosen = slot.applications.exclude(status=ApplicationStatus.WITHDRAWN).count()
        if chosen:
            refusals.append(slot_chosen_message(slot.label, chosen))
    if refusals:
        raise CallEditError(" ".join(refusals), field="slots_text")
    added = [key for key in slots if key not in existing]
    CallSlot.objects.filter(pk__in=[slot.pk for slot in removed]).delete()
    CallSlot.objects.bulk_create(CallSlot(call=call, weekday=d, starts_at=s, ends_at=e) for d, s, e in added)
    return bool(removed or added)


def _questions_update(call: Call, questions: Sequence[QuestionFields], *, frozen: bool) -> list[str]:
    """Make the call's questions these ones, in this order; the names of what changed, for the audit row.

    Frozen (the call has applications): only the weights may change; anything else raises
    CallEditError. Otherwise each question is rewritten in place (its id, hence its attribute in the
    runs' inputs, stays), the surplus ones removed and new ones added.
    """
    current = list(call.questions.order_by("position"))
    if frozen:
        same = len(current) == len(questions) and all(
            (kept.label, tuple(kept.choices), kept.required) == (new.label, new.choices, new.required)
            for kept, new in zip(current, questions, strict=False)
        )
        if not same:
            raise CallEditError(QUESTIONS_FROZEN, field="questions")
    changed = False
    for position, question in enumerate(questions):
        values = {**question.__dict__, "choices": list(question.choices)}
        if position < len(current):
            kept = current[position]
            if all(getattr(kept, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(kept, name, value)
            kept.save(update_fields=list(values))
        else:
            CallQuestion.objects.create(call=call, position=position, **values)
        changed = True
    surplus = current[len(questions) :]
    if surplus:
        CallQuestion.objects.filter(pk__in=[q.pk for q in surplus]).delete()
        changed = True
    return ["questions"] if changed else []


# --- Applications --------------------------------------------------------------------------------


def _tell(kind: str, user: User, **about: int) -> None:
    message_enqueue(kind=kind, recipient=user, about=about)


@transaction.atomic
def application_submit(
    *,
    call_id: int,
    user: User,
    motivation: str,
    slot_ids: Sequence[int],
    avoid_text: str = "",
    avoid_same_organisation: bool = False,
    with_text: str = "",
    answers: Mapping[int, str] | None = None,
) -> Application:
    """Apply to a call. After the close the application goes to the call's waiting list.

    ``answers`` maps each of the call's questions (by id) to the choice made. Raises FormationError
    when the call is not open yet, is published, the person already applied, their profile is
    incomplete, no slot or motivation is given, a required question is unanswered or an answer is
    not one of its question's choices. E-mails the applicant.
    """
    call = Call.objects.select_for_update().get(pk=call_id)
    require(user, "formation.apply", call)
    now = timezone.now()
    if now < call.opens_at:
        raise FormationError(CALL_NOT_OPEN)
    profile = getattr(user, "profile", None)
    if profile is None or not profile.is_complete:
        raise FormationError(PROFILE_INCOMPLETE)
    if not motivation.strip():
        raise FormationError(MOTIVATION_REQUIRED)
    slots = list(CallSlot.objects.filter(call=call, pk__in=list(slot_ids)))
    if not slots:
        raise FormationError(SLOT_REQUIRED)
    chosen = _answers_checked(call, answers or {})
    existing = Application.objects.filter(call=call, user=user).first()
    if existing is not None and existing.status != ApplicationStatus.WITHDRAWN:
        raise FormationError(ALREADY_APPLIED)
    late = now >= call.closes_at or call.is_published
    application = existing or Application(call=call, user=user)
    application.motivation = motivation.strip()[:2000]
    application.avoid_text = avoid_text.strip()[:1000]
    application.avoid_same_organisation = avoid_same_organisation
    application.with_text = with_text.strip()[:200]
    application.status = ApplicationStatus.WAITING if late else ApplicationStatus.APPLIED
    application.late = late
    application.submitted_at = now
    application.withdrawn_at = None
    application.full_clean(exclude=["call", "user"])
    application.save()
    application.slots.set(slots)
    application.answers.all().delete()  # applying again after withdrawing: the new answers only
    ApplicationAnswer.objects.bulk_create(
        ApplicationAnswer(application=application, question=question, choice=choice) for question, choice in chosen
    )
    _tell("formation.applied_late" if late else "formation.applied", user, application=application.pk)
    return application


def _answers_checked(call: Call, answers: Mapping[int, str]) -> list[tuple[CallQuestion, str]]:
    """Each answered question with its choice; FormationError naming the question otherwise.

    Answers to questions the call does not ask are ignored (a page older than the call's questions).
    """
    given = {int(question_id): str(choice).strip() for question_id, choice in answers.items()}
    chosen = []
    for question in call.questions.order_by("position"):
        choice = given.get(question.pk, "")
        if not choice:
            if question.required:
                raise FormationError(str(ANSWER_REQUIRED).format(label=question.label))
            continue
        if choice not in question.choices:
            raise FormationError(str(ANSWER_NOT_A_CHOICE).format(label=question.label))
        chosen.append((question, choice))
    return chosen


@transaction.atomic
def application_withdraw(*, call_id: int, user: User) -> Application:
    """Withdraw one's application until the call closes. Raises FormationError otherwise."""
    call = Call.objects.select_for_update().get(pk=call_id)
    application = (
        Application.objects.filter(call=call, user=user)
        .exclude(status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.EXPIRED])
        .first()
    )
    if application is None:
        raise FormationError(NO_APPLICATION)
    if call.is_published or (timezone.now() >= call.closes_at and not application.late):
        raise FormationError(WITHDRAW_CLOSED)
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = timezone.now()
    application.save(update_fields=["status", "withdrawn_at"])
    _tell("formation.withdrawn", user, application=application.pk)
    return application


# --- From applications to the engine's inputs ---------------------------------------------------


def _attributes(application: Application, call: Call, questions: Sequence[CallQuestion]) -> dict[str, str]:
    profile = getattr(application.user, "profile", None)
    unknown = missing_value(str(application.pk))
    organisation = getattr(profile, "organisation", None)
    departement = getattr(profile, "departement", None)
    answers = {answer.question_id: answer.choice for answer in application.answers.all()}
    if call.territory == "region":
        territory = departement.region_id if departement is not None else unknown
    else:
        territory = departement.pk if departement is not None else unknown
    return {
        "organisation": str(organisation.pk) if organisation is not None else unknown,
        "organisation_type": organisation.kind if organisation is not None else unknown,
        "job_family": str(profile.job_family_id) if profile is not None and profile.job_family_id else unknown,
        "territory": str(territory),
    } | {question.attribute: answers.get(question.pk, unknown) for question in questions}


def _problem_data(call: Call) -> dict[str, Any]:
    """The engine's inputs for a call's current applications, with notices for the coordinators.

    Cannot-links: people of one organisation when the call keeps them apart (except a mutual
    "avec"), "personne de ma collectivité", and every "pas avec" that names another applicant.
    Must-links: "avec" honoured only when both asked, and dropped when one also wrote "pas avec".
    Each of the call's questions is one more attribute (its answers), weighted as the call says;
    its wording goes with the inputs, so that a run's page names it whatever happens to the call.
    """
    applications = list(
        Application.objects.filter(call=call, status=ApplicationStatus.APPLIED)
        .select_related("user__profile__organisation", "user__profile__departement")
        .prefetch_related("slots", Prefetch("answers", queryset=ApplicationAnswer.objects.order_by()))
        .order_by("submitted_at", "pk")
    )
    questions = list(call.questions.order_by("position"))
    ids = [str(a.pk) for a in applications]
    by_id = {str(a.pk): a for a in applications}
    attributes = {str(a.pk): _attributes(a, call, questions) for a in applications}
    directory = Directory(Candidate(str(a.pk), a.user.email, a.user.first_name, a.user.last_name) for a in applications)
    notices: list[dict[str, str]] = []
    avoid: set[tuple[str, str]] = set()
    for person, application in by_id.items():
        for entry in entries(application.avoid_text):
            found = directory.find(entry) - {person}
            if not found:
                notices.append({"code": "avoid_unmatched", "person": person, "text": entry})
            avoid |= {tuple(sorted((person, other))) for other in found}  # type: ignore[misc]
    wants: dict[str, set[str]] = {}
    for person, application in by_id.items():
        for entry in entries(application.with_text)[:1]:
            found = directory.find(entry) - {person}
            if not found:
                notices.append({"code": "with_unmatched", "person": person, "text": entry})
            wants[person] = found
    together: set[tuple[str, str]] = set()
    for person, others in wants.items():
        for other in sorted(others):
            pair = tuple(sorted((person, other)))
            if person not in wants.get(other, set()):
                notices.append({"code": "with_one_sided", "person": person, "other": other})
            elif pair in avoid:
                if person < other:
                    notices.append({"code": "with_contradicted", "person": person, "other": other})
            else:
                together.add(pair)  # type: ignore[arg-type]
    by_organisation: dict[str, list[str]] = {}
    for person in ids:
        by_organisation.setdefault(attributes[person]["organisation"], []).append(person)
    for person in ids:
        same = by_organisation[attributes[person]["organisation"]]
        if by_id[person].avoid_same_organisation or not call.same_organisation_allowed:
            for other in same:
                pair = tuple(sorted((person, other)))
                if other != person and pair not in together:
                    avoid.add(pair)  # type: ignore[arg-type]
    weights: list[tuple[str, int]] = [
        ("organisation", call.weight_organisation),
        ("organisation_type", call.weight_organisation_type),
        ("job_family", call.weight_job_family),
        ("territory", call.weight_territory),
    ] + [(question.attribute, question.weight) for question in questions]
    return {
        "people": [
            {"id": p, "attributes": attributes[p], "slots": sorted(str(s.pk) for s in by_id[p].slots.all())}
            for p in ids
        ],
        "attributes": [[name, float(weight)] for name, weight in weights if weight > 0],
        "min_size": call.min_size,
        "max_size": call.max_size,
        "cannot_link": sorted(list(pair) for pair in avoid),
        "must_link": sorted(list(pair) for pair in together),
        "locked": {},
        "notices": notices,
        "questions": [{"attribute": q.attribute, "label": q.label} for q in questions],
    }


def _digest(data: dict[str, Any]) -> str:
    """The inputs' fingerprint; the number of groups, fixed once a run found it, is not an input."""
    inputs = {k: v for k, v in data.items() if k != "group_count"}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


# --- Runs ----------------------------------------------------------------------------------------


def _live_run(call: Call) -> FormationRun | None:
    now = timezone.now()
    return (
        FormationRun.objects.filter(call=call, status__in=[RunStatus.QUEUED, RunStatus.RUNNING], lease_until__gt=now)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def run_start(
    *, call_id: int, started_by: User, rerun_of_id: int | None = None, replay_of_id: int | None = None
) -> FormationRun:
    """Queue a run of the engine on the call (or a re-run keeping locked groups, or an exact replay).

    One run at a time: raises FormationError while another run holds the call's lease, or once the
    call is published. The work is handed to the task worker after commit.
    """
    call = Call.objects.select_for_update().get(pk=call_id)
    require(started_by, "formation.manage_calls", call)
    if call.is_published:
        raise FormationError(CALL_PUBLISHED)
    if _live_run(call) is not None:
        raise FormationError(RUN_IN_PROGRESS)
    number = (FormationRun.objects.filter(call=call).aggregate(m=Max("number"))["m"] or 0) + 1
    run = FormationRun(call=call, number=number, started_by=started_by, seconds=float(call.time_budget_seconds))
    if replay_of_id is not None:
        original = FormationRun.objects.get(pk=replay_of_id, call=call)
        if original.iterations is None or original.status not in (RunStatus.DONE, RunStatus.CANCELLED):
            raise FormationError(REPLAY_IMPOSSIBLE)
        run.replay_of = original
        run.problem = original.problem
        run.seed = original.seed
        run.max_iterations = original.iterations
        run.seconds = 0.0  # no wall-time cap: the iteration count decides, as in the original
    else:
        data = _problem_data(call)
        if rerun_of_id is not None:
            previous = FormationRun.objects.get(pk=rerun_of_id, call=call)
            present = {p["id"] for p in data["people"]}
            data["group_count"] = len(previous.edited_groups)
            data["locked"] = {
                person: index
                for index in previous.locked_groups
                for person in previous.edited_groups[index]
                if person in present
            }
            data["exact_sizes"] = {
                str(index): sum(1 for p in previous.edited_groups[index] if p in present)
                for index in previous.locked_groups
            }
            run.rerun_of = previous
        run.problem = data
        run.seed = secrets.randbelow(2**31)
    run.inputs_digest = _digest(run.problem)
    run.lease_until = timezone.now() + QUEUE_LEASE
    run.save()
    audit_record(
        actor=started_by,
        action=AuditAction.RUN_START,
        object_kind="run",
        object_id=run.pk,
        # Whether it is a re-run or a replay; the count is the number of applicants given to the engine.
        changes=[name for name, value in (("rerun_of", run.rerun_of_id), ("replay_of", run.replay_of_id)) if value],
        count=len(run.problem.get("people", [])),
    )
    from cercles.formation.tasks import execute_run

    transaction.on_commit(lambda: execute_run.enqueue(run.pk))
    return run


@transaction.atomic
def run_cancel(*, run_id: int, cancelled_by: User) -> FormationRun:
    """Ask a run to stop: the engine's progress callback reads the flag; a queued run stops at once."""
    run = FormationRun.objects.select_for_update().select_related("call").get(pk=run_id)
    require(cancelled_by, "formation.manage_calls", run.call)
    run.cancel_requested = True
    fields = ["cancel_requested"]
    if run.status == RunStatus.QUEUED:
        run.status = RunStatus.CANCELLED
        run.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    run.save(update_fields=fields)
    audit_record(actor=cancelled_by, action=AuditAction.RUN_CANCEL, object_kind="run", object_id=run.pk)
    return run


def _claim(run_id: int) -> bool:
    """Take a queued run (conditional UPDATE: two workers never run the same one)."""
    now = timezone.now()
    return bool(
        FormationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, cancel_requested=False).update(
            status=RunStatus.RUNNING, started_at=now, lease_until=now + RUN_LEASE
        )
    )


def run_execute(*, run_id: int) -> FormationRun:
    """Run the engine for a queued run in a child process; write progress, then the result.

    Called by the task worker. The parent renews the run's lease at every report and passes a cancel
    on; the child holds the CPU, never a database connection. A child that dies leaves the run
    failed (or, if this process dies too, the lease runs out and the call is free again).
    """
    if not _claim(run_id):
        return FormationRun.objects.get(pk=run_id)
    return _execute_claimed(run_id=run_id)


def _execute_claimed(*, run_id: int) -> FormationRun:
    run = FormationRun.objects.get(pk=run_id)
    data = {k: v for k, v in run.problem.items() if k != "notices"}
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=True)
    seconds = run.seconds or None
    child = context.Process(target=child_main, args=(sending, data, run.seed, seconds, run.max_iterations), daemon=True)
    started = time.perf_counter()
    child.start()
    sending.close()
    outcome: dict[str, Any] | None = None
    progress: tuple[int, float, float] | None = None
    last_report = 0.0
    cancel_sent = False
    while outcome is None:
        try:
            if receiving.poll(REPORT_EVERY_SECONDS):
                message = receiving.recv()
                if message[0] == "progress":
                    progress = (int(message[1]), float(message[2]), float(message[3]))
                else:
                    outcome = message[1]
            elif not child.is_alive():
                break
        except (EOFError, OSError):
            break
        if time.perf_counter() - last_report >= REPORT_EVERY_SECONDS:
            last_report = time.perf_counter()
            changes: dict[str, Any] = {"lease_until": timezone.now() + RUN_LEASE}
            if progress is not None:
                changes.update(progress_iterations=progress[0], progress_best=progress[1], progress_elapsed=progress[2])
            FormationRun.objects.filter(pk=run_id).update(**changes)
            if not cancel_sent and FormationRun.objects.filter(pk=run_id, cancel_requested=True).exists():
                receiving.send("cancel")
                cancel_sent = True
    child.join(timeout=10)
    if child.is_alive():  # pragma: no cover - a child that ignores its pipe
        child.terminate()
    return _run_finish(run_id=run_id, outcome=outcome, wall_seconds=time.perf_counter() - started)


@transaction.atomic
def _run_finish(*, run_id: int, outcome: dict[str, Any] | None, wall_seconds: float) -> FormationRun:
    run = FormationRun.objects.select_for_update().get(pk=run_id)
    run.finished_at = timezone.now()
    run.lease_until = None
    if outcome is None:
        run.status = RunStatus.FAILED
        run.error = "CRASHED"
    else:
        run.groups = outcome["groups"]
        run.edited_groups = outcome["groups"]
        run.shared_slots = outcome["shared_slots"]
        run.unplaced = outcome["unplaced"]
        run.objective = outcome["objective"]
        run.upper_bound = outcome["upper_bound"]
        run.random_objective = outcome["random_objective"]
        run.iterations = outcome["iterations"]
        run.progress_iterations = outcome["iterations"]
        run.progress_best = outcome["objective"]
        run.stop_reason = outcome["stop_reason"]
        run.engine_seconds = outcome["seconds"]
        run.problem = {**run.problem, "group_count": outcome["group_count"] or run.problem.get("group_count")}
        if outcome["error_code"]:
            run.status = RunStatus.FAILED
            run.error = outcome["error_code"]
        elif outcome["stop_reason"] == "CANCELLED":
            run.status = RunStatus.CANCELLED
        else:
            run.status = RunStatus.DONE
        run.locked_groups = []
    run.progress_elapsed = wall_seconds
    run.save()
    return run


# --- Hand edits, with the engine's evaluation state kept between requests -----------------------

_EVALUATORS: OrderedDict[tuple[int, str], tuple[int, GroupingEvaluator]] = OrderedDict()
_EVALUATORS_LOCK = threading.Lock()
EVALUATORS_KEPT = 8


def run_problem(run: FormationRun) -> Problem:
    """The engine's problem of a finished run, as it was solved (same people, groups, links)."""
    data = dict(run.problem)
    data["group_count"] = len(run.edited_groups)
    left_out = [u["person"] for u in run.unplaced if u["reason"] == "NO_ROOM"]
    problem = build_problem(data, len(run.edited_groups), left_out)
    # Locks are the coordinator's marks on the page, not constraints of the hand edits.
    return Problem(
        people=problem.people,
        groups=problem.groups,
        attributes=problem.attributes,
        cannot_link=problem.cannot_link,
        must_link=problem.must_link,
        require_shared_slot=True,
    )


def run_evaluator(run: FormationRun) -> GroupingEvaluator:
    """The evaluator of the run's current grouping: kept in this process, rebuilt only when stale."""
    key = _evaluator_key(run)
    with _EVALUATORS_LOCK:
        kept = _EVALUATORS.get(key)
        if kept is not None and kept[0] == run.edits_version:
            _EVALUATORS.move_to_end(key)
            return kept[1]
    evaluator = GroupingEvaluator(run_problem(run), run.edited_groups)
    _keep(key, run.edits_version, evaluator)
    return evaluator


def _evaluator_key(run: FormationRun) -> tuple[int, str]:
    # The creation time too: a database that reuses ids (SQLite after a rollback) never hands over
    # another run's grouping.
    return (run.pk, run.created_at.isoformat())


def _keep(key: tuple[int, str], version: int, evaluator: GroupingEvaluator) -> None:
    with _EVALUATORS_LOCK:
        _EVALUATORS[key] = (version, evaluator)
        _EVALUATORS.move_to_end(key)
        while len(_EVALUATORS) > EVALUATORS_KEPT:
            _EVALUATORS.popitem(last=False)


def _forget(key: tuple[int, str]) -> None:
    with _EVALUATORS_LOCK:
        _EVALUATORS.pop(key, None)


def run_preview(*, run: FormationRun, person: str, group: int | None = None, swap_with: str | None = None) -> Effect:
    """What moving ``person`` to ``group`` (None: out of every group) or swapping them would do."""
    evaluator = run_evaluator(run)
    _check_edit(run, evaluator, person, group, swap_with)
    if swap_with is not None:
        return evaluator.swap(person, swap_with)
    return evaluator.move(person, group)


def _check_edit(
    run: FormationRun, evaluator: GroupingEvaluator, person: str, group: int | None, swap_with: str | None
) -> None:
    known = {p.id for p in evaluator.problem.people}
    if person not in known or (swap_with is not None and swap_with not in known):
        raise FormationError(EDIT_UNKNOWN_PERSON)
    if swap_with is not None and (evaluator.group_of(person) is None or evaluator.group_of(swap_with) is None):
        raise FormationError(EDIT_UNKNOWN_PERSON)
    if group is not None and not 0 <= group < len(evaluator.problem.groups):
        raise FormationError(EDIT_UNKNOWN_GROUP)


@transaction.atomic
def run_edit(
    *,
    run_id: int,
    edited_by: User,
    version: int,
    person: str,
    group: int | None = None,
    swap_with: str | None = None,
) -> Effect:
    """Move a person to a group (None: out of every group) or swap two people, by hand.

    The page sends the version it shows; an older one raises RunEditConflict (nobody's edit is
    silently overwritten). Allowed even when it breaks a constraint: the page lists what it breaks
    and publishing refuses a grouping that breaks any.
    """
    run = FormationRun.objects.select_for_update().select_related("call").get(pk=run_id)
    require(edited_by, "formation.manage_calls", run.call)
    if run.call.is_published:
        raise FormationError(CALL_PUBLISHED)
    if not run.has_result:
        raise FormationError(RUN_NOT_FINISHED)
    if version != run.edits_version:
        raise RunEditConflict()
    evaluator = run_evaluator(run)
    _check_edit(run, evaluator, person, group, swap_with)
    key = _evaluator_key(run)
    _forget(key)  # the evaluator changes now; if this transaction rolls back it is rebuilt
    effect = evaluator.apply_swap(person, swap_with) if swap_with is not None else evaluator.apply_move(person, group)
    run.edited_groups = [list(g) for g in evaluator.groups]
    run.edits_version = F("edits_version") + 1
    run.save(update_fields=["edited_groups", "edits_version"])
    run.refresh_from_db(fields=["edits_version"])
    new_version = run.edits_version
    # One row per person moved (two for a swap), so that "actions qui concernent cette personne" finds it.
    moved = [int(p) for p in (person, swap_with) if p is not None and p.isdigit()]
    applicants = dict(Application.objects.filter(pk__in=moved, call=run.call).values_list("pk", "user_id"))
    for application_id in moved:
        audit_record(
            actor=edited_by,
            action=AuditAction.RUN_EDIT,
            person=applicants.get(application_id),
            object_kind="run",
            object_id=run.pk,
            changes=("swap",) if swap_with is not None else ("group",),
        )
    transaction.on_commit(lambda: _keep(key, new_version, evaluator))
    return effect


@transaction.atomic
def run_lock_toggle(*, run_id: int, edited_by: User, group: int) -> FormationRun:
    """Keep (or stop keeping) a group as it is for the next re-run."""
    run = FormationRun.objects.select_for_update().select_related("call").get(pk=run_id)
    require(edited_by, "formation.manage_calls", run.call)
    if not 0 <= group < len(run.edited_groups):
        raise FormationError(EDIT_UNKNOWN_GROUP)
    locked = set(run.locked_groups)
    locked ^= {group}
    run.locked_groups = sorted(locked)
    run.save(update_fields=["locked_groups"])
    audit_record(
        actor=edited_by,
        action=AuditAction.RUN_GROUP_LOCK if group in locked else AuditAction.RUN_GROUP_UNLOCK,
        object_kind="run",
        object_id=run.pk,
    )
    return run


# --- Publishing and seats ------------------------------------------------------------------------

RHYTHM_DAYS: dict[str, int] = {Rhythm.WEEKLY: 7, Rhythm.FORTNIGHTLY: 14, Rhythm.MONTHLY: 28, Rhythm.FREE: 14}


def first_meeting_on(start: datetime.date, weekday: int) -> datetime.date:
    """The first ``weekday`` on or after ``start``."""
    return start + datetime.timedelta(days=(weekday - start.weekday()) % 7)


@transaction.atomic
def call_publish(*, run_id: int, published_by: User) -> list[Circle]:
    """Create one circle per group of the run as shown, offer each placed person their seat.

    Circles take the kind's defaults; the group's shared slot gives the weekday and time of the cycle
    (kept on ``FormedGroup``), the kind's rhythm the rest; each circle has a facilitator seat to fill.
    The unplaced go to the call's waiting list. Everyone is e-mailed. Raises FormationError when the
    call is already published, the run is not finished, or the grouping breaks a constraint.
    """
    run = FormationRun.objects.select_related("call__kind").get(pk=run_id)
    call = Call.objects.select_for_update().select_related("kind").get(pk=run.call_id)
    require(published_by, "formation.manage_calls", call)
    if call.is_published:
        raise FormationError(CALL_PUBLISHED)
    if run.status != RunStatus.DONE or not run.edited_groups:
        raise FormationError(RUN_NOT_PUBLISHABLE)
    evaluator = run_evaluator(run)
    if evaluator.violations():
        raise FormationError(RUN_BREAKS_CONSTRAINTS)
    slots = {str(s.pk): s for s in call.slots.all()}
    applications = {
        str(a.pk): a for a in Application.objects.select_for_update().filter(call=call).select_related("user")
    }
    certificate = evaluator.certificate()
    kind = call.kind
    interval = RHYTHM_DAYS.get(kind.default_rhythm, 14)
    now = timezone.now()
    expires = now + datetime.timedelta(days=call.seat_delay_days)
    circles = []
    for index, members in enumerate(run.edited_groups):
        slot = slots.get(certificate.shared_slots[index] or "")
        start = first_meeting_on(call.cycle_starts_on, slot.weekday) if slot else call.cycle_starts_on
        meetings = kind.default_meeting_count or 6
        end = start + datetime.timedelta(days=interval * (meetings - 1))
        circle = circle_create(
            kind=kind,
            title=f"{call.title} · groupe {index + 1}",
            description=call.description or kind.purpose,
            meeting_format=call.meeting_format,
            start_date=start,
            end_date=end,
            join_deadline=start,
            capacity=call.max_size,
            is_open=False,
        )
        FormedGroup.objects.create(call=call, circle=circle, index=index, slot=slot, first_meeting_on=start)
        if slot is not None:
            _plan_cycle(circle=circle, call=call, slot=slot, first_date=start, planned_by=published_by)
        circles.append(circle)
        for person in members:
            application = applications.get(person)
            if application is None or application.status != ApplicationStatus.APPLIED:
                continue  # erased or withdrawn since the run: the seat stays free
            application.status = ApplicationStatus.OFFERED
            application.circle = circle
            application.offered_at = now
            application.offer_expires_at = expires
            application.save(update_fields=["status", "circle", "offered_at", "offer_expires_at"])
            _tell("formation.seat_offered", application.user, application=application.pk)
    for application in applications.values():
        if application.status == ApplicationStatus.APPLIED:
            application.status = ApplicationStatus.WAITING
            application.save(update_fields=["status"])
            _tell("formation.not_placed", application.user, application=application.pk)
    call.published_at = now
    call.published_run = run
    call.save(update_fields=["published_at", "published_run"])
    audit_record(
        actor=published_by,
        action=AuditAction.CALL_PUBLISH,
        object_kind="call",
        object_id=call.pk,
        changes=[f"run:{run.pk}"],
        count=len(circles),
    )
    return circles


# The kind's rhythm as the meetings' planner knows it; a free rhythm is left to the facilitators.
CYCLE_RHYTHMS: dict[str, CycleRhythm] = {
    Rhythm.WEEKLY: CycleRhythm.WEEKLY,
    Rhythm.FORTNIGHTLY: CycleRhythm.FORTNIGHTLY,
    Rhythm.MONTHLY: CycleRhythm.MONTHLY_NTH,
}


def _plan_cycle(*, circle: Circle, call: Call, slot: CallSlot, first_date: datetime.date, planned_by: User) -> None:
    """Plan the new circle's meetings on its shared slot: the slot's weekday and Paris time, the kind's rhythm.

    Online circles only: an in-person or hybrid circle needs a place that only its facilitators will
    know, and a free rhythm has no dates to compute; both are planned later on the circle's page. A plan
    that fails (a date in the past…) fails the publication, which then rolls back whole.
    """
    rhythm = CYCLE_RHYTHMS.get(call.kind.default_rhythm)
    if rhythm is None or call.meeting_format != MeetingFormat.ONLINE:
        return
    if rhythm == CycleRhythm.MONTHLY_NTH and weekday_rank(first_date)[0] == 5:
        rhythm = CycleRhythm.MONTHLY_LAST  # "le 5e jeudi" exists in few months: "le dernier jeudi" instead
    day = datetime.date.min
    slot_minutes = int(
        (datetime.datetime.combine(day, slot.ends_at) - datetime.datetime.combine(day, slot.starts_at)).seconds / 60
    )
    duration = min(call.kind.default_duration_minutes or slot_minutes, slot_minutes)
    cycle_plan(
        circle_id=circle.pk,
        planned_by=planned_by,
        plan=CyclePlan(
            shape=CycleShape(rhythm=rhythm, first_date=first_date, count=call.kind.default_meeting_count or 6),
            start_time=slot.starts_at,
            duration_minutes=duration,
            meeting_format=call.meeting_format,
        ),
    )


@transaction.atomic
def seat_accept(*, application_id: int, user: User, pact_accepted: bool) -> Application:
    """Take the seat offered: accept the circle's pact and become a member (circles' own service)."""
    application = Application.objects.select_for_update().filter(pk=application_id, user=user).first()
    if application is None or not application.is_offered or application.circle_id is None:
        raise FormationError(SEAT_NOT_OFFERED)
    if application.offer_expires_at and application.offer_expires_at <= timezone.now():
        raise FormationError(SEAT_NOT_OFFERED)
    if not pact_accepted:
        raise FormationError(PACT_REQUIRED)
    membership_admit(circle_id=application.circle_id, user=user, pact_accepted=True)
    application.status = ApplicationStatus.ACCEPTED
    application.accepted_at = timezone.now()
    application.save(update_fields=["status", "accepted_at"])
    return application


@transaction.atomic
def seats_expire(*, now: datetime.datetime | None = None) -> int:
    """Give every seat not taken in time to the call's waiting list; returns how many expired.

    The expired application is told; the seat is offered to the first person of the call's waiting
    list who can attend the circle's slot, with a fresh delay.
    """
    now = now or timezone.now()
    expired = list(
        Application.objects.select_for_update()
        .filter(status=ApplicationStatus.OFFERED, offer_expires_at__lte=now)
        .select_related("call", "user")
    )
    for application in expired:
        circle_id = application.circle_id
        application.status = ApplicationStatus.EXPIRED
        application.save(update_fields=["status"])
        _tell("formation.seat_expired", application.user, application=application.pk)
        group = FormedGroup.objects.filter(circle_id=circle_id).first() if circle_id else None
        waiting = Application.objects.filter(call=application.call, status=ApplicationStatus.WAITING)
        if group is not None and group.slot_id is not None:
            waiting = waiting.filter(slots=group.slot_id)
        heir = waiting.order_by("submitted_at", "pk").select_related("user").first()
        if heir is not None:
            heir.status = ApplicationStatus.OFFERED
            heir.circle_id = circle_id
            heir.offered_at = now
            heir.offer_expires_at = now + datetime.timedelta(days=application.call.seat_delay_days)
            heir.save(update_fields=["status", "circle", "offered_at", "offer_expires_at"])
            _tell("formation.seat_offered", heir.user, application=heir.pk)
    return len(expired)


@dataclass(frozen=True)
class MoveOutcome:
    application: Application
    breaks: tuple[Violation, ...]  # the call's constraints the move breaks (shown to the coordinator)


@transaction.atomic
def placement_move(*, call_id: int, application_id: int, to_circle_id: int, moved_by: User) -> MoveOutcome:
    """After publishing, move a person from one of the call's circles to another.

    Keeps each circle within the call's maximum size; a member is transferred by the circles'
    service (keeping the pact they accepted), a seat still on offer follows them. The person and
    both circles' members are e-mailed; the constraints of the call that the move breaks are returned.
    Raises FormationError for a circle outside the call, a full one, or a person without a place.
    """
    call = Call.objects.select_for_update().get(pk=call_id)
    require(moved_by, "formation.manage_calls", call)
    application = (
        Application.objects.select_for_update().select_related("user").filter(pk=application_id, call=call).first()
    )
    if application is None:
        raise FormationError(MOVE_NOT_PLACED)
    if not call.is_published:
        raise FormationError(CALL_NOT_PUBLISHED)
    if application.status not in (ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED) or not application.circle_id:
        raise FormationError(MOVE_NOT_PLACED)
    target = FormedGroup.objects.filter(call=call, circle_id=to_circle_id).first()
    if target is None:
        raise FormationError(EDIT_UNKNOWN_GROUP)
    if application.circle_id == to_circle_id:
        raise FormationError(MOVE_SAME_CIRCLE)
    taken = Application.objects.filter(
        call=call, circle_id=to_circle_id, status__in=[ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED]
    ).count()
    if taken >= call.max_size:
        raise FormationError(MOVE_TARGET_FULL)
    source_id = application.circle_id
    effect = _placement_effect(call, application, target.index)
    if application.status == ApplicationStatus.ACCEPTED:
        membership_transfer(from_circle_id=source_id, to_circle_id=to_circle_id, user=application.user)
    application.circle_id = to_circle_id
    application.save(update_fields=["circle"])
    audit_record(
        actor=moved_by,
        action=AuditAction.PLACEMENT_MOVE,
        person=application.user_id,
        circle=to_circle_id,
        object_kind="application",
        object_id=application.pk,
        changes=[f"from_circle:{source_id}"],
    )
    _tell("formation.moved", application.user, application=application.pk)
    for circle_id in (source_id, to_circle_id):
        for member in _active_members(circle_id, exclude=application.user_id):
            _tell("formation.circle_changed", member, circle=circle_id)
    return MoveOutcome(application, effect.breaks if effect is not None else ())


def _placement_effect(call: Call, application: Application, to_index: int) -> Effect | None:
    """What moving the person does to the published grouping, priced by the engine's evaluator.

    Only the people of the published run count (someone seated later from the waiting list was not
    in the engine's inputs); None when the person was not among them.
    """
    run = call.published_run
    if run is None:
        return None
    problem = run_problem(run)
    known = {p.id for p in problem.people}
    index_of = dict(FormedGroup.objects.filter(call=call).values_list("circle_id", "index"))
    groups: list[list[str]] = [[] for _ in run.edited_groups]
    placed = Application.objects.filter(
        call=call, status__in=[ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED]
    ).values_list("pk", "circle_id")
    for pk, circle_id in placed:
        if str(pk) in known and circle_id in index_of:
            groups[index_of[circle_id]].append(str(pk))
    person = str(application.pk)
    if person not in known:
        return None
    evaluator = GroupingEvaluator(problem, groups)
    return evaluator.move(person, to_index) if evaluator.group_of(person) is not None else None


def _active_members(circle_id: int, *, exclude: int) -> list[User]:
    from cercles.circles.models import MembershipStatus

    return list(
        User.objects.filter(memberships__circle_id=circle_id, memberships__status=MembershipStatus.ACTIVE)
        .exclude(pk=exclude)
        .order_by("pk")
    )
