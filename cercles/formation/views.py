"""Pages of the formation: calls and applying (everyone), management, runs, hand edits, publishing (coordinators)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cercles.core.policy import require
from cercles.formation import explain, selectors, services
from cercles.formation.exceptions import CallEditConflict, CallEditError, FormationError, RunEditConflict
from cercles.formation.forms import (
    ApplicationForm,
    BaseQuestionFormSet,
    CallEditForm,
    CallForm,
    EditForm,
    MoveForm,
    SeatForm,
    question_formset,
)
from cercles.formation.models import Application, RunStatus
from cercles.people.models import User


def me(request: HttpRequest) -> User:
    """The signed-in person (the views that call this are behind ``login_required``)."""
    return cast(User, request.user)


def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "formation/call_list.html", {"calls": selectors.call_list_open()})


def apply(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.call_get(call_id=call_id)
    application = selectors.application_for(call=call, user=me(request))
    form = ApplicationForm(request.POST or None, call=call)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            try:
                services.application_submit(
                    call_id=call.pk,
                    user=me(request),
                    motivation=form.cleaned_data["motivation"],
                    slot_ids=[s.pk for s in form.cleaned_data["slots"]],
                    avoid_text=form.cleaned_data["avoid_text"],
                    avoid_same_organisation=form.cleaned_data["avoid_same_organisation"],
                    with_text=form.cleaned_data["with_text"],
                    answers=form.answers(),
                )
            except FormationError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Votre candidature est enregistrée. Un e-mail vous le confirme."))
                return redirect("formation:apply", call_id=call.pk)
    context = {"call": call, "application": application, "form": form}
    return render(request, "formation/apply.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def withdraw(request: HttpRequest, call_id: int) -> HttpResponse:
    services.application_withdraw(call_id=call_id, user=me(request))
    messages.success(request, _("Votre candidature est retirée."))
    return redirect("formation:apply", call_id=call_id)


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    calls = selectors.call_list_for_manager(user=me(request))
    return render(request, "formation/manage_list.html", {"calls": calls})


def _call_form_refused(form: CallForm, questions: BaseQuestionFormSet, error: CallEditError) -> None:
    """Show a refusal of the service next to the field at fault (the questions' list for a question)."""
    if error.field == "questions":
        questions.non_form_errors().append(str(error.message))
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _call_form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    questions: BaseQuestionFormSet = context["questions"]
    refused = bool(context["form"].errors) or (questions.is_bound and questions.total_error_count() > 0)
    return render(request, "formation/call_form.html", context, status=400 if refused else 200)


@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    require(me(request), "formation.manage_calls")
    form = CallForm(request.POST or None)
    questions = question_formset(request.POST or None)
    if request.method == "POST" and all([form.is_valid(), questions.is_valid()]):
        kind_id, fields = form.fields_for_service(questions.questions())
        try:
            call = services.call_create(created_by=me(request), kind_id=kind_id, fields=fields)
        except CallEditError as error:
            _call_form_refused(form, questions, error)
        else:
            messages.success(request, _("L'appel est ouvert."))
            return redirect("formation:manage", call_id=call.pk)
    return _call_form_page(request, {"form": form, "questions": questions})


@login_required
def call_edit(request: HttpRequest, call_id: int) -> HttpResponse:
    editing = selectors.call_get_for_editing(call_id=call_id, user=me(request))
    call = editing.call
    data = request.POST if request.method == "POST" else None
    form = CallEditForm(data, call=call)
    questions = question_formset(data, questions=editing.questions, frozen=editing.has_applications)
    if data is not None and all([form.is_valid(), questions.is_valid()]):
        fields = form.fields_for_service(questions.questions())[1]
        try:
            services.call_update(
                call_id=call.pk, updated_by=me(request), version=form.cleaned_data["version"], fields=fields
            )
        except CallEditError as error:
            _call_form_refused(form, questions, error)
        except CallEditConflict as conflict:
            # Keep what was typed, against the version now saved, so that saving again can pass.
            editing = selectors.call_get_for_editing(call_id=call.pk, user=me(request))
            typed = request.POST.copy()
            typed["version"] = str(editing.call.version)
            form = CallEditForm(typed, call=editing.call)
            form.is_valid()
            form.add_error(None, str(conflict.message))
            questions = question_formset(typed, questions=editing.questions, frozen=editing.has_applications)
        else:
            messages.success(request, _("L'appel est modifié."))
            return redirect("formation:manage", call_id=call.pk)
    context = {"form": form, "questions": questions, "editing": editing, "call": editing.call}
    return _call_form_page(request, context)


@login_required
def manage(request: HttpRequest, call_id: int) -> HttpResponse:
    view = selectors.call_get_for_manager(call_id=call_id, user=me(request))
    return render(request, "formation/manage.html", {"view": view, "call": view.call, "move_form": MoveForm()})


@login_required
@require_POST
def run_start(request: HttpRequest, call_id: int) -> HttpResponse:
    run = services.run_start(call_id=call_id, started_by=me(request))
    return redirect("formation:run", run_id=run.pk)


@login_required
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.run_get_for_manager(run_id=run_id, user=me(request))
    if not found.has_result and not found.error:
        return render(request, "formation/run_progress.html", {"run": found})
    evaluator = services.run_evaluator(found) if found.has_result else None
    result = selectors.run_result(
        run=found,
        objective=evaluator.objective if evaluator else None,
        violations=evaluator.violations() if evaluator else (),
    )
    return render(request, "formation/run_result.html", {"run": found, "result": result})


@login_required
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.run_get_for_manager(run_id=run_id, user=me(request))
    response = render(request, "formation/_run_progress.html", {"run": found})
    if found.has_result or found.error:
        response["HX-Redirect"] = reverse("formation:run", args=[found.pk])
    return response


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    services.run_cancel(run_id=run_id, cancelled_by=me(request))
    messages.info(request, _("Le calcul s'arrête : la meilleure répartition trouvée jusque-là sera affichée."))
    return redirect("formation:run", run_id=run_id)


@login_required
@require_GET
def run_preview(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.run_get_for_manager(run_id=run_id, user=me(request), light=True)
    form = EditForm({**request.GET.dict(), "version": found.edits_version})
    effect = None
    error = ""
    if form.is_valid() and found.status in (RunStatus.DONE, RunStatus.CANCELLED):
        person, group, swap = form.target()
        try:
            effect = services.run_preview(run=found, person=person, group=group, swap_with=swap)
        except FormationError as failure:
            error = str(failure.message)
    breaks: list[str] = []
    repairs: list[str] = []
    if effect is not None and (effect.breaks or effect.repairs):
        names = selectors.run_names(people=explain.people_named([*effect.breaks, *effect.repairs]))
        breaks = [explain.violation_sentence(v, names) for v in effect.breaks]
        repairs = [explain.violation_sentence(v, names) for v in effect.repairs]
    context = {"effect": effect, "error": error, "breaks": breaks, "repairs": repairs, "run": found}
    return render(request, "formation/_preview.html", context)


@login_required
@require_POST
def run_edit(request: HttpRequest, run_id: int) -> HttpResponse:
    form = EditForm(request.POST)
    if not form.is_valid():
        raise FormationError(_("Choisissez une personne et un groupe."))
    person, group, swap = form.target()
    try:
        services.run_edit(
            run_id=run_id,
            edited_by=me(request),
            version=form.cleaned_data["version"],
            person=person,
            group=group,
            swap_with=swap,
        )
    except RunEditConflict as conflict:
        messages.error(request, str(conflict.message))
    return redirect("formation:run", run_id=run_id)


@login_required
@require_POST
def run_lock(request: HttpRequest, run_id: int, group: int) -> HttpResponse:
    services.run_lock_toggle(run_id=run_id, edited_by=me(request), group=group - 1)
    return redirect("formation:run", run_id=run_id)


@login_required
@require_POST
def run_rerun(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.run_get_for_manager(run_id=run_id, user=me(request))
    new = services.run_start(call_id=found.call_id, started_by=me(request), rerun_of_id=found.pk)
    return redirect("formation:run", run_id=new.pk)


@login_required
@require_POST
def run_replay(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.run_get_for_manager(run_id=run_id, user=me(request))
    new = services.run_start(call_id=found.call_id, started_by=me(request), replay_of_id=found.pk)
    return redirect("formation:run", run_id=new.pk)


@login_required
@require_POST
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.run_get_for_manager(run_id=run_id, user=me(request))
    circles = services.call_publish(run_id=found.pk, published_by=me(request))
    messages.success(
        request,
        _("%(count)d cercles créés ; chaque personne placée est invitée à prendre sa place.") % {"count": len(circles)},
    )
    return redirect("formation:manage", call_id=found.call_id)


@login_required
@require_POST
def placement_move(request: HttpRequest, call_id: int) -> HttpResponse:
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise FormationError(_("Choisissez une personne et le cercle d'arrivée."))
    outcome = services.placement_move(
        call_id=call_id,
        application_id=form.cleaned_data["application"],
        to_circle_id=form.cleaned_data["circle"],
        moved_by=me(request),
    )
    messages.success(request, _("La personne a changé de cercle ; elle et les membres des deux cercles sont prévenus."))
    if outcome.breaks:
        names = selectors.run_names(people=explain.people_named(outcome.breaks))
        broken = "; ".join(explain.violation_sentence(v, names) for v in outcome.breaks)
        messages.warning(request, _("Attention, ce changement enfreint les contraintes de l'appel : %s.") % broken)
    return redirect("formation:manage", call_id=call_id)


@login_required
def seat(request: HttpRequest, application_id: int) -> HttpResponse:
    application: Application = selectors.seat_get_for_applicant(application_id=application_id, user=me(request))
    form = SeatForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_accept(
                application_id=application.pk, user=me(request), pact_accepted=form.cleaned_data["pact"]
            )
        except FormationError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Bienvenue : vous faites maintenant partie du cercle."))
            return redirect("circles:detail", circle_id=application.circle_id)
    return render(
        request, "formation/seat.html", {"application": application, "form": form}, status=400 if form.errors else 200
    )
