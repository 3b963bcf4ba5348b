"""Meetings (séances) of a circle, RSVPs, attendance, availability polls and calendar settings.

Times are stored in UTC and computed in Europe/Paris (``cercles.meetings.timing``). A meeting keeps a
stable ``uid`` (its iCalendar UID) and a ``sequence`` raised on every change, so that calendar programs
update the entry in place.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import Circle, MeetingFormat
from cercles.people.models import User


class Meeting(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("cercle"))
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    meeting_format = models.CharField(_("format"), max_length=20, choices=MeetingFormat.choices)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    # A link typed by the facilitator (La Suite Meet, Teams, a phone bridge); empty: the programme's provider.
    video_link = models.URLField(_("lien de visioconférence"), max_length=500, blank=True)
    # Long and unguessable: the room's name on the Jitsi or BigBlueButton server.
    room_name = models.CharField(max_length=80, editable=False)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True, editable=False)
    attendance_recorded_at = models.DateTimeField(_("présences saisies le"), null=True, blank=True)
    attendance_nudged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["circle", "starts_at"]), models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.circle} · {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_online(self) -> bool:
        return self.meeting_format in (MeetingFormat.ONLINE, MeetingFormat.HYBRID)

    @property
    def has_place(self) -> bool:
        return self.meeting_format in (MeetingFormat.IN_PERSON, MeetingFormat.HYBRID)

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)


class RsvpAnswer(models.TextChoices):
    YES = "oui", _("Je viens")
    NO = "non", _("Je ne viens pas")


class Rsvp(models.Model):
    """What a member said about coming; "has said they will not come" is ``answer == NO`` (one query)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="meeting_rsvps")
    answer = models.CharField(_("réponse"), max_length=10, choices=RsvpAnswer.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réponse à une séance")
        verbose_name_plural = _("réponses aux séances")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_one_per_person")]
        indexes = [models.Index(fields=["meeting", "answer"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}: {self.answer}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Présent·e")
    EXCUSED = "excuse", _("Excusé·e")
    ABSENT = "absent", _("Absent·e")


class Attendance(models.Model):
    """One record per person and meeting, confirmed by the facilitation after the meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="meeting_attendances")
    status = models.CharField(_("présence"), max_length=10, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendance_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}: {self.status}"

    @property
    def is_present(self) -> bool:
        return self.status == AttendanceStatus.PRESENT


class CalendarSettings(models.Model):
    """A person's calendar: the private feed's token (revocable) and an optional second time zone."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_settings")
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    second_timezone = models.CharField(_("second fuseau horaire"), max_length=64, blank=True)

    def __str__(self) -> str:
        return str(self.user)


class Poll(models.Model):
    """ "Trouver un créneau": slots proposed by the facilitation, answered by the members."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="polls")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))

    class Meta:
        verbose_name = _("recherche de créneau")
        verbose_name_plural = _("recherches de créneau")

    def __str__(self) -> str:
        return f"{self.circle} · {self.created_at:%d/%m/%Y}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Slot(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("début"))

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "starts_at"], name="slot_once_per_poll")]

    def __str__(self) -> str:
        return f"{self.poll} · {self.starts_at:%d/%m/%Y %H:%M}"


class Availability(models.TextChoices):
    YES = "oui", _("Oui")
    IF_NEEDED = "si_besoin", _("Si besoin")
    NO = "non", _("Non")


class SlotAnswer(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=10, choices=Availability.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "user"], name="slot_answer_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.slot}: {self.answer}"
