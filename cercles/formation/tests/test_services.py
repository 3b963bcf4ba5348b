"""The formation's services against the real database, the real engine in its child process, locmem e-mail."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from cercles.circles.models import Circle, Membership, MembershipStatus
from cercles.core.policy import PolicyDenied
from cercles.formation import services
from cercles.formation.exceptions import (
    ALREADY_APPLIED,
    CALL_PUBLISHED,
    MOVE_TARGET_FULL,
    PROFILE_INCOMPLETE,
    RUN_BREAKS_CONSTRAINTS,
    RUN_IN_PROGRESS,
    RUN_NOT_PUBLISHABLE,
    SEAT_NOT_OFFERED,
    SLOT_REQUIRED,
    SLOT_UNREADABLE,
    WITHDRAW_CLOSED,
    CallEditError,
    FormationError,
    RunEditConflict,
)
from cercles.formation.models import Application, ApplicationStatus, Call, FormationRun, FormedGroup, RunStatus
from cercles.formation.tests.factories import make_applicants, make_call
from cercles.grouping import check_grouping
from cercles.notifications.services import outbox_sweep
from cercles.people.models import Organisation, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

Runner = Callable[..., FormationRun]


def _apply(call: Call, user: User, **options: Any) -> Application:
    options.setdefault("slot_ids", [s.pk for s in call.slots.all()])
    options.setdefault("motivation", "Sortir de l'isolement.")
    return services.application_submit(call_id=call.pk, user=user, **options)


class TestCalls:
    def test_it_reads_slots_typed_in_french(self) -> None:
        slots = services.parse_slots("mardi 9h–12h\n\nJeudi 14h30-17h\nmardi 9h-12h")
        assert [(d, s.isoformat(), e.isoformat()) for d, s, e in slots] == [
            (1, "09:00:00", "12:00:00"),
            (3, "14:30:00", "17:00:00"),
        ]

    def test_it_reads_slots_typed_in_english_on_english_pages_and_in_french_always(self) -> None:
        from django.utils import translation

        with translation.override("en"):
            slots = services.parse_slots("Tuesday 9h–12h\nthursday 14h-17h\nvendredi 9h-10h")
        assert [d for d, _, _ in slots] == [1, 3, 4]

    def test_it_names_the_unreadable_slot(self) -> None:
        with pytest.raises(CallEditError) as error:
            services.parse_slots("mardi 9h–12h\nun jour peut-être")
        assert str(error.value.message) == str(SLOT_UNREADABLE).format(line="un jour peut-être")

    def test_only_coordinators_open_calls(self, bob: User) -> None:
        with pytest.raises(PolicyDenied):
            make_call(bob)

    def test_slot_labels_are_french(self, call: Call) -> None:
        assert [s.label for s in call.slots.all()] == ["mardi 9h–12h", "jeudi 14h–17h"]


class TestApplying:
    def test_the_applicant_is_emailed_and_can_withdraw_until_the_close(
        self, call: Call, bob: User, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            application = _apply(call, bob, avoid_text="Jean Dupont")
        assert application.status == ApplicationStatus.APPLIED
        assert mail.outbox[-1].to == [bob.email]
        assert call.title in mail.outbox[-1].subject
        services.application_withdraw(call_id=call.pk, user=bob)
        application.refresh_from_db()
        assert application.status == ApplicationStatus.WITHDRAWN
        # Withdrawn, one may apply again while the call is open.
        assert _apply(call, bob).status == ApplicationStatus.APPLIED

    def test_it_refuses_a_second_application_an_incomplete_profile_and_no_slot(self, call: Call, bob: User) -> None:
        _apply(call, bob)
        with pytest.raises(FormationError) as repeat:
            _apply(call, bob)
        assert repeat.value.message == ALREADY_APPLIED
        with pytest.raises(FormationError) as incomplete:
            _apply(call, make_user(complete_profile=False))
        assert incomplete.value.message == PROFILE_INCOMPLETE
        with pytest.raises(FormationError) as no_slot:
            _apply(call, make_user(), slot_ids=[])
        assert no_slot.value.message == SLOT_REQUIRED

    def test_a_late_application_goes_to_the_waiting_list(self, call: Call, bob: User) -> None:
        with time_machine.travel(call.closes_at + datetime.timedelta(minutes=1)):
            application = _apply(call, bob)
            assert application.status == ApplicationStatus.WAITING
            assert application.late

    def test_withdrawing_after_the_close_is_refused(self, call: Call, bob: User) -> None:
        _apply(call, bob)
        with (
            time_machine.travel(call.closes_at + datetime.timedelta(seconds=1)),
            pytest.raises(FormationError) as error,
        ):
            services.application_withdraw(call_id=call.pk, user=bob)
        assert error.value.message == WITHDRAW_CLOSED


class TestProblemData:
    def _people(self, call: Call, *names: str, organisation: Organisation | None = None) -> dict[str, User]:
        people = {}
        for name in names:
            user = make_user(name)
            if organisation is not None:
                user.profile.organisation = organisation
                user.profile.save()
            people[name] = user
        return people

    def test_people_of_one_organisation_are_kept_apart_unless_the_call_allows_it(self, call: Call) -> None:
        people = self._people(call, "ana", "bea", "cyd")
        same = people["ana"].profile.organisation
        people["bea"].profile.organisation = same
        people["bea"].profile.save()
        for user in people.values():
            _apply(call, user)
        data = services._problem_data(call)
        ids = {a.user.first_name: str(a.pk) for a in Application.objects.filter(call=call)}
        assert sorted([ids["Ana"], ids["Bea"]]) in data["cannot_link"]
        assert len(data["cannot_link"]) == 1
        Call.objects.filter(pk=call.pk).update(same_organisation_allowed=True)
        call.refresh_from_db()
        assert services._problem_data(call)["cannot_link"] == []

    def test_avoid_is_matched_by_name_or_address_and_unmatched_entries_are_noted(self, call: Call) -> None:
        ana, bea, cyd = make_user("ana"), make_user("bea"), make_user("cyd")
        _apply(call, ana, avoid_text=f"BEA test\n{cyd.email.upper()}\nJeanne Inconnue")
        _apply(call, bea)
        _apply(call, cyd)
        data = services._problem_data(call)
        ids = {a.user_id: str(a.pk) for a in Application.objects.filter(call=call)}
        assert sorted([ids[ana.pk], ids[bea.pk]]) in data["cannot_link"]
        assert sorted([ids[ana.pk], ids[cyd.pk]]) in data["cannot_link"]
        assert data["notices"] == [{"code": "avoid_unmatched", "person": ids[ana.pk], "text": "Jeanne Inconnue"}]

    def test_with_is_honoured_only_when_mutual_and_overrides_the_organisation_rule(self, call: Call) -> None:
        ana, bea, cyd = make_user("ana"), make_user("bea"), make_user("cyd")
        bea.profile.organisation = ana.profile.organisation
        bea.profile.save()
        _apply(call, ana, with_text=bea.email)
        _apply(call, bea, with_text="Ana Test")
        _apply(call, cyd, with_text="Ana Test")
        data = services._problem_data(call)
        ids = {a.user_id: str(a.pk) for a in Application.objects.filter(call=call)}
        assert data["must_link"] == [sorted([ids[ana.pk], ids[bea.pk]])]
        assert data["cannot_link"] == []
        assert {"code": "with_one_sided", "person": ids[cyd.pk], "other": ids[ana.pk]} in data["notices"]

    def test_a_contradictory_with_and_avoid_keeps_them_apart(self, call: Call) -> None:
        ana, bea = make_user("ana"), make_user("bea")
        _apply(call, ana, with_text="Bea Test", avoid_text="Bea Test")
        _apply(call, bea, with_text="Ana Test")
        data = services._problem_data(call)
        assert data["must_link"] == []
        assert len(data["cannot_link"]) == 1
        assert [n["code"] for n in data["notices"]] == ["with_contradicted"]

    def test_someone_from_my_organisation_is_avoided_even_when_the_call_allows_it(self, claire: User) -> None:
        call = make_call(claire, same_organisation_allowed=True)
        ana, bea = make_user("ana"), make_user("bea")
        bea.profile.organisation = ana.profile.organisation
        bea.profile.save()
        _apply(call, ana, avoid_same_organisation=True)
        _apply(call, bea)
        assert len(services._problem_data(call)["cannot_link"]) == 1


class TestRuns:
    def test_a_run_forms_groups_that_keep_every_constraint(self, call: Call, run_now: Runner) -> None:
        make_applicants(call, 40, organisations=12)
        run = run_now(call)
        assert run.status == RunStatus.DONE
        assert run.iterations
        assert run.iterations > 0
        placed = [p for g in run.groups for p in g]
        assert len(placed) + len(run.unplaced) == 40
        problem = services.run_problem(run)
        assert check_grouping(problem, run.groups, [u["person"] for u in run.unplaced]).holds
        assert 0 < run.random_objective < run.objective <= run.upper_bound

    def test_a_second_run_cannot_start_while_one_holds_the_lease(self, call: Call, claire: User) -> None:
        make_applicants(call, 12)
        first = services.run_start(call_id=call.pk, started_by=claire)  # queued: the worker has not taken it
        with pytest.raises(FormationError) as error:
            services.run_start(call_id=call.pk, started_by=claire)
        assert error.value.message == RUN_IN_PROGRESS
        # A worker killed with the run: once its lease runs out the call is free again.
        with time_machine.travel(first.lease_until + datetime.timedelta(seconds=1)):
            FormationRun.objects.get(pk=first.pk).is_interrupted  # noqa: B018
            second = services.run_start(call_id=call.pk, started_by=claire)
        assert second.number == 2

    def test_cancelling_a_queued_run_stops_it_before_the_engine_starts(self, call: Call, claire: User) -> None:
        make_applicants(call, 12)
        run = services.run_start(call_id=call.pk, started_by=claire)
        services.run_cancel(run_id=run.pk, cancelled_by=claire)
        services.run_execute(run_id=run.pk)
        run.refresh_from_db()
        assert run.status == RunStatus.CANCELLED
        assert run.groups == []

    def test_a_replay_gives_the_same_groups(self, call: Call, run_now: Runner) -> None:
        make_applicants(call, 30)
        first = run_now(call)
        replay = run_now(call, replay_of_id=first.pk)
        assert replay.status == RunStatus.DONE
        assert replay.groups == first.groups
        assert (replay.seed, replay.iterations, replay.inputs_digest) == (
            first.seed,
            first.iterations,
            first.inputs_digest,
        )

    def test_a_rerun_keeps_the_locked_groups(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 30)
        first = run_now(call)
        services.run_lock_toggle(run_id=first.pk, edited_by=claire, group=1)
        first.refresh_from_db()
        rerun = run_now(call, rerun_of_id=first.pk)
        assert rerun.status == RunStatus.DONE
        assert sorted(rerun.groups[1]) == sorted(first.groups[1])

    @pytest.mark.parametrize("count", [1, 4])
    def test_too_few_applicants_give_a_clear_french_message(self, call: Call, run_now: Runner, count: int) -> None:
        make_applicants(call, count)
        run = run_now(call)
        assert run.status == RunStatus.FAILED
        assert run.error == "TOO_FEW_PEOPLE"
        assert len(run.unplaced) == count

    def test_applicants_with_no_common_slot_are_unplaced_with_the_reason(self, claire: User, run_now: Runner) -> None:
        call = make_call(
            claire,
            slots="lundi 9h-12h\nmardi 9h-12h\nmercredi 9h-12h",
            min_size=3,
            max_size=4,
            same_organisation_allowed=True,
        )
        slots = list(call.slots.all())
        make_applicants(call, 8, slot_sets=[slots[:1]], organisations=40)
        make_applicants(call, 1, slot_sets=[slots[2:]], organisations=40)
        run = run_now(call)
        assert run.status == RunStatus.DONE
        assert sum(len(g) for g in run.groups) == 8
        assert [u["reason"] for u in run.unplaced] == ["NO_SHARED_SLOT"]

    def test_an_applicant_erased_before_the_run_is_simply_absent(self, call: Call, run_now: Runner) -> None:
        applications = make_applicants(call, 13, organisations=60, slot_sets=[list(call.slots.all())])
        erased = applications[0]
        erased.user.delete()
        run = run_now(call)
        assert run.status == RunStatus.DONE
        assert str(erased.pk) not in {p["id"] for p in run.problem["people"]}
        assert sum(len(g) for g in run.groups) == 12


def test_cancelling_a_running_run_keeps_its_best_grouping_and_publishes_nothing(claire: User, call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(time_budget_seconds=60)
    make_applicants(call, 200)
    run = services.run_start(call_id=call.pk, started_by=claire)
    assert services._claim(run.pk)  # a worker took it and the engine is starting…
    services.run_cancel(run_id=run.pk, cancelled_by=claire)  # …when the coordinator cancels
    services._execute_claimed(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert run.stop_reason == "CANCELLED"
    assert run.groups  # the best grouping so far is shown
    with pytest.raises(FormationError) as error:
        services.call_publish(run_id=run.pk, published_by=claire)
    assert error.value.message == RUN_NOT_PUBLISHABLE
    assert not FormedGroup.objects.filter(call=call).exists()
    assert not Application.objects.filter(call=call, status=ApplicationStatus.OFFERED).exists()


class TestHandEdits:
    def test_a_preview_tells_the_change_that_applying_makes(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 30)
        run = run_now(call)
        person, other = run.groups[0][0], run.groups[1][0]
        preview = services.run_preview(run=run, person=person, swap_with=other)
        before = services.run_evaluator(run).objective
        effect = services.run_edit(run_id=run.pk, edited_by=claire, version=0, person=person, swap_with=other)
        assert effect.delta == pytest.approx(preview.delta)
        run.refresh_from_db()
        assert run.edits_version == 1
        assert person in run.edited_groups[1]
        assert other in run.edited_groups[0]
        assert services.run_evaluator(run).objective == pytest.approx(before + effect.delta)

    def test_the_evaluator_is_kept_between_requests(self, call: Call, run_now: Runner) -> None:
        make_applicants(call, 20)
        run = run_now(call)
        assert services.run_evaluator(run) is services.run_evaluator(FormationRun.objects.get(pk=run.pk))

    def test_an_edit_from_an_older_page_is_refused(self, call: Call, claire: User, run_now: Runner) -> None:
        make_applicants(call, 20)
        run = run_now(call)
        services.run_edit(run_id=run.pk, edited_by=claire, version=0, person=run.groups[0][0], group=None)
        with pytest.raises(RunEditConflict):
            services.run_edit(run_id=run.pk, edited_by=claire, version=0, person=run.groups[0][1], group=None)

    def test_a_move_that_breaks_a_constraint_says_so_and_blocks_publishing(
        self, call: Call, claire: User, run_now: Runner
    ) -> None:
        make_applicants(call, 12, organisations=60, slot_sets=[list(call.slots.all())])
        run = run_now(call)
        effect = services.run_preview(run=run, person=run.groups[0][0], group=None)
        assert [str(v.code) for v in effect.breaks] == ["GROUP_TOO_SMALL"]
        services.run_edit(run_id=run.pk, edited_by=claire, version=0, person=run.groups[0][0], group=None)
        with pytest.raises(FormationError) as error:
            services.call_publish(run_id=run.pk, published_by=claire)
        assert error.value.message == RUN_BREAKS_CONSTRAINTS


class TestPublishing:
    def _published(
        self, call: Call, claire: User, run_now: Runner, count: int = 30
    ) -> tuple[FormationRun, list[Circle]]:
        make_applicants(call, count, organisations=10)
        run = run_now(call)
        circles = services.call_publish(run_id=run.pk, published_by=claire)
        return run, circles

    def test_every_constraint_holds_in_the_published_circles(
        self, call: Call, claire: User, run_now: Runner, django_capture_on_commit_callbacks: Any
    ) -> None:
        ana, bea = make_user("ana"), make_user("bea")
        _apply(call, ana, with_text="Bea Test")
        _apply(call, bea, with_text="Ana Test")
        applications = make_applicants(call, 28, organisations=8)
        _apply(call, make_user("cyd"), avoid_text=applications[0].user.email)
        run = run_now(call)
        with django_capture_on_commit_callbacks(execute=True):
            circles = services.call_publish(run_id=run.pk, published_by=claire)
        assert len(circles) == len(run.groups)
        data = run.problem
        where = {
            str(a.pk): a.circle_id for a in Application.objects.filter(call=call, status=ApplicationStatus.OFFERED)
        }
        assert len(where) == sum(len(g) for g in run.groups)
        for a, b in data["cannot_link"]:
            assert where.get(a) is None or where.get(a) != where.get(b)
        for a, b in data["must_link"]:
            assert where[a] == where[b]
        slots_of = {p["id"]: set(p["slots"]) for p in data["people"]}
        for group in FormedGroup.objects.filter(call=call).select_related("circle"):
            members = [p for p, c in where.items() if c == group.circle_id]
            assert call.min_size <= len(members) <= call.max_size
            assert all(str(group.slot_id) in slots_of[p] for p in members)
            assert group.first_meeting_on.weekday() == group.slot.weekday
            assert group.circle.start_date == group.first_meeting_on
            assert group.circle.rhythm == call.kind.default_rhythm
            assert not group.circle.is_open
        # Each placed person is told, and nobody is a member before accepting the pact.
        assert not Membership.objects.filter(circle__in=circles, status=MembershipStatus.ACTIVE).exists()
        subjects = [m.subject for m in mail.outbox]
        assert sum("Une place vous attend" in s for s in subjects) == len(where)

    def test_an_online_circle_gets_its_cycle_on_the_shared_slot_in_paris_time_across_the_clock_change(
        self, claire: User, run_now: Runner
    ) -> None:
        from cercles.circles.models import CircleKind
        from cercles.meetings.models import Meeting
        from cercles.meetings.planning import PARIS

        CircleKind.objects.filter(slug="codeveloppement").update(default_rhythm="hebdomadaire", default_meeting_count=6)
        call = make_call(claire, slots="mardi 9h–12h", same_organisation_allowed=True)
        # Six Tuesdays from early March next year: the clocks change on the last Sunday of March.
        first = services.first_meeting_on(datetime.date(timezone.localdate().year + 1, 3, 1), 1)
        Call.objects.filter(pk=call.pk).update(cycle_starts_on=first)
        call.refresh_from_db()
        make_applicants(call, 8, slot_sets=[list(call.slots.all())])
        [circle] = services.call_publish(run_id=run_now(call).pk, published_by=claire)
        meetings = list(Meeting.objects.filter(circle=circle).order_by("starts_at"))
        local = [meeting.starts_at.astimezone(PARIS) for meeting in meetings]
        assert [start.date() for start in local] == [first + datetime.timedelta(weeks=n) for n in range(6)]
        assert {(start.hour, start.minute) for start in local} == {(9, 0)}
        assert sorted({start.utcoffset() for start in local}) == [
            datetime.timedelta(hours=1),
            datetime.timedelta(hours=2),
        ]
        circle.refresh_from_db()
        assert (circle.start_date, circle.end_date) == (first, first + datetime.timedelta(weeks=5))

    def test_a_monthly_cycle_starting_on_a_fifth_weekday_falls_on_the_last_one(
        self, claire: User, run_now: Runner
    ) -> None:
        from cercles.circles.models import CircleKind
        from cercles.meetings.models import Meeting
        from cercles.meetings.planning import PARIS, weekday_rank

        CircleKind.objects.filter(slug="codeveloppement").update(default_rhythm="mensuel", default_meeting_count=3)
        call = make_call(claire, slots="jeudi 14h–17h", same_organisation_allowed=True)
        year = timezone.localdate().year + 1
        days = (datetime.date(year, 1, 1) + datetime.timedelta(days=n) for n in range(365))
        fifth = next(day for day in days if day.weekday() == 3 and day.day >= 29)  # a fifth Thursday
        Call.objects.filter(pk=call.pk).update(cycle_starts_on=fifth)
        call.refresh_from_db()
        make_applicants(call, 8, slot_sets=[list(call.slots.all())])
        [circle] = services.call_publish(run_id=run_now(call).pk, published_by=claire)
        dates = [
            m.starts_at.astimezone(PARIS).date() for m in Meeting.objects.filter(circle=circle).order_by("starts_at")
        ]
        assert len(dates) == 3
        assert all(day.weekday() == 3 and weekday_rank(day)[1] for day in dates)

    def test_an_in_person_circle_is_left_for_its_facilitators_to_plan(self, claire: User, run_now: Runner) -> None:
        from cercles.meetings.models import Meeting

        call = make_call(claire, slots="mardi 9h–12h", same_organisation_allowed=True, meeting_format="presentiel")
        make_applicants(call, 8, slot_sets=[list(call.slots.all())])
        circles = services.call_publish(run_id=run_now(call).pk, published_by=claire)
        assert circles
        assert not Meeting.objects.filter(circle__in=circles).exists()

    def test_publishing_twice_is_impossible(self, call: Call, claire: User, run_now: Runner) -> None:
        run, _circles = self._published(call, claire, run_now)
        with pytest.raises(FormationError) as error:
            services.call_publish(run_id=run.pk, published_by=claire)
        assert error.value.message == CALL_PUBLISHED
        with pytest.raises(FormationError):
            services.run_start(call_id=call.pk, started_by=claire)

    def test_the_unplaced_go_to_the_waiting_list_and_are_told(
        self, claire: User, run_now: Runner, django_capture_on_commit_callbacks: Any
    ) -> None:
        call = make_call(claire, min_size=4, max_size=4, seconds=1, same_organisation_allowed=True)
        make_applicants(call, 9, slot_sets=[list(call.slots.all())])
        run = run_now(call)
        with django_capture_on_commit_callbacks(execute=True):
            services.call_publish(run_id=run.pk, published_by=claire)
        assert Application.objects.filter(call=call, status=ApplicationStatus.WAITING).count() == 1
        assert any("liste d'attente" in m.subject for m in mail.outbox)

    def test_accepting_the_pact_makes_a_member(self, call: Call, claire: User, run_now: Runner) -> None:
        self._published(call, claire, run_now)
        application = Application.objects.filter(call=call, status=ApplicationStatus.OFFERED).first()
        with pytest.raises(FormationError):
            services.seat_accept(application_id=application.pk, user=application.user, pact_accepted=False)
        services.seat_accept(application_id=application.pk, user=application.user, pact_accepted=True)
        membership = Membership.objects.get(circle=application.circle, user=application.user)
        assert membership.status == MembershipStatus.ACTIVE
        assert membership.pact_accepted_at is not None

    def test_an_unclaimed_seat_goes_to_the_calls_waiting_list(self, call: Call, claire: User, run_now: Runner) -> None:
        self._published(call, claire, run_now)
        late = make_user("lucie")
        with time_machine.travel(call.closes_at + datetime.timedelta(hours=1)):
            _apply(call, late)
        offered = list(Application.objects.filter(call=call, status=ApplicationStatus.OFFERED))
        taken = offered[0]
        services.seat_accept(application_id=taken.pk, user=taken.user, pact_accepted=True)
        with time_machine.travel(timezone.now() + datetime.timedelta(days=call.seat_delay_days, minutes=1)):
            expired = services.seats_expire()
            assert expired == len(offered) - 1
            heir = Application.objects.get(call=call, user=late)
            assert heir.status == ApplicationStatus.OFFERED
            with pytest.raises(FormationError) as error:
                services.seat_accept(application_id=offered[1].pk, user=offered[1].user, pact_accepted=True)
            assert error.value.message == SEAT_NOT_OFFERED

    def test_a_person_moved_after_publishing_changes_circle_and_both_circles_are_told(
        self, call: Call, claire: User, run_now: Runner, django_capture_on_commit_callbacks: Any
    ) -> None:
        _run, circles = self._published(call, claire, run_now, count=26)
        member = Application.objects.filter(call=call, circle=circles[0]).first()
        services.seat_accept(application_id=member.pk, user=member.user, pact_accepted=True)
        neighbour = Application.objects.filter(call=call, circle=circles[1]).first()
        services.seat_accept(application_id=neighbour.pk, user=neighbour.user, pact_accepted=True)
        outbox_sweep()
        mail.outbox.clear()
        smallest = min(circles[1:], key=lambda c: Application.objects.filter(circle=c).count())
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.placement_move(
                call_id=call.pk, application_id=member.pk, to_circle_id=smallest.pk, moved_by=claire
            )
        # The engine's evaluator says which of the call's constraints the move breaks (here: none or sizes).
        assert {str(v.code) for v in outcome.breaks} <= {"GROUP_TOO_SMALL", "CANNOT_LINK", "NO_SHARED_SLOT"}
        assert Membership.objects.get(circle=smallest, user=member.user).status == MembershipStatus.ACTIVE
        assert Membership.objects.get(circle=circles[0], user=member.user).status == MembershipStatus.LEFT
        assert [m.to for m in mail.outbox if "nouveau cercle" in m.subject] == [[member.user.email]]
        if smallest == circles[1]:
            assert any(m.to == [neighbour.user.email] for m in mail.outbox)

    def test_moving_into_a_full_circle_is_refused(self, claire: User, run_now: Runner) -> None:
        call = make_call(claire, min_size=3, max_size=3, seconds=1, same_organisation_allowed=True)
        make_applicants(call, 6, slot_sets=[list(call.slots.all())])
        run = run_now(call)
        circles = services.call_publish(run_id=run.pk, published_by=claire)
        person = Application.objects.filter(call=call, circle=circles[0]).first()
        with pytest.raises(FormationError) as error:
            services.placement_move(
                call_id=call.pk, application_id=person.pk, to_circle_id=circles[1].pk, moved_by=claire
            )
        assert error.value.message == MOVE_TARGET_FULL


def test_a_move_after_publishing_that_empties_a_circle_below_the_minimum_says_so(claire: User, run_now: Runner) -> None:
    call = make_call(claire, min_size=3, max_size=4, seconds=1, same_organisation_allowed=True)
    make_applicants(call, 6, slot_sets=[list(call.slots.all())[:1]])
    run = run_now(call)
    circles = services.call_publish(run_id=run.pk, published_by=claire)
    person = Application.objects.filter(call=call, circle=circles[0]).first()
    outcome = services.placement_move(
        call_id=call.pk, application_id=person.pk, to_circle_id=circles[1].pk, moved_by=claire
    )
    assert [str(v.code) for v in outcome.breaks] == ["GROUP_TOO_SMALL"]
    assert Application.objects.get(pk=person.pk).circle_id == circles[1].pk


@pytest.mark.parametrize("day", ["2027-03-28", "2027-10-31"])  # the days the clocks change in Paris
def test_the_close_is_noon_in_paris_on_the_days_the_clocks_change(
    claire: User, day: str, django_capture_on_commit_callbacks: Any
) -> None:
    closes = datetime.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    call = make_call(claire)
    Call.objects.filter(pk=call.pk).update(opens_at=closes - datetime.timedelta(days=10), closes_at=closes)
    call.refresh_from_db()
    on_time, late = make_user("ana"), make_user("bea")
    with time_machine.travel(closes - datetime.timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert _apply(call, on_time).status == ApplicationStatus.APPLIED
    assert "à 12:00" in mail.outbox[-1].body  # the close as Paris reads it, whatever the season
    with time_machine.travel(closes + datetime.timedelta(minutes=1)):
        assert _apply(call, late).status == ApplicationStatus.WAITING
    # The cycle's first meeting falls on the slot's weekday, clock change or not.
    assert services.first_meeting_on(closes.date(), 1).weekday() == 1
