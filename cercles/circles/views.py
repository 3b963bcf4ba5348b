"""Pages of the programme: home by need, catalogue, circle page, joining, editing, my circles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from cercles.circles import selectors, services
from cercles.circles.exceptions import INVITATION_SENT, CircleEditConflict, CircleEditError
from cercles.circles.forms import (
    CatalogueFilterForm,
    CircleEditForm,
    DecisionForm,
    FacilitatorInviteForm,
    InvitationAnswerForm,
    JoinForm,
)
from cercles.circles.hooks import my_circles_templates
from cercles.circles.models import Circle, CircleStatus, FacilitatorInvitation, MembershipStatus
from cercles.circles.rules import join_refusal
from cercles.core.page_cache import anonymous_page_cache
from cercles.people.selectors import profile_for_user

CATALOGUE_PAGE_SIZE = 20


@anonymous_page_cache  # the same for every anonymous visitor: served from the cache (core/page_cache.py)
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "sections": selectors.home_need_sections(),
        "open_soon": selectors.circle_list_open_soon(),
    }
    return render(request, "circles/home.html", context)


@vary_on_headers("HX-Request")  # the same URL answers a full page or the htmx fragment
@anonymous_page_cache
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.circle_list_catalogue(filters=filters), CATALOGUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "filters": filters}
    template = "circles/_catalogue_results.html" if request.htmx else "circles/catalogue.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@anonymous_page_cache  # an anonymous visitor sees no member, no form with a token
def detail(request: HttpRequest, circle_id: int) -> HttpResponse:
    view = selectors.circle_get_for_user(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    context = {"view": view, "circle": view.circle, "join_form": JoinForm(), "decision_form": DecisionForm()}
    return render(request, "circles/detail.html", context)


@login_required
def join(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_get(circle_id=circle_id)
    membership = selectors.membership_for(circle=circle, user=request.user)  # type: ignore[arg-type]
    refusal = join_refusal(circle=circle, membership=membership, today=timezone.localdate())
    if refusal is not None:
        messages.info(request, str(refusal))
        return redirect("circles:detail", circle_id=circle.pk)
    if not profile_for_user(user=request.user).is_complete:  # type: ignore[arg-type]
        messages.info(request, _("Complétez votre profil avant de rejoindre un cercle."))
        return redirect(f"{reverse('people:profile_edit')}?next={reverse('circles:join', args=[circle.pk])}")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.membership_request(
            circle_id=circle.pk,
            user=request.user,  # type: ignore[arg-type]
            pact_accepted=form.cleaned_data["pact"],
            application_message=form.cleaned_data["message"],
        )
        messages.success(request, _join_message(outcome))
        return redirect("circles:detail", circle_id=circle.pk)
    context = {"circle": circle, "form": form, "rank": selectors.waitlist_rank_on_joining(circle=circle)}
    return render(request, "circles/join.html", context)


def _join_message(outcome: services.JoinOutcome) -> str:
    status = outcome.membership.status
    if status == MembershipStatus.ACTIVE:
        return _("Bienvenue ! Vous faites maintenant partie du cercle.")
    if status == MembershipStatus.PENDING:
        return _("Votre candidature est envoyée à l'animation, qui vous répondra par e-mail.")
    return _("Le cercle est complet : vous êtes n° %(rank)s sur la liste d'attente.") % {"rank": outcome.waitlist_rank}


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, circle_id: int) -> HttpResponse:
    """GET says what leaving costs (the seat goes to the next person, the rank is lost); POST leaves."""
    if request.method == "POST":
        circle = selectors.circle_get(circle_id=circle_id)
        services.membership_leave(circle_id=circle.pk, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("C'est noté : vous ne faites plus partie de ce cercle."))
        return redirect("circles:detail", circle_id=circle.pk)
    preview = selectors.membership_leave_preview(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    return render(request, "circles/leave.html", {"preview": preview, "circle": preview.circle})


@login_required
def edit(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_get_for_manager(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    form = CircleEditForm(request.POST or None, initial=CircleEditForm.initial_for(circle))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.circle_update(
                circle_id=circle.pk,
                editor=request.user,  # type: ignore[arg-type]
                version=version,
                changes=services.CircleChanges(**data),  # type: ignore[arg-type]
            )
        except CircleEditError as error:
            form.add_error(error.field, str(error.message))
        except CircleEditConflict as error:
            # Keep what was typed, but against the version now saved, so that the next save can pass.
            circle = selectors.circle_get(circle_id=circle.pk)
            data = request.POST.copy()
            data["version"] = str(circle.version)
            form = CircleEditForm(data, initial=form.initial)
            form.is_valid()
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Le cercle est mis à jour."))
            return redirect("circles:detail", circle_id=circle.pk)
    return render(request, "circles/edit.html", _edit_context(circle, form=form))


def _edit_context(circle: Circle, **forms: object) -> dict[str, object]:
    return {
        "circle": circle,
        "form": forms.get("form") or CircleEditForm(initial=CircleEditForm.initial_for(circle)),
        "facilitator_form": forms.get("facilitator_form") or FacilitatorInviteForm(),
        "pending_invitations": selectors.invitation_list_pending(circle=circle),
    }


@login_required
@require_POST
def facilitator_invite(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = selectors.circle_get_for_manager(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    form = FacilitatorInviteForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        services.facilitator_invite(circle_id=circle.pk, invited_by=request.user, email=email)  # type: ignore[arg-type]
        messages.success(request, str(INVITATION_SENT).format(email=email))
        return redirect("circles:edit", circle_id=circle.pk)
    return render(request, "circles/edit.html", _edit_context(circle, facilitator_form=form), status=400)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, circle_id: int, invitation_id: int) -> HttpResponse:
    circle = selectors.circle_get_for_manager(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    invitation = get_object_or_404(FacilitatorInvitation, pk=invitation_id, circle=circle)
    services.facilitator_invitation_withdraw(invitation_id=invitation.pk, withdrawn_by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("L'invitation est retirée : son lien ne fonctionne plus."))
    return redirect("circles:edit", circle_id=circle.pk)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page a co-facilitation invitation's link opens: read the pact, accept or decline."""
    invitation = selectors.invitation_from_token(token=token)
    form = InvitationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["answer"] == "decliner":
            services.facilitator_invitation_decline(invitation_id=invitation.pk)
            messages.success(request, _("C'est noté : vous avez décliné l'invitation."))
            return redirect("circles:detail", circle_id=invitation.circle_id)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        services.facilitator_invitation_accept(
            invitation_id=invitation.pk,
            user=request.user,  # type: ignore[arg-type]
            pact_accepted=form.cleaned_data["pact"],
        )
        messages.success(request, _("Bienvenue dans l'animation du cercle !"))
        return redirect("circles:detail", circle_id=invitation.circle_id)
    context = {"invitation": invitation, "circle": invitation.circle, "form": form, "now": timezone.now()}
    return render(request, "circles/invitation.html", context)


@login_required
@require_POST
def facilitator_remove(request: HttpRequest, circle_id: int, membership_id: int) -> HttpResponse:
    circle = selectors.circle_get_for_manager(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    services.facilitator_remove(circle_id=circle.pk, removed_by=request.user, membership_id=membership_id)  # type: ignore[arg-type]
    messages.success(request, _("La personne n'anime plus ce cercle."))
    return redirect("circles:edit", circle_id=circle.pk)


@login_required
@require_POST
def decide(request: HttpRequest, circle_id: int, membership_id: int) -> HttpResponse:
    circle = selectors.circle_get_for_manager(circle_id=circle_id, user=request.user)  # type: ignore[arg-type]
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez d'accepter ou de refuser la candidature."))
        return redirect("circles:detail", circle_id=circle.pk)
    approve = form.cleaned_data["decision"] == "accepter"
    services.application_decide(
        circle_id=circle.pk,
        membership_id=membership_id,
        decided_by=request.user,  # type: ignore[arg-type]
        approve=approve,
        message=form.cleaned_data["message"],
    )
    messages.success(request, _("Candidature acceptée.") if approve else _("Candidature refusée."))
    return redirect("circles:detail", circle_id=circle.pk)


@login_required
def my_circles(request: HttpRequest) -> HttpResponse:
    context = {
        "mine": selectors.my_circles(user=request.user),  # type: ignore[arg-type]
        "extra_templates": my_circles_templates(),
        "profile": profile_for_user(user=request.user),  # type: ignore[arg-type]
    }
    return render(request, "circles/my_circles.html", context)


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """The programme in figures, without names: coordinators and observers."""
    context = {
        "figures": selectors.programme_figures(user=request.user),  # type: ignore[arg-type]
        "statuses": CircleStatus.choices,
    }
    return render(request, "circles/figures.html", context)
