"""Pages of reminders: answering and unsubscribing from an e-mail (signed links), the circle's settings,
writing to the circle's members. A GET never changes anything; the one button records by POST."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cercles.reminders import selectors, services
from cercles.reminders.exceptions import ReminderError, ReminderSettingsConflict
from cercles.reminders.forms import CircleMessageForm, MyRemindersForm, ReminderSettingsForm


def _link_page(
    request: HttpRequest,
    token: str,
    template: str,
    read: Callable[[str], object],
    act: Callable[..., object],
) -> HttpResponse:
    """GET: what the signed link would do, and one button; POST: it is done. Errors: a French message."""
    context: dict[str, object] = {"token": token}
    try:
        context["link"] = read(token)
        if request.method == "POST":
            act(token=token, signed_in=request.user if request.user.is_authenticated else None)
            context["done"] = True
    except ReminderError as error:
        context["error"] = error.message
    return render(request, template, context, status=400 if "error" in context else 200)


def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(request, token, "reminders/rsvp.html", services.rsvp_link_read, services.rsvp_from_link)


# One-click unsubscribe (RFC 8058): mail programs POST without cookies; the signed token is the key.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    return _link_page(
        request, token, "reminders/unsubscribe.html", services.unsubscribe_link_read, services.unsubscribe_from_link
    )


@login_required
def circle_settings(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_for(circle_id=circle_id, user=request.user, action="reminders.configure")  # type: ignore[arg-type]
    current = services.settings_for(circle.pk)
    form = ReminderSettingsForm(
        request.POST or None,
        initial={
            "first_before": current.first_before,
            "second_before": current.second_before,
            "word": current.word,
            "version": current.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        changes = services.ReminderChanges(
            first_before=form.cleaned_data["first_before"],
            second_before=form.cleaned_data["second_before"],
            word=form.cleaned_data["word"],
        )
        try:
            services.reminder_settings_set(
                circle_id=circle.pk,
                editor=request.user,  # type: ignore[arg-type]
                version=form.cleaned_data["version"],
                changes=changes,
            )
        except ReminderSettingsConflict as error:
            form.add_error(None, str(error.message))
        except ReminderError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Les rappels du cercle sont enregistrés."))
            return redirect("reminders:settings", circle_id=circle.pk)
    return render(request, "reminders/settings.html", {"circle": circle, "form": form})


@login_required
def write_members(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_for(circle_id=circle_id, user=request.user, action="reminders.write_members")  # type: ignore[arg-type]
    form = CircleMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.circle_message_send(
                circle_id=circle.pk,
                author=request.user,  # type: ignore[arg-type]
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ReminderError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Votre message part à %(count)d membre(s).") % {"count": count})
            return redirect("circles:detail", circle_id=circle.pk)
    return render(request, "reminders/write.html", {"circle": circle, "form": form})


@login_required
def my_reminders(request: HttpRequest) -> HttpResponse:
    """ "Mes rappels": the signed-in person turns reminders back on (or off), everywhere or circle by circle."""
    current = selectors.my_reminders(user=request.user)  # type: ignore[arg-type]
    initial: dict[str, object] = {"everywhere": current.everywhere}
    initial.update({f"circle_{item.circle.pk}": item.on for item in current.circles})
    form = MyRemindersForm(
        request.POST or None,
        initial=initial,
        circles=[(item.circle.pk, item.circle.title) for item in current.circles],
    )
    if request.method == "POST" and form.is_valid():
        preferences = services.ReminderPreferences(
            everywhere=form.cleaned_data["everywhere"], circles=form.circle_choices()
        )
        try:
            services.reminder_preferences_set(user=request.user, preferences=preferences)  # type: ignore[arg-type]
        except ReminderError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Vos rappels sont enregistrés."))
            return redirect("reminders:mine")
    return render(request, "reminders/mine.html", {"form": form, "current": current})
