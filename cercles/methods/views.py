"""Pages of methods: the public explanations, the coordinators' editor, the facilitators' adaptation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cercles.core.policy import allows
from cercles.methods import selectors, services
from cercles.methods.exceptions import AdaptationConflict, MethodEditConflict, MethodInvalid
from cercles.methods.forms import (
    AdaptationForm,
    PhaseFormSet,
    ProtocolForm,
    phase_initial,
    role_choices,
)


def method_list(request: HttpRequest) -> HttpResponse:
    return render(request, "methods/list.html", {"methods": selectors.method_list()})


def method_detail(request: HttpRequest, slug: str) -> HttpResponse:
    view = selectors.method_get(slug=slug)
    can_edit = allows(request.user, "methods.edit_kind_method")
    return render(request, "methods/detail.html", {"view": view, "method": view.method, "can_edit": can_edit})


def circle_method(request: HttpRequest, circle_id: int) -> HttpResponse:
    view = selectors.circle_method(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    return render(request, "methods/circle.html", {"view": view, "circle": view.circle})


@login_required
def method_edit(request: HttpRequest, slug: str, protocol_key: str) -> HttpResponse:
    view, protocol = selectors.method_get_for_editor(slug=slug, protocol_key=protocol_key, user=request.user)  # type: ignore[arg-type]
    assert view.method is not None
    roles = role_choices(view.method)
    initial = {"version": view.version, "name": protocol.name, "when": protocol.when}
    form = ProtocolForm(request.POST or None, initial=initial)
    phases = PhaseFormSet(request.POST or None, initial=phase_initial(protocol), roles=roles)
    if request.method == "POST" and form.is_valid() and phases.is_valid():
        kept = phases.kept_forms()
        changes = services.ProtocolChanges(
            name=form.cleaned_data["name"], when=form.cleaned_data["when"], phases=[f.phase_input() for f in kept]
        )
        try:
            services.kind_method_update(
                kind_id=view.kind.pk,
                editor=request.user,  # type: ignore[arg-type]
                protocol_key=protocol.key,
                version=form.cleaned_data["version"],
                changes=changes,
            )
        except MethodInvalid as error:
            _attach_problems(error, form, kept)
        except MethodEditConflict as error:
            form = _form_at_current_version(request, slug, initial)
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("La méthode est enregistrée."))
            return redirect("methods:detail", slug=slug)
    context = {"view": view, "protocol": protocol, "form": form, "phases": phases}
    return render(request, "methods/edit.html", context, status=200)


def _attach_problems(error: MethodInvalid, form: ProtocolForm, kept: list) -> None:  # type: ignore[type-arg]
    """Each fault next to the field it names when the form has it, on top of the page otherwise."""
    for problem, message in zip(error.problems, error.messages, strict=True):
        where = problem.where
        if len(where) >= 5 and where[2] == "phases" and isinstance(where[3], int) and where[3] < len(kept):
            target = kept[where[3]]
            if where[4] in target.fields:
                target.add_error(where[4], message)
                continue
        form.add_error(None, message)


def _form_at_current_version(request: HttpRequest, slug: str, initial: dict[str, object]) -> ProtocolForm:
    # Keep what was typed, against the version now saved, so that the next save can pass.
    current = selectors.method_get(slug=slug)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = ProtocolForm(data, initial=initial)
    form.is_valid()
    return form


@login_required
def circle_method_adapt(request: HttpRequest, circle_id: int, protocol_key: str) -> HttpResponse:
    circle, plan = selectors.circle_plan_for_manager(
        circle_id=circle_id,
        protocol_key=protocol_key,
        user=request.user,  # type: ignore[arg-type]
    )
    initial = AdaptationForm.initial_for(plan.protocol, plan.steps, plan.version)
    form = AdaptationForm(request.POST or None, protocol=plan.protocol, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.circle_method_adapt(
                circle_id=circle.pk,
                editor=request.user,  # type: ignore[arg-type]
                protocol_key=protocol_key,
                version=form.cleaned_data["version"],
                choices=form.choices(),
            )
        except MethodInvalid as error:
            for message in error.messages:
                form.add_error(None, message)
        except AdaptationConflict as error:
            _circle, current = selectors.circle_plan_for_manager(
                circle_id=circle.pk,
                protocol_key=protocol_key,
                user=request.user,  # type: ignore[arg-type]
            )
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = AdaptationForm(data, protocol=plan.protocol, initial=initial)
            form.is_valid()
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Le déroulé du cercle est enregistré."))
            return redirect("methods:circle", circle_id=circle.pk)
    return render(request, "methods/adapt.html", {"circle": circle, "plan": plan, "form": form})
