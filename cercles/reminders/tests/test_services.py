"""Reminder rows follow meetings and memberships; what is true at send time decides what leaves."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from cercles.circles.models import Circle, MeetingFormat
from cercles.circles.services import membership_leave, membership_request
from cercles.core.policy import PolicyDenied
from cercles.meetings.models import Meeting, RsvpAnswer
from cercles.meetings.planning import PARIS
from cercles.meetings.services import MeetingChanges, cycle_plan, meeting_add, meeting_cancel, meeting_update, rsvp_set
from cercles.meetings.tests.conftest import weekly_plan
from cercles.notifications.models import PENDING, Message
from cercles.notifications.services import outbox_sweep
from cercles.people.models import User
from cercles.reminders.exceptions import ReminderError, ReminderSettingsConflict
from cercles.reminders.services import (
    CIRCLE_MESSAGE,
    REMINDER,
    ReminderChanges,
    circle_message_send,
    reminder_settings_set,
    reminders_turn_off,
)

D = datetime.date
T = datetime.time
pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 1, 9, tzinfo=PARIS)


def pending(**filters: object) -> list[Message]:
    return list(Message.objects.filter(PENDING, kind=REMINDER, **filters).order_by("due_at", "recipient_id"))


SIX_PM = T(18, 0)


def add(circle: Circle, alice: User, day: D, time: T = SIX_PM, **extra: object) -> Meeting:
    return meeting_add(
        circle_id=circle.pk,
        added_by=alice,
        day=day,
        start_time=time,
        duration_minutes=120,
        meeting_format=str(extra.get("meeting_format", MeetingFormat.ONLINE)),
        place=str(extra.get("place", "")),
    )


@time_machine.travel(NOW, tick=False)
def test_a_new_meeting_gets_two_reminders_per_member_two_days_and_one_hour_before(
    circle: Circle, alice: User, bob: User
) -> None:
    meeting = add(circle, alice, D(2026, 3, 10))
    rows = pending()
    assert {(row.recipient_id, row.about["before"]) for row in rows} == {
        (alice.pk, 2880),
        (alice.pk, 60),
        (bob.pk, 2880),
        (bob.pk, 60),
    }
    due = {row.due_at.astimezone(PARIS) for row in rows}
    assert due == {datetime.datetime(2026, 3, 8, 18, tzinfo=PARIS), datetime.datetime(2026, 3, 10, 17, tzinfo=PARIS)}
    assert all(row.expires_at == meeting.starts_at for row in rows)


@time_machine.travel(NOW, tick=False)
def test_reminders_keep_the_paris_time_across_the_spring_change(circle: Circle, alice: User) -> None:
    # 29 March 2026: clocks go forward. Two days before an 18:00 meeting on the 30th is 18:00 on the 28th (UTC+1).
    add(circle, alice, D(2026, 3, 30))
    first = pending(recipient=alice, about__before=2880)[0]
    assert first.due_at.astimezone(PARIS) == datetime.datetime(2026, 3, 28, 18, tzinfo=PARIS)
    assert first.due_at.astimezone(datetime.UTC).hour == 17


@time_machine.travel(datetime.datetime(2026, 10, 20, 9, tzinfo=PARIS), tick=False)
def test_reminders_keep_the_paris_time_across_the_autumn_change(circle: Circle, alice: User) -> None:
    add(circle, alice, D(2026, 10, 26))  # clocks went back on the 25th
    first = pending(recipient=alice, about__before=2880)[0]
    assert first.due_at.astimezone(PARIS) == datetime.datetime(2026, 10, 24, 18, tzinfo=PARIS)
    assert first.due_at.astimezone(datetime.UTC).hour == 16


@time_machine.travel(NOW, tick=False)
def test_moving_a_meeting_replaces_its_reminders_in_the_same_transaction(circle: Circle, alice: User) -> None:
    meeting = add(circle, alice, D(2026, 3, 10))
    old = {row.pk for row in pending()}
    changes = MeetingChanges(
        day=D(2026, 3, 12), start_time=T(9, 30), duration_minutes=90, meeting_format=MeetingFormat.ONLINE
    )
    meeting_update(meeting_id=meeting.pk, editor=alice, version=meeting.version, changes=changes)
    rows = pending()
    assert old.isdisjoint(row.pk for row in rows)
    assert Message.objects.filter(pk__in=old, cancelled_at__isnull=False).count() == 4
    assert min(row.due_at for row in rows).astimezone(PARIS) == datetime.datetime(2026, 3, 10, 9, 30, tzinfo=PARIS)


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_meeting_never_gets_its_reminder(circle: Circle, alice: User) -> None:
    meeting = add(circle, alice, D(2026, 3, 10))
    meeting_cancel(meeting_id=meeting.pk, cancelled_by=alice)
    assert pending() == []


@time_machine.travel(NOW, tick=False)
def test_a_meeting_cancelled_after_its_reminders_were_claimed_is_not_reminded(circle: Circle, alice: User) -> None:
    meeting = add(circle, alice, D(2026, 3, 10))
    Meeting.objects.filter(pk=meeting.pk).update(cancelled_at=NOW)  # as if committed by another process
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, tzinfo=PARIS), tick=False):
        report = outbox_sweep()
    assert report.cancelled == 2
    assert not Message.objects.filter(kind=REMINDER, sent_at__isnull=False).exists()
    assert not [m for m in mail.outbox if "Rappel" in m.subject]


@time_machine.travel(NOW, tick=False)
def test_replanning_a_cycle_moves_every_reminder(circle: Circle, alice: User) -> None:
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 10), 3))
    assert len(pending()) == 3 * 2 * 2
    cycle_plan(circle_id=circle.pk, planned_by=alice, plan=weekly_plan(D(2026, 3, 11), 2))
    assert len(pending()) == 2 * 2 * 2
    assert {row.due_at.astimezone(PARIS).date() for row in pending(about__before=2880)} == {
        D(2026, 3, 9),
        D(2026, 3, 16),
    }


@time_machine.travel(NOW, tick=False)
def test_joining_adds_and_leaving_removes_the_persons_reminders(
    circle: Circle, alice: User, bob: User, charlie: User
) -> None:
    add(circle, alice, D(2026, 3, 10))
    membership_request(circle_id=circle.pk, user=charlie, pact_accepted=True)
    assert len(pending(recipient=charlie)) == 2
    membership_leave(circle_id=circle.pk, user=bob)
    assert pending(recipient=bob) == []
    assert len(pending(recipient=alice)) == 2


@time_machine.travel(NOW, tick=False)
def test_a_member_who_will_not_come_gets_no_reminder(circle: Circle, alice: User, bob: User) -> None:
    meeting = add(circle, alice, D(2026, 3, 10))
    rsvp_set(meeting_id=meeting.pk, user=bob, answer=RsvpAnswer.NO)
    with time_machine.travel(datetime.datetime(2026, 3, 10, 17, 30, tzinfo=PARIS), tick=False):
        outbox_sweep()
    reminded = [message.to[0] for message in mail.outbox if "Rappel" in message.subject]
    assert sorted(reminded) == [alice.email, alice.email]
    # Computed again later (a new member joins), Bob is left out from the start.
    add(circle, alice, D(2026, 3, 17))
    rsvp_set(meeting_id=meeting.pk, user=bob, answer=RsvpAnswer.NO)
    assert not Message.objects.filter(PENDING, kind=REMINDER, recipient=bob, about__meeting=meeting.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_a_reminder_says_when_where_and_how_to_answer_with_the_ics(circle: Circle, alice: User, bob: User) -> None:
    meeting = add(circle, alice, D(2026, 3, 10), meeting_format=MeetingFormat.HYBRID, place="Salle Gérard-Philipe")
    reminder_settings_set(
        circle_id=circle.pk,
        editor=alice,
        version=1,
        changes=ReminderChanges(first_before=2880, second_before=60, word="Pensez à relire vos notes."),
    )
    with time_machine.travel(datetime.datetime(2026, 3, 8, 18, 1, tzinfo=PARIS), tick=False):
        outbox_sweep()
    to_bob = next(message for message in mail.outbox if message.to == [bob.email] and "Rappel" in message.subject)
    assert "Rappel : séance du cercle « Codéveloppement des cadres », mardi 10 mars 2026 à 18:00" in to_bob.subject
    assert "Lieu : Salle Gérard-Philipe" in to_bob.body
    assert f"/seances/{meeting.pk}/rejoindre" in to_bob.body
    assert "Pensez à relire vos notes." in to_bob.body
    assert to_bob.body.count("/e/reponse/") == 2
    assert "/mes-rappels/" in to_bob.body  # turning them back on later, from the site
    assert to_bob.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/e/rappels/" in to_bob.extra_headers["List-Unsubscribe"]
    [(filename, content, mimetype)] = to_bob.attachments
    assert filename.endswith(".ics")
    assert "BEGIN:VEVENT" in str(content)
    assert mimetype.startswith("text/calendar")
    to_alice = next(message for message in mail.outbox if message.to == [alice.email] and "Rappel" in message.subject)
    assert "/e/reponse/" not in to_alice.body  # facilitators do not answer: they run the meeting


@time_machine.travel(NOW, tick=False)
def test_the_word_goes_with_the_next_meeting_only(circle: Circle, alice: User, bob: User) -> None:
    add(circle, alice, D(2026, 3, 10))
    add(circle, alice, D(2026, 3, 17))
    reminder_settings_set(
        circle_id=circle.pk, editor=alice, version=1, changes=ReminderChanges(2880, 0, word="Apportez un cas.")
    )
    for day in (8, 15):
        with time_machine.travel(datetime.datetime(2026, 3, day, 18, 1, tzinfo=PARIS), tick=False):
            outbox_sweep()
    bodies = [message.body for message in mail.outbox if message.to == [bob.email] and "Rappel" in message.subject]
    assert len(bodies) == 2
    assert sum("Apportez un cas." in body for body in bodies) == 1


@time_machine.travel(NOW, tick=False)
def test_settings_change_the_times_and_a_stale_version_is_refused(circle: Circle, alice: User, bob: User) -> None:
    add(circle, alice, D(2026, 3, 10))
    reminder_settings_set(circle_id=circle.pk, editor=alice, version=1, changes=ReminderChanges(24 * 60, 0))
    assert {row.about["before"] for row in pending()} == {1440}
    with pytest.raises(ReminderSettingsConflict):
        reminder_settings_set(circle_id=circle.pk, editor=alice, version=1, changes=ReminderChanges(0, 60))
    with pytest.raises(ReminderError):
        reminder_settings_set(circle_id=circle.pk, editor=alice, version=2, changes=ReminderChanges(-1, 60))
    with pytest.raises(PolicyDenied):
        reminder_settings_set(circle_id=circle.pk, editor=bob, version=2, changes=ReminderChanges(0, 60))
    assert {row.about["before"] for row in pending()} == {1440}


@time_machine.travel(NOW, tick=False)
def test_turning_reminders_off_per_circle_or_everywhere(circle: Circle, alice: User, bob: User) -> None:
    add(circle, alice, D(2026, 3, 10))
    assert reminders_turn_off(user=bob, circle_id=circle.pk) is True
    assert pending(recipient=bob) == []
    assert reminders_turn_off(user=bob, circle_id=circle.pk) is False
    add(circle, alice, D(2026, 3, 17))
    assert pending(recipient=bob) == []
    assert reminders_turn_off(user=alice, circle_id=None) is True
    assert pending() == []
    assert reminders_turn_off(user=alice, circle_id=circle.pk) is False  # already off everywhere


@time_machine.travel(NOW, tick=False)
def test_a_facilitator_writes_to_each_member_apart(circle: Circle, alice: User, bob: User, charlie: User) -> None:
    membership_request(circle_id=circle.pk, user=charlie, pact_accepted=True)
    count = circle_message_send(
        circle_id=circle.pk, author=alice, subject="Séance reportée", body="Rendez-vous à 19 h."
    )
    assert count == 2
    outbox_sweep()
    sent = [message for message in mail.outbox if "Séance reportée" in message.subject]
    assert sorted(message.to[0] for message in sent) == sorted([bob.email, charlie.email])
    assert all(len(message.to) == 1 and not message.cc and not message.bcc for message in sent)
    assert "Rendez-vous à 19 h." in sent[0].body
    assert not Message.objects.filter(kind=CIRCLE_MESSAGE).exclude(payload={}).exists()  # wiped once sent
    with pytest.raises(ReminderError):
        circle_message_send(circle_id=circle.pk, author=alice, subject=" ", body="x")
    with pytest.raises(PolicyDenied):
        circle_message_send(circle_id=circle.pk, author=bob, subject="Bonjour", body="x")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("members", [3, 12])
def test_rendering_a_batch_of_reminders_takes_the_same_queries_whatever_its_size(
    circle: Circle, alice: User, members: int, django_assert_num_queries
) -> None:
    from cercles.notifications.registry import preload_batch, renderer_for
    from tests.factories import make_user, seat

    for _ in range(members):
        seat(circle, make_user())
    add(circle, alice, D(2026, 3, 10))
    add(circle, alice, D(2026, 3, 17))
    batch = pending()
    assert len(batch) == (members + 2) * 2 * 2
    with django_assert_num_queries(6):  # meetings, people, answers, memberships, opt-outs, settings
        preload_batch(batch)
        rendered = [renderer_for(REMINDER)(message) for message in batch]
    assert all(item is not None for item in rendered)


@time_machine.travel(NOW, tick=False)
def test_one_batch_of_reminders_for_two_circles_gives_each_its_own_subject_and_calendar(
    circle: Circle, alice: User, bob: User, charlie: User
) -> None:
    from tests.factories import make_circle, seat

    other = make_circle(facilitators=(alice,), capacity=6, title="Management public")
    seat(other, charlie)
    first = add(circle, alice, D(2026, 3, 10))
    second = add(other, alice, D(2026, 3, 10), time=T(9, 0))
    Message.objects.filter(kind=REMINDER).update(due_at=NOW)  # all in one batch
    outbox_sweep(batch_size=100)
    reminders = {message.to[0]: message for message in mail.outbox if "Rappel" in message.subject}
    assert "« Codéveloppement des cadres », mardi 10 mars 2026 à 18:00" in reminders[bob.email].subject
    assert "« Management public », mardi 10 mars 2026 à 09:00" in reminders[charlie.email].subject
    assert str(first.uid) in str(reminders[bob.email].attachments[0][1])
    assert str(second.uid) in str(reminders[charlie.email].attachments[0][1])


@time_machine.travel(NOW, tick=False)
def test_a_moved_meetings_reminder_carries_the_new_time_in_its_calendar_entry(
    circle: Circle, alice: User, bob: User
) -> None:
    meeting = add(circle, alice, D(2026, 3, 10))
    Message.objects.filter(kind=REMINDER, recipient=bob, about__before=2880).update(due_at=NOW)
    outbox_sweep()
    meeting_update(
        meeting_id=meeting.pk,
        editor=alice,
        version=Meeting.objects.get(pk=meeting.pk).version,
        changes=MeetingChanges(D(2026, 3, 11), T(14, 0), 120, MeetingFormat.ONLINE),
    )
    Message.objects.filter(PENDING, kind=REMINDER, recipient=bob, about__before=2880).update(due_at=NOW)
    outbox_sweep()
    before, after = [message for message in mail.outbox if message.to == [bob.email] and "Rappel" in message.subject]
    assert "DTSTART;TZID=Europe/Paris:20260310T180000" in str(before.attachments[0][1])
    assert "DTSTART;TZID=Europe/Paris:20260311T140000" in str(after.attachments[0][1])
    assert "mercredi 11 mars 2026 à 14:00" in after.subject
