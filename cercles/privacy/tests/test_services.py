from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection

from cercles.circles.models import Membership, MembershipRole, MembershipStatus
from cercles.core.policy import PolicyDenied
from cercles.notifications.models import Message
from cercles.people.models import Profile, User
from cercles.privacy.exceptions import ALREADY_ERASED, PrivacyError
from cercles.privacy.services import person_erase
from cercles.privacy.tests.conftest import FIRST_NAME, LAST_NAME, Erasable
from tests.factories import make_user


def _rows_mentioning(needles: list[str]) -> list[str]:
    """Every row of every table (all columns, as text) that contains one of ``needles``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from the schema
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row).lower()
                found += [f"{table}: {needle}" for needle in needles if needle.lower() in text]
    return found


@pytest.mark.django_db
def test_after_erasure_no_table_holds_the_name_or_the_address(
    zephyrine: Erasable, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    needles = [FIRST_NAME, LAST_NAME, zephyrine.email]
    assert len(_rows_mentioning(needles)) >= 5  # the scan does see her before
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person_id=zephyrine.person.pk, erased_by=zephyrine.person)
    assert _rows_mentioning(needles) == []


@pytest.mark.django_db
def test_erasure_frees_places_for_the_waiting_list_and_keeps_others_words(zephyrine: Erasable) -> None:
    person_erase(person_id=zephyrine.person.pk, erased_by=zephyrine.person)
    waiting = Membership.objects.get(circle=zephyrine.member_of, user=zephyrine.waiting)
    assert waiting.status == MembershipStatus.ACTIVE
    zephyrine.other_member.refresh_from_db()
    assert zephyrine.other_member.application_message == "Mon propre message"
    mine = Membership.objects.get(circle=zephyrine.member_of, user=zephyrine.person)
    assert (mine.status, mine.application_message) == (MembershipStatus.LEFT, "")


@pytest.mark.django_db
def test_a_circle_left_without_facilitator_is_flagged_to_coordinators(
    zephyrine: Erasable, claire: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person_id=zephyrine.person.pk, erased_by=zephyrine.person)
    to_claire = [m for m in mail.outbox if claire.email in m.to]
    assert any(zephyrine.facilitates.title in m.body for m in to_claire)
    assert not Membership.objects.filter(
        circle=zephyrine.facilitates, role=MembershipRole.FACILITATOR, status=MembershipStatus.ACTIVE
    ).exists()


@pytest.mark.django_db
def test_the_account_stays_as_a_tombstone_shown_as_personne_supprimee(zephyrine: Erasable) -> None:
    person_erase(person_id=zephyrine.person.pk, erased_by=zephyrine.person)
    person = User.objects.get(pk=zephyrine.person.pk)
    assert str(person) == "personne supprimée"
    assert not person.is_active
    assert not person.has_usable_password()
    assert not Profile.objects.filter(user=person).exists()


@pytest.mark.django_db
def test_sent_messages_keep_metadata_only_and_pending_ones_are_cancelled(zephyrine: Erasable) -> None:
    person_erase(person_id=zephyrine.person.pk, erased_by=zephyrine.person)
    messages = list(Message.objects.filter(recipient=zephyrine.person).order_by("pk"))
    assert [(m.kind, m.address, m.payload) for m in messages] == [("circles.joined.person", "", {})] * 2
    assert messages[0].sent_at is not None
    assert messages[1].sent_at is None
    assert messages[1].cancelled_at is not None


@pytest.mark.django_db
def test_erasing_twice_says_it_was_already_done(zephyrine: Erasable, claire: User) -> None:
    person_erase(person_id=zephyrine.person.pk, erased_by=claire)
    with pytest.raises(PrivacyError) as error:
        person_erase(person_id=zephyrine.person.pk, erased_by=claire)
    assert error.value.message == ALREADY_ERASED


@pytest.mark.django_db
def test_only_the_person_or_a_coordinator_may_erase(zephyrine: Erasable, bob: User, claire: User) -> None:
    with pytest.raises(PolicyDenied):
        person_erase(person_id=zephyrine.person.pk, erased_by=bob)
    other_coordinator = make_user("corinne", is_staff=True)
    with pytest.raises(PolicyDenied):
        person_erase(person_id=other_coordinator.pk, erased_by=claire)
    assert User.objects.get(pk=zephyrine.person.pk).erased_at is None


@pytest.mark.django_db
def test_a_failing_erasure_leaves_everything_as_it_was(zephyrine: Erasable, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cercles.privacy import declarations

    def broken(context: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(declarations, "make_password", lambda value: broken(value))
    with pytest.raises(RuntimeError):
        person_erase(person_id=zephyrine.person.pk, erased_by=zephyrine.person)
    assert Membership.objects.get(circle=zephyrine.member_of, user=zephyrine.person).status == MembershipStatus.ACTIVE
    assert Profile.objects.filter(user=zephyrine.person).exists()
