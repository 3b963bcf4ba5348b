from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cercles.circles import selectors, services
from cercles.circles.exceptions import (
    ALREADY_APPLIED,
    ALREADY_MEMBER,
    ALREADY_REFUSED,
    ALREADY_WAITING,
    APPLICATION_NOT_PENDING,
    CIRCLE_CLOSED,
    CIRCLE_FINISHED,
    DATES_OUT_OF_ORDER,
    DEADLINE_AFTER_END,
    DEADLINE_PASSED,
    FACILITATOR_CANNOT_JOIN,
    INVITATION_ALREADY_FACILITATOR,
    INVITATION_ANSWERED,
    INVITATION_EXPIRED,
    INVITATION_LINK_INVALID,
    INVITATION_WRONG_ACCOUNT,
    NOT_A_MEMBER,
    PACT_REQUIRED,
    PROFILE_INCOMPLETE,
    CircleEditConflict,
    CircleEditError,
    CircleManagementDenied,
    InvitationError,
    MembershipError,
)
from cercles.circles.models import (
    Circle,
    CircleKind,
    FacilitatorInvitation,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from cercles.circles.selectors import waitlist_rank
from cercles.notifications.models import Message
from cercles.people.models import User
from tests.factories import fill, make_circle, make_co_facilitator, make_user

pytestmark = pytest.mark.django_db


def join(circle: Circle, user: User, **kwargs: object) -> services.JoinOutcome:
    return services.membership_request(circle_id=circle.pk, user=user, pact_accepted=True, **kwargs)  # type: ignore[arg-type]


def status_of(circle: Circle, user: User) -> str:
    return Membership.objects.get(circle=circle, user=user).status


def changes_from(circle: Circle, **overrides: object) -> services.CircleChanges:
    fields = {name: getattr(circle, name) for name in services.CircleChanges.__dataclass_fields__}
    return services.CircleChanges(**(fields | overrides))  # type: ignore[arg-type]


class TestCircleCreate:
    def test_it_takes_the_kinds_defaults(self, alice: User) -> None:
        circle = make_circle(kind_slug="theorie-u", facilitators=(alice,))
        kind = CircleKind.objects.get(slug="theorie-u")
        assert (circle.rhythm, circle.meeting_count, circle.meeting_duration_minutes) == ("bimensuel", 6, 90)
        assert circle.effective_pact == kind.default_pact
        assert Membership.objects.get(circle=circle, user=alice).role == MembershipRole.FACILITATOR

    def test_it_folds_accents_for_search(self) -> None:
        circle = make_circle(title="Écoute ÉMOTIONNELLE")
        assert "ecoute emotionnelle" in circle.search_text

    def test_it_refuses_an_end_before_the_start(self) -> None:
        with pytest.raises(CircleEditError) as error:
            make_circle(weeks=-1)
        assert error.value.message == DATES_OUT_OF_ORDER


class TestJoining:
    def test_a_member_takes_a_free_place_and_facilitators_are_told(
        self, circle: Circle, alice: User, charlie: User, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = join(circle, charlie)
        assert outcome.membership.status == MembershipStatus.ACTIVE
        assert outcome.membership.pact_accepted_at is not None
        recipients = sorted(address for message in mail.outbox for address in message.to)
        assert recipients == sorted([alice.email, charlie.email])
        facilitator_mail = next(m for m in mail.outbox if m.to == [alice.email])
        assert "Charlie Test a rejoint le cercle" in facilitator_mail.body

    def test_it_requires_the_pact(self, circle: Circle, charlie: User) -> None:
        with pytest.raises(MembershipError) as error:
            services.membership_request(circle_id=circle.pk, user=charlie, pact_accepted=False)
        assert error.value.message == PACT_REQUIRED
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_it_requires_a_complete_profile(self, circle: Circle) -> None:
        newcomer = make_user("dora", complete_profile=False)
        with pytest.raises(MembershipError) as error:
            join(circle, newcomer)
        assert error.value.message == PROFILE_INCOMPLETE

    def test_a_double_submit_changes_nothing(self, circle: Circle, charlie: User) -> None:
        join(circle, charlie)
        with pytest.raises(MembershipError) as error:
            join(circle, charlie)
        assert error.value.message == ALREADY_MEMBER
        assert Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE, role="participant").count() == 2

    def test_a_facilitator_cannot_join_their_own_circle(self, circle: Circle, alice: User) -> None:
        with pytest.raises(MembershipError) as error:
            join(circle, alice)
        assert error.value.message == FACILITATOR_CANNOT_JOIN

    def test_a_full_circle_puts_people_on_the_waiting_list_in_order(self, alice: User) -> None:
        circle = make_circle(capacity=2, facilitators=(alice,))
        fill(circle, 2)
        first, second = make_user(), make_user()
        assert join(circle, first).waitlist_rank == 1
        assert join(circle, second).waitlist_rank == 2
        assert status_of(circle, first) == MembershipStatus.WAITING
        with pytest.raises(MembershipError) as error:
            join(circle, first)
        assert error.value.message == ALREADY_WAITING
        assert waitlist_rank(membership=Membership.objects.get(circle=circle, user=second)) == 2

    @pytest.mark.parametrize(
        ("setup", "message"),
        [
            ({"is_open": False}, CIRCLE_CLOSED),
            ({"starts_in_days": 10, "deadline_in_days": -1}, DEADLINE_PASSED),
            ({"starts_in_days": -100, "weeks": 2}, CIRCLE_FINISHED),
        ],
    )
    def test_it_refuses_a_circle_that_does_not_take_anyone(self, charlie: User, setup: dict, message: str) -> None:
        circle = make_circle(**setup)
        with pytest.raises(MembershipError) as error:
            join(circle, charlie)
        assert error.value.message == message

    @pytest.mark.parametrize(
        ("deadline", "paris_offset_hours"),
        [
            (datetime.date(2026, 3, 28), 1),  # the eve of the spring change: still winter time
            (datetime.date(2026, 3, 29), 2),  # the spring change itself: midnight is summer time
            (datetime.date(2026, 7, 14), 2),
            (datetime.date(2026, 10, 25), 1),  # the autumn change: midnight is winter time again
        ],
    )
    def test_the_deadline_ends_at_midnight_in_paris(
        self, charlie: User, deadline: datetime.date, paris_offset_hours: int
    ) -> None:
        with time_machine.travel(
            datetime.datetime.combine(deadline, datetime.time(9), tzinfo=datetime.UTC), tick=False
        ):
            circle = make_circle(starts_in_days=10, deadline_in_days=0)
        paris_midnight_in_utc = datetime.datetime.combine(
            deadline + datetime.timedelta(days=1), datetime.time(0), tzinfo=datetime.UTC
        ) - datetime.timedelta(hours=paris_offset_hours)
        with time_machine.travel(paris_midnight_in_utc + datetime.timedelta(minutes=1), tick=False):
            assert timezone.localdate() == deadline + datetime.timedelta(days=1)
            with pytest.raises(MembershipError) as error:
                join(circle, charlie)
            assert error.value.message == DEADLINE_PASSED
        with time_machine.travel(paris_midnight_in_utc - datetime.timedelta(minutes=1), tick=False):
            assert timezone.localdate() == deadline
            assert join(circle, charlie).membership.status == MembershipStatus.ACTIVE

    def test_it_lets_someone_who_left_come_back_at_the_end_of_the_queue(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        leaver, waiting = make_user(), make_user()
        join(circle, leaver)
        join(circle, waiting)
        services.membership_leave(circle_id=circle.pk, user=leaver)
        assert status_of(circle, waiting) == MembershipStatus.ACTIVE
        assert join(circle, leaver).waitlist_rank == 1


class TestApprovalMode:
    def test_an_application_waits_for_the_facilitator(
        self, alice: User, charlie: User, django_capture_on_commit_callbacks
    ) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        with django_capture_on_commit_callbacks(execute=True):
            outcome = join(circle, charlie, application_message="J'aimerais venir.")
        assert outcome.membership.status == MembershipStatus.PENDING
        assert any("J'aimerais venir." in m.body for m in mail.outbox if m.to == [alice.email])
        with pytest.raises(MembershipError) as error:
            join(circle, charlie)
        assert error.value.message == ALREADY_APPLIED

    def test_approval_gives_a_place_and_says_so(
        self, alice: User, charlie: User, django_capture_on_commit_callbacks
    ) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        application = join(circle, charlie).membership
        with django_capture_on_commit_callbacks(execute=True):
            services.application_decide(
                circle_id=circle.pk, membership_id=application.pk, decided_by=alice, approve=True, message="Bienvenue"
            )
        assert status_of(circle, charlie) == MembershipStatus.ACTIVE
        assert mail.outbox[-1].to == [charlie.email]
        assert "acceptée" in mail.outbox[-1].subject
        assert "Bienvenue" in mail.outbox[-1].body

    def test_approval_of_a_full_circle_goes_to_the_waiting_list(self, alice: User, charlie: User) -> None:
        circle = make_circle(facilitators=(alice,), approval=True, capacity=1)
        fill(circle, 1)
        application = join(circle, charlie).membership
        services.application_decide(circle_id=circle.pk, membership_id=application.pk, decided_by=alice, approve=True)
        assert status_of(circle, charlie) == MembershipStatus.WAITING

    def test_refusal_is_emailed_with_the_message(
        self, alice: User, charlie: User, django_capture_on_commit_callbacks
    ) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        application = join(circle, charlie).membership
        with django_capture_on_commit_callbacks(execute=True):
            services.application_decide(
                circle_id=circle.pk, membership_id=application.pk, decided_by=alice, approve=False, message="Trop tard"
            )
        assert status_of(circle, charlie) == MembershipStatus.REFUSED
        assert "Trop tard" in mail.outbox[-1].body
        with pytest.raises(MembershipError) as error:
            join(circle, charlie)
        assert error.value.message == ALREADY_REFUSED

    def test_only_the_circles_managers_decide(self, alice: User, bob: User, charlie: User, claire: User) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        application = join(circle, charlie).membership
        with pytest.raises(CircleManagementDenied):
            services.application_decide(circle_id=circle.pk, membership_id=application.pk, decided_by=bob, approve=True)
        services.application_decide(circle_id=circle.pk, membership_id=application.pk, decided_by=claire, approve=False)
        with pytest.raises(MembershipError) as error:
            services.application_decide(
                circle_id=circle.pk, membership_id=application.pk, decided_by=alice, approve=True
            )
        assert error.value.message == APPLICATION_NOT_PENDING

    def test_a_decision_on_another_circles_application_is_refused(self, alice: User, charlie: User) -> None:
        mine = make_circle(facilitators=(alice,), approval=True)
        other = make_circle(approval=True)
        application = join(other, charlie).membership
        with pytest.raises(MembershipError):
            services.application_decide(circle_id=mine.pk, membership_id=application.pk, decided_by=alice, approve=True)
        assert status_of(other, charlie) == MembershipStatus.PENDING


class TestLeaving:
    def test_a_freed_place_goes_to_the_first_in_line_with_an_email(
        self, alice: User, django_capture_on_commit_callbacks
    ) -> None:
        circle = make_circle(capacity=2, facilitators=(alice,))
        leaver, _other = (m.user for m in fill(circle, 2))
        first, second = make_user(), make_user()
        join(circle, first)
        join(circle, second)
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_leave(circle_id=circle.pk, user=leaver)
        assert status_of(circle, first) == MembershipStatus.ACTIVE
        assert status_of(circle, second) == MembershipStatus.WAITING
        assert waitlist_rank(membership=Membership.objects.get(circle=circle, user=second)) == 1
        # The waiting-list notice queued by the earlier join leaves too: every committed change has its mail.
        promoted_mail = [m for m in mail.outbox if m.to == [first.email] and "Une place s'est libérée" in m.subject]
        assert len(promoted_mail) == 1

    def test_leaving_twice_is_refused_without_damage(self, circle: Circle, bob: User) -> None:
        services.membership_leave(circle_id=circle.pk, user=bob)
        with pytest.raises(MembershipError) as error:
            services.membership_leave(circle_id=circle.pk, user=bob)
        assert error.value.message == NOT_A_MEMBER

    def test_leaving_the_waiting_list_promotes_nobody(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        first, second = make_user(), make_user()
        join(circle, first)
        join(circle, second)
        services.membership_leave(circle_id=circle.pk, user=first)
        assert status_of(circle, second) == MembershipStatus.WAITING
        assert waitlist_rank(membership=Membership.objects.get(circle=circle, user=second)) == 1

    def test_the_last_facilitator_leaving_tells_the_coordinators(
        self, circle: Circle, alice: User, claire: User, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_leave(circle_id=circle.pk, user=alice)
        coordinator_mail = [m for m in mail.outbox if m.to == [claire.email]]
        assert len(coordinator_mail) == 1
        assert "Animation à pourvoir" in coordinator_mail[0].subject

    def test_a_co_facilitator_leaving_tells_no_coordinator(
        self, circle: Circle, alice: User, claire: User, django_capture_on_commit_callbacks
    ) -> None:
        co = make_user("eve")
        make_co_facilitator(circle, co, invited_by=alice)
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_leave(circle_id=circle.pk, user=alice)
        assert not [m for m in mail.outbox if m.to == [claire.email]]


class TestCircleUpdate:
    def test_raising_the_capacity_promotes_several_at_once(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        waiting = [make_user() for _ in range(3)]
        for person in waiting:
            join(circle, person)
        services.circle_update(
            circle_id=circle.pk, editor=alice, version=circle.version, changes=changes_from(circle, capacity=3)
        )
        assert [status_of(circle, p) for p in waiting] == [
            MembershipStatus.ACTIVE,
            MembershipStatus.ACTIVE,
            MembershipStatus.WAITING,
        ]

    def test_a_stale_version_is_refused_and_nothing_is_overwritten(
        self, circle: Circle, alice: User, claire: User
    ) -> None:
        opened_at = circle.version
        services.circle_update(
            circle_id=circle.pk, editor=claire, version=opened_at, changes=changes_from(circle, title="Nouveau titre")
        )
        with pytest.raises(CircleEditConflict):
            services.circle_update(
                circle_id=circle.pk, editor=alice, version=opened_at, changes=changes_from(circle, title="Autre titre")
            )
        circle.refresh_from_db()
        assert circle.title == "Nouveau titre"
        assert circle.version == opened_at + 1

    def test_only_facilitators_and_coordinators_edit(self, circle: Circle, bob: User) -> None:
        with pytest.raises(CircleManagementDenied):
            services.circle_update(
                circle_id=circle.pk, editor=bob, version=circle.version, changes=changes_from(circle)
            )

    def test_it_names_the_field_at_fault(self, circle: Circle, alice: User) -> None:
        with pytest.raises(CircleEditError) as error:
            services.circle_update(
                circle_id=circle.pk,
                editor=alice,
                version=circle.version,
                changes=changes_from(circle, join_deadline=circle.end_date + datetime.timedelta(days=1)),
            )
        assert (error.value.message, error.value.field) == (DEADLINE_AFTER_END, "join_deadline")

    def test_search_text_follows_the_new_title(self, circle: Circle, alice: User) -> None:
        services.circle_update(
            circle_id=circle.pk,
            editor=alice,
            version=circle.version,
            changes=changes_from(circle, title="Lecture à voix haute"),
        )
        circle.refresh_from_db()
        assert "lecture a voix haute" in circle.search_text


class TestFacilitatorInvitation:
    def _invite(self, circle: Circle, inviter: User, email: str) -> FacilitatorInvitation:
        return services.facilitator_invite(circle_id=circle.pk, invited_by=inviter, email=email)

    def test_nobody_is_shown_as_facilitator_until_the_invitation_is_accepted(
        self, circle: Circle, alice: User, charlie: User
    ) -> None:
        self._invite(circle, alice, charlie.email)
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_the_invited_address_gets_a_link_whether_or_not_it_has_an_account(
        self, circle: Circle, alice: User, charlie: User, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            self._invite(circle, alice, charlie.email)
            self._invite(circle, alice, "pas-de-compte@exemple.fr")
        known, unknown = (
            next(m for m in mail.outbox if m.to == [address]) for address in (charlie.email, "pas-de-compte@exemple.fr")
        )
        # The same message either way: the inviter learns nothing about who has an account.
        strip = lambda body: re.sub(r"/invitations/animation/\S+", "", body)  # noqa: E731
        assert strip(known.body) == strip(unknown.body)
        assert "/invitations/animation/" in known.body
        assert "créez-le avec cette adresse" in known.body

    def test_accepting_makes_a_facilitator_who_accepted_the_pact(
        self, circle: Circle, alice: User, charlie: User
    ) -> None:
        invitation = self._invite(circle, alice, charlie.email.upper())
        membership = services.facilitator_invitation_accept(
            invitation_id=invitation.pk, user=charlie, pact_accepted=True
        )
        assert (membership.role, membership.status) == (MembershipRole.FACILITATOR, MembershipStatus.ACTIVE)
        assert membership.pact_accepted_at is not None
        invitation.refresh_from_db()
        assert invitation.accepted_by == charlie

    def test_accepting_without_the_pact_changes_nothing(self, circle: Circle, alice: User, charlie: User) -> None:
        invitation = self._invite(circle, alice, charlie.email)
        with pytest.raises(MembershipError):
            services.facilitator_invitation_accept(invitation_id=invitation.pk, user=charlie, pact_accepted=False)
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_another_account_cannot_accept(self, circle: Circle, alice: User, bob: User, charlie: User) -> None:
        invitation = self._invite(circle, alice, charlie.email)
        with pytest.raises(InvitationError) as error:
            services.facilitator_invitation_accept(invitation_id=invitation.pk, user=bob, pact_accepted=True)
        assert error.value.message == INVITATION_WRONG_ACCOUNT
        assert Membership.objects.get(circle=circle, user=bob).role == MembershipRole.PARTICIPANT

    def test_a_second_acceptance_is_refused(self, circle: Circle, alice: User, charlie: User) -> None:
        invitation = self._invite(circle, alice, charlie.email)
        services.facilitator_invitation_accept(invitation_id=invitation.pk, user=charlie, pact_accepted=True)
        with pytest.raises(InvitationError) as error:
            services.facilitator_invitation_accept(invitation_id=invitation.pk, user=charlie, pact_accepted=True)
        assert error.value.message == INVITATION_ANSWERED

    def test_an_expired_invitation_cannot_be_accepted_nor_declined(
        self, circle: Circle, alice: User, charlie: User
    ) -> None:
        invitation = self._invite(circle, alice, charlie.email)
        with time_machine.travel(timezone.now() + services.INVITATION_VALIDITY + datetime.timedelta(minutes=1)):
            for answer in (
                lambda: services.facilitator_invitation_accept(
                    invitation_id=invitation.pk, user=charlie, pact_accepted=True
                ),
                lambda: services.facilitator_invitation_decline(invitation_id=invitation.pk),
            ):
                with pytest.raises(InvitationError) as error:
                    answer()
                assert error.value.message == INVITATION_EXPIRED
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_someone_already_facilitating_is_told_so(self, circle: Circle, alice: User) -> None:
        invitation = self._invite(circle, alice, alice.email)
        with pytest.raises(InvitationError) as error:
            services.facilitator_invitation_accept(invitation_id=invitation.pk, user=alice, pact_accepted=True)
        assert error.value.message == INVITATION_ALREADY_FACILITATOR

    def test_a_participant_who_accepts_frees_a_seat(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        participant = fill(circle, 1)[0].user
        waiting = make_user()
        join(circle, waiting)
        make_co_facilitator(circle, participant, invited_by=alice)
        assert Membership.objects.get(circle=circle, user=participant).role == MembershipRole.FACILITATOR
        assert status_of(circle, waiting) == MembershipStatus.ACTIVE

    def test_inviting_again_renews_the_link_and_the_old_one_stops_working(
        self, circle: Circle, alice: User, charlie: User
    ) -> None:
        first = self._invite(circle, alice, charlie.email)
        old_token = services.invitation_token(first)
        second = self._invite(circle, alice, charlie.email)
        assert second.pk == first.pk
        with pytest.raises(InvitationError):
            selectors.invitation_from_token(token=old_token)
        assert selectors.invitation_from_token(token=services.invitation_token(second)).pk == first.pk

    def test_declining_and_withdrawing_close_the_invitation(self, circle: Circle, alice: User, charlie: User) -> None:
        declined = self._invite(circle, alice, charlie.email)
        services.facilitator_invitation_decline(invitation_id=declined.pk)
        withdrawn = self._invite(circle, alice, charlie.email)
        assert withdrawn.pk != declined.pk
        services.facilitator_invitation_withdraw(invitation_id=withdrawn.pk, withdrawn_by=alice)
        with pytest.raises(InvitationError):
            services.facilitator_invitation_withdraw(invitation_id=withdrawn.pk, withdrawn_by=alice)
        assert selectors.invitation_list_pending(circle=circle) == []

    def test_a_coordinator_appoints_through_the_same_acceptance(
        self, circle: Circle, claire: User, charlie: User
    ) -> None:
        invitation = self._invite(circle, claire, charlie.email)
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()
        services.facilitator_invitation_accept(invitation_id=invitation.pk, user=charlie, pact_accepted=True)
        assert Membership.objects.get(circle=circle, user=charlie).role == MembershipRole.FACILITATOR

    @pytest.mark.parametrize("persona", ["bob", "charlie"])
    def test_only_those_who_run_the_circle_invite_or_withdraw(
        self, circle: Circle, alice: User, request: pytest.FixtureRequest, persona: str
    ) -> None:
        user = request.getfixturevalue(persona)
        with pytest.raises(CircleManagementDenied):
            self._invite(circle, user, "quelquun@exemple.fr")
        invitation = self._invite(circle, alice, "quelquun@exemple.fr")
        with pytest.raises(CircleManagementDenied):
            services.facilitator_invitation_withdraw(invitation_id=invitation.pk, withdrawn_by=user)

    @pytest.mark.parametrize("token", ["", "abc", "x" * 5000, "eyJpIjoxfQ:forged:signature"])
    def test_a_tampered_link_is_refused_with_a_message(self, token: str) -> None:
        with pytest.raises(InvitationError) as error:
            selectors.invitation_from_token(token=token)
        assert error.value.message == INVITATION_LINK_INVALID

    def test_a_link_signed_for_an_unknown_invitation_is_refused(self) -> None:
        from django.core import signing

        token = signing.dumps({"i": 999999, "n": "x"}, salt=selectors.INVITATION_SALT)
        with pytest.raises(InvitationError):
            selectors.invitation_from_token(token=token)


def test_fill_from_waitlist_after_an_admin_edit(alice: User) -> None:
    circle = make_circle(capacity=1, facilitators=(alice,))
    fill(circle, 1)
    waiting = make_user()
    join(circle, waiting)
    Circle.objects.filter(pk=circle.pk).update(capacity=2)
    promoted = services.circle_fill_from_waitlist(circle_id=circle.pk)
    assert [m.user for m in promoted] == [waiting]


def test_no_email_goes_out_when_the_transaction_rolls_back(
    circle: Circle, charlie: User, django_capture_on_commit_callbacks
) -> None:
    def join_then_fail() -> None:
        with transaction.atomic():
            join(circle, charlie)
            raise RuntimeError("the request fails after the join")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        join_then_fail()
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_emails_are_queued_in_the_transaction_and_sent_only_after_commit(
    circle: Circle, charlie: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        join(circle, charlie)
    assert sorted(Message.objects.values_list("kind", flat=True)) == [
        "circles.joined.facilitators",
        "circles.joined.person",
    ]
    assert callbacks  # the sweeper's wake-up
    assert mail.outbox == []


def test_seat_helper_and_status_are_consistent(circle: Circle, bob: User) -> None:
    seat_row = Membership.objects.get(circle=circle, user=bob)
    assert seat_row.status == MembershipStatus.ACTIVE
    assert User.objects.filter(memberships__circle=circle).count() == 2


class TestFacilitatorRemove:
    def test_a_co_facilitator_is_removed(self, circle: Circle, alice: User) -> None:
        co = make_user("eve")
        membership = make_co_facilitator(circle, co, invited_by=alice)
        services.facilitator_remove(circle_id=circle.pk, removed_by=alice, membership_id=membership.pk)
        assert status_of(circle, co) == MembershipStatus.LEFT

    def test_removing_the_last_facilitator_tells_the_coordinators(
        self, circle: Circle, alice: User, claire: User, django_capture_on_commit_callbacks
    ) -> None:
        membership = Membership.objects.get(circle=circle, user=alice)
        with django_capture_on_commit_callbacks(execute=True):
            services.facilitator_remove(circle_id=circle.pk, removed_by=claire, membership_id=membership.pk)
        by_recipient = {m.to[0]: m.subject for m in mail.outbox}
        assert set(by_recipient) == {alice.email, claire.email}
        assert "Animation à pourvoir" in by_recipient[claire.email]
        assert "Vous n'animez plus" in by_recipient[alice.email]

    def test_a_participant_cannot_be_removed_as_facilitator(self, circle: Circle, alice: User, bob: User) -> None:
        membership = Membership.objects.get(circle=circle, user=bob)
        with pytest.raises(MembershipError):
            services.facilitator_remove(circle_id=circle.pk, removed_by=alice, membership_id=membership.pk)
        assert status_of(circle, bob) == MembershipStatus.ACTIVE

    def test_a_member_cannot_remove_a_facilitator(self, circle: Circle, alice: User, bob: User) -> None:
        membership = Membership.objects.get(circle=circle, user=alice)
        with pytest.raises(CircleManagementDenied):
            services.facilitator_remove(circle_id=circle.pk, removed_by=bob, membership_id=membership.pk)


class TestReviewFindings:
    def test_approval_into_a_full_circle_keeps_earlier_ranks(self, alice: User) -> None:
        circle = make_circle(facilitators=(alice,), approval=True, capacity=1)
        fill(circle, 1)
        early, late = make_user(), make_user()
        early_application = join(circle, early).membership
        late_application = join(circle, late).membership
        services.application_decide(
            circle_id=circle.pk, membership_id=late_application.pk, decided_by=alice, approve=True
        )
        services.application_decide(
            circle_id=circle.pk, membership_id=early_application.pk, decided_by=alice, approve=True
        )
        assert waitlist_rank(membership=Membership.objects.get(circle=circle, user=late)) == 1
        assert waitlist_rank(membership=Membership.objects.get(circle=circle, user=early)) == 2

    def test_a_finished_circle_promotes_nobody(self, alice: User, django_capture_on_commit_callbacks) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        member = fill(circle, 1)[0].user
        waiting = make_user()
        join(circle, waiting)
        today = timezone.localdate()
        Circle.objects.filter(pk=circle.pk).update(
            start_date=today - datetime.timedelta(days=60),
            end_date=today - datetime.timedelta(days=1),
            join_deadline=today - datetime.timedelta(days=60),
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_leave(circle_id=circle.pk, user=member)
        assert status_of(circle, waiting) == MembershipStatus.WAITING
        assert not [m for m in mail.outbox if m.to == [waiting.email] and "Une place s'est libérée" in m.subject]

    def test_co_facilitators_are_told_of_each_other_not_of_a_freed_place(
        self, circle: Circle, alice: User, charlie: User, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            make_co_facilitator(circle, charlie, invited_by=alice)
        assert any("Vous co-animez" in m.subject for m in mail.outbox if m.to == [charlie.email])
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.membership_leave(circle_id=circle.pk, user=charlie)
        to_alice = [m for m in mail.outbox if m.to == [alice.email]]
        assert len(to_alice) == 1
        assert "a quitté l'animation" in to_alice[0].body
        assert "place libérée" not in to_alice[0].body
