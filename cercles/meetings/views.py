"""Pages of meetings: a circle's séances, planning, joining, calendars, polls, RSVP and attendance."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercles.core.policy import allows
from cercles.meetings import selectors, services
from cercles.meetings.attestation import attestation_pdf
from cercles.meetings.calendar import calendar_bytes
from cercles.meetings.emails import event_data
from cercles.meetings.exceptions import ATTESTATION_NOTHING, MeetingEditConflict, MeetingError
from cercles.meetings.forms import CyclePlanForm, MeetingEditForm, MeetingForm, PollForm, TimezoneForm
from cercles.meetings.models import AttendanceStatus, Availability
from cercles.meetings.planning import local_moment
from cercles.meetings.video import JoinRequest, ProviderUnavailable, provider_for

CALENDAR_PAGE_SIZE = 100


def _zone(request: HttpRequest) -> str:
    return selectors.calendar_settings_for(user=request.user).second_timezone  # type: ignore[arg-type]


def _warn_holiday(request: HttpRequest, day: datetime.date) -> None:
    """A public holiday is a warning, never a refusal."""
    name = services.holiday_name(day)
    if name:
        messages.warning(
            request,
            _("Attention : le %(day)s est un jour férié (%(name)s).") % {"day": day.strftime("%d/%m/%Y"), "name": name},
        )


@login_required
def circle_meetings(request: HttpRequest, circle_id: int) -> HttpResponse:
    page = selectors.circle_meetings(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    context = {"page": page, "circle": page.circle, "now": timezone.now(), "second_zone": _zone(request)}
    return render(request, "meetings/circle_meetings.html", context)


@login_required
def plan(request: HttpRequest, circle_id: int) -> HttpResponse:
    """GET: the form, prefilled from the circle (or a poll's chosen slot); POST "apercu": the preview;
    POST "enregistrer": the cycle is saved. Errors stay on the form with what was typed."""
    circle = selectors.circle_for_planning(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    initial = CyclePlanForm.initial_for(circle)
    initial.update(
        {key: request.GET[key] for key in ("first_date", "start_time", "duration_minutes") if key in request.GET}
    )
    form = CyclePlanForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            if "enregistrer" in request.POST:
                meetings = services.cycle_plan(circle_id=circle.pk, planned_by=request.user, plan=form.plan())  # type: ignore[arg-type]
                messages.success(request, _("Le cycle est planifié : %(count)s séances.") % {"count": len(meetings)})
                return redirect("meetings:circle", circle_id=circle.pk)
            preview = services.plan_preview(plan=form.plan())
        except MeetingError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "meetings/plan.html", {"circle": circle, "form": form, "preview": preview}, status=status)


@login_required
def add(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_for_planning(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    form = MeetingForm(request.POST or None, initial={**CyclePlanForm.initial_for(circle), "day": circle.start_date})
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            services.meeting_add(
                circle_id=circle.pk,
                added_by=request.user,  # type: ignore[arg-type]
                **changes.__dict__,  # type: ignore[arg-type]
            )
        except MeetingError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("La séance est ajoutée."))
            _warn_holiday(request, changes.day)
            return redirect("meetings:circle", circle_id=circle.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/add.html", {"circle": circle, "form": form}, status=status)


@login_required
def edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=meeting_id, user=request.user, action="meetings.plan")  # type: ignore[arg-type]
    form = MeetingEditForm(request.POST or None, initial=MeetingEditForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                meeting_id=meeting.pk,
                editor=request.user,  # type: ignore[arg-type]
                version=form.cleaned_data["version"],
                changes=form.changes(),
                and_following=form.cleaned_data["scope"] == "suivantes",
            )
        except MeetingEditConflict as error:
            data = request.POST.copy()
            data["version"] = str(
                selectors.meeting_get(meeting_id=meeting.pk, user=request.user, action="meetings.plan").version  # type: ignore[arg-type]
            )  # type: ignore[arg-type]
            form = MeetingEditForm(data, initial=form.initial)
            form.is_valid()
            form.add_error(None, str(error.message))
        except MeetingError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("La séance est modifiée ; les membres sont prévenu·es."))
            _warn_holiday(request, form.cleaned_data["day"])
            return redirect("meetings:circle", circle_id=meeting.circle_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetings/edit.html", {"meeting": meeting, "circle": meeting.circle, "form": form}, status=status
    )


@login_required
@require_POST
def cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=meeting_id, user=request.user, action="meetings.plan")  # type: ignore[arg-type]
    services.meeting_cancel(meeting_id=meeting.pk, cancelled_by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("La séance est annulée ; les membres sont prévenu·es."))
    return redirect("meetings:circle", circle_id=meeting.circle_id)


@login_required
def join(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The stable join address: redirects to the video room from 30 minutes before the start."""
    meeting = selectors.meeting_get(meeting_id=meeting_id, user=request.user, action="meetings.join")  # type: ignore[arg-type]
    now = timezone.now()
    opens_at = meeting.starts_at - datetime.timedelta(minutes=settings.MEETINGS_JOIN_OPENS_BEFORE_MINUTES)
    provider = provider_for(fixed_link=meeting.video_link) if meeting.is_online else None
    state = (
        "cancelled" if meeting.is_cancelled else "over" if meeting.ends_at <= now else "early" if now < opens_at else ""
    )
    if not state and provider is None:
        state = "no_link"
    if not state:
        user = request.user
        join_request = JoinRequest(
            room_name=meeting.room_name,
            meeting_title=meeting.circle.title,
            person_name=user.display_name,  # type: ignore[union-attr]
            person_id=str(user.pk),
            # Only the circle's people reach this line: those who may plan it are its facilitators.
            moderator=allows(user, "meetings.plan", meeting.circle),
            now=now,
        )
        try:
            return redirect(provider.join_url(join_request))  # type: ignore[union-attr]
        except ProviderUnavailable:
            state = "unavailable"
    context = {
        "meeting": meeting,
        "circle": meeting.circle,
        "state": state,
        "opens_at": opens_at,
        "second_zone": _zone(request),
    }
    return render(request, "meetings/join.html", context, status=410 if state == "cancelled" else 200)


@login_required
def meeting_ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=meeting_id, user=request.user, action="meetings.join")  # type: ignore[arg-type]
    response = HttpResponse(calendar_bytes([event_data(meeting)]), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seance-{meeting.pk}.ics"'
    return response


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no session (calendar programs have none); the token is the key."""
    owner = selectors.feed_owner(token=token)
    body = calendar_bytes((event_data(m) for m in selectors.feed_meetings(user=owner)), name=_("Mes séances"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    """My calendar settings: the private feed's address (renew, stop) and the second time zone."""
    current = selectors.calendar_settings_for(user=request.user)  # type: ignore[arg-type]
    form = TimezoneForm(request.POST or None, initial={"second_timezone": current.second_timezone})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renouveler":
            services.calendar_feed_renew(user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Nouvelle adresse d'agenda créée : l'ancienne ne fonctionne plus."))
            return redirect("meetings:my_calendar")
        if action == "arreter":
            services.calendar_feed_revoke(user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Votre agenda privé n'est plus publié."))
            return redirect("meetings:my_calendar")
        if form.is_valid():
            services.calendar_timezone_set(user=request.user, second_timezone=form.cleaned_data["second_timezone"])  # type: ignore[arg-type]
            messages.success(request, _("Fuseau horaire enregistré."))
            return redirect("meetings:my_calendar")
    context = {"settings": current, "form": form}
    return render(request, "meetings/my_calendar.html", context)


@login_required
def upcoming(request: HttpRequest) -> HttpResponse:
    meetings = selectors.upcoming_for_user(user=request.user)  # type: ignore[arg-type]
    return render(
        request, "meetings/upcoming.html", {"meetings": meetings, "second_zone": _zone(request), "now": timezone.now()}
    )


@login_required
@require_POST
def rsvp(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=meeting_id, user=request.user, action="meetings.rsvp")  # type: ignore[arg-type]
    services.rsvp_set(meeting_id=meeting.pk, user=request.user, answer=request.POST.get("answer", ""))  # type: ignore[arg-type]
    messages.success(request, _("Votre réponse est enregistrée."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("meetings:upcoming")


@login_required
def attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(meeting_id=meeting_id, user=request.user, action="meetings.view_attendance")  # type: ignore[arg-type]
    if request.method == "POST":
        statuses = {}
        for key, value in request.POST.items():
            if key.startswith("presence-") and key[9:].isdigit():
                statuses[int(key[9:])] = value
        services.attendance_record(meeting_id=meeting.pk, recorded_by=request.user, statuses=statuses)  # type: ignore[arg-type]
        messages.success(request, _("Les présences sont enregistrées."))
        return redirect("meetings:attendance", meeting_id=meeting.pk)
    context = {
        "meeting": meeting,
        "circle": meeting.circle,
        "sheet": selectors.attendance_sheet(meeting=meeting),
        "statuses": AttendanceStatus.choices,
        "started": meeting.starts_at <= timezone.now(),
    }
    return render(request, "meetings/attendance.html", context)


@login_required
def attestation(request: HttpRequest, circle_id: int) -> HttpResponse:
    data = selectors.attestation_data(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    if not data.meetings:
        raise MeetingError(ATTESTATION_NOTHING)
    response = HttpResponse(attestation_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-cercle-{circle_id}.pdf"'
    return response


@login_required
def programme_calendar(request: HttpRequest) -> HttpResponse:
    """Coordinators: the programme's meetings of a month, with counts and named attendance."""
    month = request.GET.get("mois", "")
    try:
        first = datetime.datetime.strptime(month, "%Y-%m").date()  # noqa: DTZ007 - a month only
    except ValueError:
        first = timezone.localdate().replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    start = local_moment(first, datetime.time(0, 0), fold=0)
    end = local_moment(following, datetime.time(0, 0), fold=0)
    meetings = selectors.programme_calendar(user=request.user, start=start, end=end)  # type: ignore[arg-type]
    page = Paginator(meetings, CALENDAR_PAGE_SIZE).get_page(request.GET.get("page"))
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    context = {"page": page, "meetings": page.object_list, "month": first, "previous": previous, "following": following}
    return render(request, "meetings/programme_calendar.html", context)


@login_required
def poll_create(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_for_planning(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    form = PollForm(request.POST or None, initial={"duration_minutes": circle.meeting_duration_minutes})
    if request.method == "POST" and form.is_valid():
        try:
            poll = services.poll_create(
                circle_id=circle.pk,
                created_by=request.user,  # type: ignore[arg-type]
                slots=form.cleaned_data["slots"],
                duration_minutes=form.cleaned_data["duration_minutes"],
            )
        except MeetingError as error:
            form.add_error("slots", str(error.message))
        else:
            messages.success(request, _("Les créneaux sont proposés aux membres."))
            return redirect("meetings:poll", poll_id=poll.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/poll_create.html", {"circle": circle, "form": form}, status=status)


@login_required
def poll(request: HttpRequest, poll_id: int) -> HttpResponse:
    grid = selectors.poll_grid(poll_id=poll_id, user=request.user)  # type: ignore[arg-type]
    if request.method == "POST":
        answers = {}
        for key, value in request.POST.items():
            if key.startswith("creneau-") and key[8:].isdigit():
                answers[int(key[8:])] = value
        services.poll_answer(poll_id=grid.poll.pk, user=request.user, answers=answers)  # type: ignore[arg-type]
        messages.success(request, _("Vos disponibilités sont enregistrées."))
        return redirect("meetings:poll", poll_id=grid.poll.pk)
    context = {"grid": grid, "circle": grid.poll.circle, "choices": Availability.choices, "second_zone": _zone(request)}
    return render(request, "meetings/poll.html", context)


@login_required
@require_POST
def poll_pick(request: HttpRequest, poll_id: int) -> HttpResponse:
    grid = selectors.poll_grid(poll_id=poll_id, user=request.user)  # type: ignore[arg-type]
    slot_id = request.POST.get("slot", "")
    slot = services.poll_pick(
        poll_id=grid.poll.pk,
        picked_by=request.user,  # type: ignore[arg-type]
        slot_id=int(slot_id) if slot_id.isdigit() else 0,
    )
    local = timezone.localtime(slot.starts_at)
    messages.success(request, _("Créneau retenu : planifiez maintenant le cycle à partir de cette date."))
    query = f"?first_date={local:%Y-%m-%d}&start_time={local:%H:%M}&duration_minutes={grid.poll.duration_minutes}"
    return redirect(reverse("meetings:plan", args=[grid.poll.circle_id]) + query)
