"""Forms of the meetings pages; the services check again and say what is wrong in French."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import Circle, MeetingFormat
from cercles.circles.models import Rhythm as CircleRhythm
from cercles.meetings import exceptions as errors
from cercles.meetings.planning import PARIS, CycleShape, PlanError, Rhythm, local_moment
from cercles.meetings.services import CyclePlan, MeetingChanges, plan_error_message

RHYTHM_CHOICES = [
    (Rhythm.WEEKLY.value, _("chaque semaine")),
    (Rhythm.FORTNIGHTLY.value, _("toutes les deux semaines")),
    (Rhythm.MONTHLY_NTH.value, _("chaque mois, le même jour de la semaine (ex. le 2e mardi)")),
    (Rhythm.MONTHLY_LAST.value, _("chaque mois, le dernier de ce jour de la semaine (ex. le dernier jeudi)")),
    (Rhythm.LIST.value, _("une liste de dates choisies")),
]
FOLD_CHOICES = [
    ("", _("— sans objet —")),
    ("0", _("la première (encore à l'heure d'été)")),
    ("1", _("la seconde (déjà à l'heure d'hiver)")),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def parse_date(value: str) -> datetime.date:
    """A date typed as jj/mm/aaaa (or aaaa-mm-jj). Raises ValidationError in French (31/04 included)."""
    text = value.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise forms.ValidationError(str(errors.INVALID_DATE).format(value=text))


class _MeetingFields(forms.Form):
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=480)
    meeting_format = forms.ChoiceField(label=_("Format"), choices=MeetingFormat.choices)
    place = forms.CharField(
        label=_("Lieu"), max_length=200, required=False, help_text=_("Pour le présentiel ou l'hybride.")
    )
    video_link = forms.URLField(
        label=_("Lien de visioconférence fixe (facultatif)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Vide : le salon du programme est créé pour chaque séance."),
    )
    fold = forms.ChoiceField(label=_("Heure en cas de changement d'heure"), choices=FOLD_CHOICES, required=False)

    def clean_fold(self) -> int | None:
        value = self.cleaned_data.get("fold")
        return int(value) if value in ("0", "1") else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("meeting_format") in (MeetingFormat.IN_PERSON, MeetingFormat.HYBRID)
            and not data.get("place", "").strip()
        ):
            self.add_error("place", str(errors.PLACE_REQUIRED))
        return data


class CyclePlanForm(_MeetingFields):
    first_date = forms.DateField(label=_("Date de la première séance"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Heure de début (heure de Paris)"), widget=TIME_INPUT)
    rhythm = forms.ChoiceField(label=_("Rythme"), choices=RHYTHM_CHOICES)
    count = forms.IntegerField(label=_("Nombre de séances"), min_value=0, max_value=10000, required=False)
    dates = forms.CharField(
        label=_("Dates choisies (une par ligne, jj/mm/aaaa)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Seulement pour « une liste de dates choisies »."),
    )
    field_order = [
        "first_date",
        "start_time",
        "rhythm",
        "count",
        "dates",
        "duration_minutes",
        "meeting_format",
        "place",
        "video_link",
        "fold",
    ]

    @staticmethod
    def initial_for(circle: Circle) -> dict[str, Any]:
        """The plan starts from what the circle says in words (rhythm, count, duration, format, place)."""
        rhythm = {
            CircleRhythm.WEEKLY: Rhythm.WEEKLY.value,
            CircleRhythm.FORTNIGHTLY: Rhythm.FORTNIGHTLY.value,
            CircleRhythm.MONTHLY: Rhythm.MONTHLY_NTH.value,
        }.get(circle.rhythm, Rhythm.LIST.value)  # type: ignore[call-overload]
        return {
            "first_date": circle.start_date,
            "start_time": datetime.time(18, 0),
            "rhythm": rhythm,
            "count": circle.meeting_count or 6,
            "duration_minutes": circle.meeting_duration_minutes,
            "meeting_format": circle.meeting_format,
            "place": circle.place,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rhythm = data.get("rhythm")
        if rhythm == Rhythm.LIST.value:
            lines = [line for line in (data.get("dates") or "").splitlines() if line.strip()]
            if not lines:
                self.add_error("dates", str(errors.NO_DATES))
                return data
            parsed = []
            for line in lines:
                try:
                    parsed.append(parse_date(line))
                except forms.ValidationError as error:
                    self.add_error("dates", error)
                    return data
            data["parsed_dates"] = tuple(parsed)
        elif data.get("count") in (None, 0):
            self.add_error("count", str(errors.RHYTHM_PRODUCES_NOTHING))
        return data

    def plan(self) -> CyclePlan:
        data = self.cleaned_data
        dates = data.get("parsed_dates", ())
        rhythm = Rhythm(data["rhythm"])
        shape = CycleShape(
            rhythm=rhythm,
            first_date=dates[0] if dates else data["first_date"],
            count=len(dates) if dates else data["count"],
            dates=dates,
        )
        return CyclePlan(
            shape=shape,
            start_time=data["start_time"],
            duration_minutes=data["duration_minutes"],
            meeting_format=data["meeting_format"],
            place=data.get("place", ""),
            video_link=data.get("video_link", ""),
            fold=data.get("fold"),
        )


class MeetingForm(_MeetingFields):
    day = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Heure de début (heure de Paris)"), widget=TIME_INPUT)
    field_order = ["day", "start_time", "duration_minutes", "meeting_format", "place", "video_link", "fold"]

    def changes(self) -> MeetingChanges:
        data = self.cleaned_data
        return MeetingChanges(
            day=data["day"],
            start_time=data["start_time"],
            duration_minutes=data["duration_minutes"],
            meeting_format=data["meeting_format"],
            place=data.get("place", ""),
            video_link=data.get("video_link", ""),
            fold=data.get("fold"),
        )


class MeetingEditForm(MeetingForm):
    SCOPES = [("une", _("cette séance seulement")), ("suivantes", _("cette séance et toutes les suivantes"))]
    scope = forms.ChoiceField(label=_("Appliquer à"), choices=SCOPES, widget=forms.RadioSelect, initial="une")
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(meeting: Any) -> dict[str, Any]:
        local = meeting.starts_at.astimezone(PARIS)
        return {
            "day": local.date(),
            "start_time": local.time().replace(tzinfo=None),
            "duration_minutes": meeting.duration_minutes,
            "meeting_format": meeting.meeting_format,
            "place": meeting.place,
            "video_link": meeting.video_link,
            "scope": "une",
            "version": meeting.version,
        }


class PollForm(forms.Form):
    duration_minutes = forms.IntegerField(label=_("Durée d'une séance (minutes)"), min_value=15, max_value=480)
    slots = forms.CharField(
        label=_("Créneaux proposés (un par ligne : jj/mm/aaaa hh:mm, heure de Paris)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def clean_slots(self) -> list[datetime.datetime]:
        moments = []
        for line in (self.cleaned_data.get("slots") or "").splitlines():
            text = line.strip()
            if not text:
                continue
            day_text, _, time_text = text.partition(" ")
            day = parse_date(day_text)
            try:
                time = datetime.datetime.strptime(time_text.strip(), "%H:%M").time()  # noqa: DTZ007 - a wall-clock time
            except ValueError as error:
                raise forms.ValidationError(str(errors.INVALID_DATE).format(value=text)) from error
            try:
                moments.append(local_moment(day, time, fold=0))
            except PlanError as error:
                raise forms.ValidationError(plan_error_message(error)) from error
        if not moments:
            raise forms.ValidationError(str(errors.POLL_NO_SLOT))
        return moments


def timezone_choices() -> list[tuple[str, object]]:
    return [("", _("— aucun —"))] + [(zone, zone) for zone in sorted(available_timezones()) if "/" in zone]


class TimezoneForm(forms.Form):
    second_timezone = forms.ChoiceField(label=_("Second fuseau horaire"), choices=timezone_choices, required=False)
