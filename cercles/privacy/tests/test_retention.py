from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cercles.audit.models import AuditAction, AuditEvent
from cercles.core.scheduler import Scheduler
from cercles.notifications.services import outbox_sweep
from cercles.people.models import User
from cercles.people.services import person_activity_record
from cercles.privacy.jobs import RETENTION_JOB
from cercles.privacy.services import (
    retention_anonymise_inactive,
    retention_purge_unconfirmed,
    retention_warn_inactive,
)
from conftest import client_for
from tests.factories import make_user

PARIS = ZoneInfo("Europe/Paris")
START = datetime.datetime(2025, 1, 10, 9, tzinfo=PARIS)


def _days(count: int) -> datetime.datetime:
    return START + datetime.timedelta(days=count)


@pytest.fixture
def settings_periods(settings):  # type: ignore[no-untyped-def]
    settings.UNCONFIRMED_ACCOUNT_RETENTION_DAYS = 30
    settings.INACTIVE_ACCOUNT_RETENTION_DAYS = 365
    settings.INACTIVE_WARNING_DAYS = 30
    return settings


@pytest.mark.django_db
def test_an_account_never_confirmed_is_purged_after_the_delay(settings_periods) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        unconfirmed = User.objects.create_user("jamais@exemple.fr")
        confirmed = make_user("confirmee")
    with time_machine.travel(_days(29), tick=False):
        assert retention_purge_unconfirmed() == 0
    with time_machine.travel(_days(31), tick=False):
        assert retention_purge_unconfirmed() == 1
    assert not User.objects.filter(pk=unconfirmed.pk).exists()
    assert User.objects.filter(pk=confirmed.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_PURGE, person_id=unconfirmed.pk, actor_id=None).exists()


@pytest.mark.django_db
def test_an_inactive_person_is_warned_once_then_anonymised(settings_periods) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        person = make_user("dormante")
        person_activity_record(user_id=person.pk)
    # Warned 30 days before the year is over, anonymised once it is: the promise of the consent text.
    with time_machine.travel(_days(334), tick=False):
        assert retention_warn_inactive() == 0
    with time_machine.travel(_days(336), tick=False):
        assert retention_warn_inactive() == 1
        assert retention_warn_inactive() == 0  # never twice
        outbox_sweep()
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "anonymisé" in mail.outbox[0].subject
    with time_machine.travel(_days(365), tick=False):
        assert retention_anonymise_inactive() == 0
    with time_machine.travel(_days(366) + datetime.timedelta(hours=1), tick=False):
        assert retention_anonymise_inactive() == 1
    person.refresh_from_db()
    assert person.erased_at is not None
    assert str(person) == "personne supprimée"


@pytest.mark.django_db
def test_a_visit_after_the_warning_keeps_the_account(settings_periods) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        person = make_user("revenue")
    with time_machine.travel(_days(340), tick=False):
        assert retention_warn_inactive() == 1
    with time_machine.travel(_days(380), tick=False):
        assert client_for(person).get(reverse("circles:home")).status_code == 200
    with time_machine.travel(_days(400), tick=False):
        assert retention_anonymise_inactive() == 0
        assert retention_warn_inactive() == 0  # active 20 days ago
    person.refresh_from_db()
    assert person.erased_at is None
    assert person.inactivity_warned_at is None


@pytest.mark.django_db
def test_the_programme_team_is_left_to_the_technical_administration(settings_periods) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        make_user("coordinatrice", is_staff=True)
    with time_machine.travel(_days(800), tick=False):
        assert retention_warn_inactive() == 0


@pytest.mark.django_db
def test_a_visit_is_recorded_once_a_day_in_paris_across_the_spring_change(settings_periods) -> None:  # type: ignore[no-untyped-def]
    person = make_user("visiteuse")
    # 29 March 2026, the day clocks go forward in Paris: 23:30 then 00:30 the next (local) day.
    evening = datetime.datetime(2026, 3, 29, 23, 30, tzinfo=PARIS)
    with time_machine.travel(evening, tick=False):
        assert person_activity_record(user_id=person.pk)
        assert not person_activity_record(user_id=person.pk)
    with time_machine.travel(evening + datetime.timedelta(hours=1), tick=False):
        assert person_activity_record(user_id=person.pk)
    person.refresh_from_db()
    assert person.last_seen_at == evening + datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_a_visit_records_the_activity_once_per_session_and_day(settings_periods) -> None:  # type: ignore[no-untyped-def]
    person = make_user("habituee")
    client = client_for(person)
    with time_machine.travel(START, tick=False):
        client.get(reverse("circles:home"))
        person.refresh_from_db()
        assert person.last_seen_at == START
    with time_machine.travel(START + datetime.timedelta(hours=2), tick=False):
        client.get(reverse("circles:home"))
    person.refresh_from_db()
    assert person.last_seen_at == START


@pytest.mark.django_db
def test_the_scheduler_runs_the_retention_as_a_periodic_job(settings_periods) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False):
        unconfirmed = User.objects.create_user("jamais@exemple.fr")
    with time_machine.travel(_days(40), tick=False):
        ran = Scheduler(worker="test").run_due()
    assert RETENTION_JOB in ran
    assert not User.objects.filter(pk=unconfirmed.pk).exists()
