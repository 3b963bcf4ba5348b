"""Each service by which someone acts on people, circles, memberships, meetings, calls, methods,
invitations, exports or erasures writes its audit row, in its own transaction — and never what was said.

The services are found, not listed by hand: every public function of the services modules below that
takes the acting person (a keyword ending in ``_by``, ``editor``, or ``author`` for a facilitator
writing to the members). A new one fails here until it has a case in ``CASES`` — and writes its row.
A new app adds its services module to ``MODULES``.
"""

from __future__ import annotations

import datetime
import inspect
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from django.utils import timezone

from cercles.audit.models import AuditAction, AuditEvent
from cercles.circles import services as circles
from cercles.circles.models import Circle, CircleKind, MeetingFormat, MembershipStatus
from cercles.formation import services as formation
from cercles.formation.models import Application, Call, FormationRun, RunStatus
from cercles.formation.tests.factories import call_fields, make_call
from cercles.formation.tests.world import build_formation_world
from cercles.meetings import services as meetings
from cercles.meetings.models import AttendanceStatus, Meeting
from cercles.meetings.planning import PARIS
from cercles.meetings.tests.conftest import weekly_plan
from cercles.methods import services as methods
from cercles.methods.library import CODEVELOPPEMENT
from cercles.methods.protocol import Protocol, parse_method
from cercles.notifications import services as notifications
from cercles.notifications.models import Message
from cercles.people import services as people
from cercles.people.models import Organisation, User
from cercles.privacy import services as privacy
from cercles.reminders import services as reminders
from cercles.rooms import services as rooms
from cercles.rooms.models import ClientTurn
from tests.factories import make_co_facilitator, make_meeting, make_user, seat

MODULES: list[ModuleType] = [people, circles, notifications, privacy, meetings, formation, methods, reminders, rooms]

# Services that take the acting person but are not audited, and why. What happens inside a room is
# the circle's own business: the log would either hold it (which it must never do) or be noise.
NOT_AUDITED: dict[str, str] = {
    "rooms.room_open": "opening a meeting's room changes nobody's rights; the meeting itself is audited",
    "rooms.room_choose_variant": "the method's variant for one meeting is facilitation inside the circle",
    "rooms.artefact_save": "a person writing in their own slot; the log must never hold what is written",
    "rooms.artefact_share": "an author widening who reads their own writing, inside the circle",
}

# What facilitators type inside a circle: none of it may reach the log.
SAID_IN_THE_CIRCLE = ("Mot-fenouillard du prochain rappel", "Objet-fenouillard", "Corps-fenouillard du message")


def acting_services() -> set[str]:
    found = set()
    for module in MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = inspect.signature(function).parameters
            if any(p.endswith("_by") or p in {"editor", "author"} for p in parameters):
                found.add(f"{module.__name__.rsplit('.', 2)[-2]}.{name}")
    return found


def _kind_fields(kind: CircleKind, **overrides: Any) -> circles.KindFields:
    fields = {name: getattr(kind, name) for name in circles.KindFields.__dataclass_fields__}
    return circles.KindFields(**(fields | overrides))


def _changes(circle: Circle, **overrides: Any) -> circles.CircleChanges:
    fields = {name: getattr(circle, name) for name in circles.CircleChanges.__dataclass_fields__}
    fields["kind"] = None
    return circles.CircleChanges(**(fields | overrides))


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _planned(w: dict[str, Any]) -> list[Meeting]:
    return meetings.cycle_plan(circle_id=w["circle"].pk, planned_by=w["alice"], plan=weekly_plan(_in_days(30), 3))


def _held(w: dict[str, Any]) -> Meeting:
    """A meeting of the circle that took place an hour ago."""
    meeting = _planned(w)[0]
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(hours=1)
    )
    return meeting


def _clients_swapped(w: dict[str, Any]) -> object:
    first, second = make_meeting(w["circle"], in_days=7), make_meeting(w["circle"], in_days=14)
    ClientTurn.objects.create(meeting=first, person=w["bob"])
    dora = make_user("dora")
    seat(w["circle"], dora)
    ClientTurn.objects.create(meeting=second, person=dora)
    return rooms.client_turns_swap(first.pk, second.pk, swapped_by=w["alice"])


def _poll(w: dict[str, Any]) -> Any:
    now = timezone.now()
    return meetings.poll_create(
        circle_id=w["circle"].pk,
        created_by=w["alice"],
        slots=[now + datetime.timedelta(days=days) for days in (3, 4)],
        duration_minutes=90,
    )


def _moved(w: dict[str, Any]) -> list[Meeting]:
    meeting = _planned(w)[0]
    changes = meetings.MeetingChanges(
        day=timezone.localtime(meeting.starts_at, PARIS).date() + datetime.timedelta(days=1),
        start_time=datetime.time(9, 30),
        duration_minutes=90,
        meeting_format=MeetingFormat.ONLINE,
    )
    return meetings.meeting_update(meeting_id=meeting.pk, editor=w["alice"], version=meeting.version, changes=changes)


def _two_groups(w: dict[str, Any]) -> tuple[Call, list[Application], FormationRun]:
    """A call whose finished run put Bob and Charlie in two groups of one."""
    call = make_call(w["claire"], min_size=1, max_size=3, same_organisation_allowed=True)
    slot = call.slots.get(weekday=1)
    submitted = [
        formation.application_submit(call_id=call.pk, user=user, motivation="Ma motivation", slot_ids=[slot.pk])
        for user in (w["bob"], w["charlie"])
    ]
    people_ids = [str(application.pk) for application in submitted]
    attributes = {"organisation": "1", "organisation_type": "commune", "job_family": "x", "territory": "35"}
    run = FormationRun.objects.create(
        call=call,
        number=1,
        status=RunStatus.DONE,
        problem={
            "people": [{"id": p, "attributes": attributes, "slots": [str(slot.pk)]} for p in people_ids],
            "attributes": [["organisation", 3.0]],
            "min_size": 1,
            "max_size": 3,
            "cannot_link": [],
            "must_link": [],
            "locked": {},
            "group_count": 2,
        },
        groups=[[p] for p in people_ids],
        edited_groups=[[p] for p in people_ids],
        shared_slots=[str(slot.pk)] * 2,
        iterations=1,
        objective=0.0,
    )
    return call, submitted, run


def _published_in_two_circles(w: dict[str, Any]) -> tuple[Call, Application, list[Circle]]:
    call, submitted, run = _two_groups(w)
    return call, submitted[0], formation.call_publish(run_id=run.pk, published_by=w["claire"])


def _call_retitled(coordinator: User) -> Call:
    call = make_call(coordinator)
    return formation.call_update(
        call_id=call.pk, updated_by=coordinator, version=call.version, fields=call_fields(call, title="Nouveau titre")
    )


def _formation_world(w: dict[str, Any]) -> Any:
    return build_formation_world(coordinator=w["claire"], applicant=w["charlie"])


def _seance() -> Protocol:
    protocol = parse_method(CODEVELOPPEMENT).protocol("seance")
    assert protocol is not None
    return protocol


def _method_changes() -> methods.ProtocolChanges:
    phases = [
        methods.PhaseInput(
            key=phase.key,
            name=phase.name,
            instructions=phase.instructions,
            minutes=phase.minutes,
            min_minutes=phase.min_minutes,
            max_minutes=phase.max_minutes,
            mode=phase.mode.value,
            speakers=phase.speakers,
            prompts=phase.prompts,
        )
        for phase in _seance().phases
    ]
    return methods.ProtocolChanges(name="Une séance renommée", when=_seance().when, phases=phases)


# service -> (what it does given the world, the action its row records)
CASES: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "rooms.client_turns_choose": (
        lambda w: rooms.client_turns_choose(
            make_meeting(w["circle"], in_days=7).pk, chosen_by=w["alice"], people=[w["bob"].pk]
        ),
        AuditAction.CLIENT_CHOOSE,
    ),
    "rooms.client_turns_swap": (_clients_swapped, AuditAction.CLIENT_SWAP),
    "people.person_create": (
        lambda w: people.person_create(created_by=w["claire"], email="nouvelle@exemple.fr"),
        AuditAction.PERSON_CREATE,
    ),
    "people.person_update": (
        lambda w: people.person_update(
            person_id=w["bob"].pk,
            updated_by=w["claire"],
            email=w["bob"].email,
            first_name="Robert",
            last_name="Test",
            is_active=True,
        ),
        AuditAction.PERSON_UPDATE,
    ),
    "people.organisation_update": (
        lambda w: people.organisation_update(
            organisation_id=w["organisation"].pk,
            updated_by=w["claire"],
            name="Mairie renommée",
            kind="commune",
            departement=None,
        ),
        AuditAction.ORGANISATION_UPDATE,
    ),
    "people.organisation_validate": (
        lambda w: people.organisation_validate(organisation_ids=[w["organisation"].pk], validated_by=w["claire"]),
        AuditAction.ORGANISATION_VALIDATE,
    ),
    "people.organisation_merge": (
        lambda w: people.organisation_merge(
            organisation_ids=[w["organisation"].pk, Organisation.objects.get(profiles__user=w["alice"]).pk],
            merged_by=w["claire"],
        ),
        AuditAction.ORGANISATION_MERGE,
    ),
    "circles.application_decide": (
        lambda w: circles.application_decide(
            circle_id=w["circle"].pk, membership_id=w["application"].pk, decided_by=w["alice"], approve=False
        ),
        AuditAction.APPLICATION_DECIDE,
    ),
    "circles.circle_update": (
        lambda w: circles.circle_update(
            circle_id=w["circle"].pk,
            editor=w["alice"],
            version=w["circle"].version,
            changes=_changes(w["circle"], title="Nouveau titre"),
        ),
        AuditAction.CIRCLE_UPDATE,
    ),
    "circles.facilitator_invite": (
        lambda w: circles.facilitator_invite(circle_id=w["circle"].pk, invited_by=w["alice"], email="x@exemple.fr"),
        AuditAction.INVITATION_SEND,
    ),
    "circles.facilitator_invitation_withdraw": (
        lambda w: circles.facilitator_invitation_withdraw(
            invitation_id=circles.facilitator_invite(
                circle_id=w["circle"].pk, invited_by=w["alice"], email="y@exemple.fr"
            ).pk,
            withdrawn_by=w["claire"],
        ),
        AuditAction.INVITATION_WITHDRAW,
    ),
    "circles.facilitator_remove": (
        lambda w: circles.facilitator_remove(
            circle_id=w["circle"].pk, removed_by=w["claire"], membership_id=w["co_facilitation"].pk
        ),
        AuditAction.FACILITATOR_REMOVE,
    ),
    "circles.circle_cancel": (
        lambda w: circles.circle_cancel(circle_id=w["circle"].pk, cancelled_by=w["claire"], reason="Faute de monde"),
        AuditAction.CIRCLE_CANCEL,
    ),
    "circles.circle_archive": (
        lambda w: circles.circle_archive(circle_id=w["circle"].pk, archived_by=w["claire"]),
        AuditAction.CIRCLE_ARCHIVE,
    ),
    "circles.kind_create": (
        lambda w: circles.kind_create(
            created_by=w["claire"], fields=_kind_fields(w["circle"].kind, slug="nouveau", name="Nouveau")
        ),
        AuditAction.KIND_CREATE,
    ),
    "circles.kind_update": (
        lambda w: circles.kind_update(
            kind_id=w["circle"].kind_id, updated_by=w["claire"], fields=_kind_fields(w["circle"].kind, position=9)
        ),
        AuditAction.KIND_UPDATE,
    ),
    "circles.circle_participants_export": (
        lambda w: circles.circle_participants_export(exported_by=w["claire"], circle_ids=[w["circle"].pk]),
        AuditAction.CIRCLE_EXPORT,
    ),
    "notifications.message_retry": (
        lambda w: notifications.message_retry(message_ids=[w["failed"].pk], retried_by=w["claire"]),
        AuditAction.MESSAGES_RETRY,
    ),
    "privacy.person_erase": (
        lambda w: privacy.person_erase(person_id=w["bob"].pk, erased_by=w["claire"]),
        AuditAction.PERSON_ERASE,
    ),
    "meetings.cycle_plan": (_planned, AuditAction.MEETINGS_PLAN),
    "meetings.meeting_add": (
        lambda w: meetings.meeting_add(
            circle_id=w["circle"].pk,
            added_by=w["alice"],
            day=_in_days(12),
            start_time=datetime.time(18, 0),
            duration_minutes=120,
            meeting_format=MeetingFormat.ONLINE,
        ),
        AuditAction.MEETING_ADD,
    ),
    "meetings.meeting_update": (_moved, AuditAction.MEETING_UPDATE),
    "meetings.meeting_cancel": (
        lambda w: meetings.meeting_cancel(meeting_id=_planned(w)[0].pk, cancelled_by=w["alice"]),
        AuditAction.MEETING_CANCEL,
    ),
    "meetings.attendance_record": (
        lambda w: meetings.attendance_record(
            meeting_id=_held(w).pk, recorded_by=w["alice"], statuses={w["bob"].pk: AttendanceStatus.PRESENT}
        ),
        AuditAction.ATTENDANCE_RECORD,
    ),
    "meetings.poll_create": (_poll, AuditAction.POLL_CREATE),
    "meetings.poll_pick": (
        lambda w: meetings.poll_pick(
            poll_id=(poll := _poll(w)).pk, picked_by=w["alice"], slot_id=poll.slots.first().pk
        ),
        AuditAction.POLL_PICK,
    ),
    "formation.call_create": (lambda w: make_call(w["claire"]), AuditAction.CALL_CREATE),
    "formation.call_update": (lambda w: _call_retitled(w["claire"]), AuditAction.CALL_UPDATE),
    "formation.run_start": (
        lambda w: formation.run_start(call_id=make_call(w["claire"]).pk, started_by=w["claire"]),
        AuditAction.RUN_START,
    ),
    "formation.run_cancel": (
        lambda w: formation.run_cancel(
            run_id=formation.run_start(call_id=make_call(w["claire"]).pk, started_by=w["claire"]).pk,
            cancelled_by=w["claire"],
        ),
        AuditAction.RUN_CANCEL,
    ),
    "formation.run_edit": (
        lambda w: formation.run_edit(
            run_id=(world := _formation_world(w)).run.pk,
            edited_by=w["claire"],
            version=world.run.edits_version,
            person=str(world.application.pk),
            group=None,
        ),
        AuditAction.RUN_EDIT,
    ),
    "formation.run_lock_toggle": (
        lambda w: formation.run_lock_toggle(run_id=_formation_world(w).run.pk, edited_by=w["claire"], group=0),
        AuditAction.RUN_GROUP_LOCK,
    ),
    "formation.call_publish": (
        lambda w: formation.call_publish(run_id=_formation_world(w).run.pk, published_by=w["claire"]),
        AuditAction.CALL_PUBLISH,
    ),
    "formation.placement_move": (
        lambda w: formation.placement_move(
            call_id=(published := _published_in_two_circles(w))[0].pk,
            application_id=published[1].pk,
            to_circle_id=published[2][1].pk,
            moved_by=w["claire"],
        ),
        AuditAction.PLACEMENT_MOVE,
    ),
    "methods.kind_method_update": (
        lambda w: methods.kind_method_update(
            kind_id=w["circle"].kind_id, editor=w["claire"], protocol_key="seance", version=0, changes=_method_changes()
        ),
        AuditAction.KIND_METHOD_UPDATE,
    ),
    "methods.circle_method_adapt": (
        lambda w: methods.circle_method_adapt(
            circle_id=w["circle"].pk,
            editor=w["alice"],
            protocol_key="seance",
            version=0,
            choices=[methods.StepChoice(phase=p.key, count=1, minutes=p.minutes) for p in _seance().phases],
        ),
        AuditAction.CIRCLE_METHOD_ADAPT,
    ),
    "reminders.reminder_settings_set": (
        lambda w: reminders.reminder_settings_set(
            circle_id=w["circle"].pk,
            editor=w["alice"],
            version=reminders.settings_for(w["circle"].pk).version,
            changes=reminders.ReminderChanges(first_before=1440, second_before=60, word=SAID_IN_THE_CIRCLE[0]),
        ),
        AuditAction.REMINDER_SETTINGS,
    ),
    "reminders.circle_message_send": (
        lambda w: reminders.circle_message_send(
            circle_id=w["circle"].pk, author=w["alice"], subject=SAID_IN_THE_CIRCLE[1], body=SAID_IN_THE_CIRCLE[2]
        ),
        AuditAction.CIRCLE_MESSAGE,
    ),
}

# What a row may hold besides ids and counts: field names, or "kind:id" references (organisations merged…).
NAME_OR_REFERENCE = re.compile(r"^[a-z_]+(:\d+)?$")


def test_every_service_that_acts_on_people_has_a_case_here() -> None:
    assert not set(CASES) & set(NOT_AUDITED)
    assert acting_services() == set(CASES) | set(NOT_AUDITED)


@pytest.fixture
def world(circle: Circle, alice: User, bob: User, charlie: User, claire: User) -> dict[str, Any]:
    application = seat(circle, charlie, status=MembershipStatus.PENDING)
    co_facilitation = make_co_facilitator(circle, make_user("fanny"), invited_by=alice)
    failed = Message.objects.create(
        message_id="<failed@exemple.fr>", kind="people.account", address="x@exemple.fr", failed_at=timezone.now()
    )
    circle.refresh_from_db()
    return {
        "circle": circle,
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "claire": claire,
        "application": application,
        "co_facilitation": co_facilitation,
        "failed": failed,
        "organisation": Organisation.objects.get(profiles__user=bob),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(CASES))
def test_the_service_writes_its_audit_row_in_its_transaction(service: str, world: dict[str, Any]) -> None:
    act, action = CASES[service]
    AuditEvent.objects.all().delete()
    act(world)
    event = AuditEvent.objects.filter(action=action).latest("id")
    assert event.actor_id in {world["alice"].pk, world["claire"].pk}
    assert event.at <= timezone.now()
    for written in AuditEvent.objects.all():
        assert all(NAME_OR_REFERENCE.match(name) for name in written.changes), written.changes
        assert NAME_OR_REFERENCE.match(written.object_kind) or not written.object_kind
        assert not any(said in str(written.__dict__) for said in SAID_IN_THE_CIRCLE)


# service -> what its row says besides the actor: (changes, count, the persona it concerns or None)
ROWS: dict[str, tuple[list[str], int | None, str | None]] = {
    "meetings.cycle_plan": ([], 3, None),
    "meetings.meeting_update": (["ends_at", "starts_at"], 1, None),
    "meetings.attendance_record": ([], 1, None),
    "meetings.poll_create": ([], 2, None),
    "formation.call_update": (["title"], None, None),
    "formation.run_edit": (["group"], None, "charlie"),
    "formation.placement_move": (["from_circle:{source}"], None, "bob"),
    "methods.kind_method_update": (["name"], len(_seance().phases), None),
    "methods.circle_method_adapt": ([], len(_seance().phases), None),
    "reminders.reminder_settings_set": (["first_before", "word"], None, None),
    "reminders.circle_message_send": ([], 2, None),
}


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(ROWS))
def test_the_row_names_fields_and_counts_not_content(service: str, world: dict[str, Any]) -> None:
    act, action = CASES[service]
    act(world)
    event = AuditEvent.objects.filter(action=action).latest("id")
    changes, count, person = ROWS[service]
    if service == "formation.placement_move":
        source = Circle.objects.exclude(pk__in=[world["circle"].pk, event.circle_id]).get()
        changes = [change.format(source=source.pk) for change in changes]
    assert event.changes == changes
    assert event.count == count
    assert event.person_id == (world[person].pk if person else None)


@pytest.mark.django_db
def test_a_swap_by_hand_writes_a_row_for_each_person_swapped(world: dict[str, Any]) -> None:
    _, (first, second), run = _two_groups(world)
    formation.run_edit(
        run_id=run.pk,
        edited_by=world["claire"],
        version=run.edits_version,
        person=str(first.pk),
        swap_with=str(second.pk),
    )
    rows = AuditEvent.objects.filter(action=AuditAction.RUN_EDIT)
    assert rows.count() == 2
    assert set(rows.values_list("person_id", flat=True)) == {world["bob"].pk, world["charlie"].pk}
    assert {tuple(row.changes) for row in rows} == {("swap",)}
