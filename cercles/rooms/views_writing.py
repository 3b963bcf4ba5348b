"""Pages and endpoints of what is written in a room, the client turns and the summary after the meeting.

Drafts are saved by the room's script as people type (``Accept: application/json``: a JSON reply);
without a script the same forms post and come back. A refused save never loses what was typed: the
reply (JSON or page) carries it back with the stored text.
"""

from __future__ import annotations

import datetime
from itertools import zip_longest
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercles.core.exceptions import DomainError
from cercles.core.policy import PolicyDenied
from cercles.rooms import selectors, services
from cercles.rooms.exceptions import BAD_STEP, CLIENT_UNKNOWN, ArtefactConflict, ClientTurnError, WritingError

MAX_PLAN_LINES = 100  # lines read from a form; the service refuses more than its own limit


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _room_path(meeting_id: int) -> str:
    try:
        return reverse("rooms:room", args=[meeting_id])
    except NoReverseMatch:  # pragma: no cover - the room page comes with the room's interface
        return reverse("rooms:summary", args=[meeting_id])


def _refusal(error: DomainError) -> JsonResponse:
    # The policy's refusals name their rule for the logs; scripts get the contract's code.
    code = "not_allowed" if isinstance(error, PolicyDenied) else getattr(error, "code", "bad_request")
    return JsonResponse({"ok": False, "code": code, "message": str(error.message)}, status=error.status_code)


def _plan_from(request: HttpRequest) -> list[services.CommitmentDraft] | None:
    """The action plan's lines from the form, or None when the form has no plan (a text-only slot)."""
    if "plan" not in request.POST:
        return None
    texts = request.POST.getlist("commitment_text")[:MAX_PLAN_LINES]
    dues = request.POST.getlist("commitment_due")[:MAX_PLAN_LINES]
    return [services.CommitmentDraft(text=text, due=due) for text, due in zip_longest(texts, dues, fillvalue="")]


@login_required
@require_POST
def write(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Save a draft: ``step``, ``slot``, ``text``, ``version`` (the one it was typed on), and for an action
    plan ``plan`` with the lists ``commitment_text`` and ``commitment_due``."""
    step = _int(request.POST.get("step"))
    slot_key = request.POST.get("slot", "")[:40]
    text = request.POST.get("text", "")
    plan = _plan_from(request)
    try:
        if step is None:
            raise WritingError(BAD_STEP, code="no_such_slot")
        saved = services.artefact_save(
            meeting_id,
            author=request.user,  # type: ignore[arg-type]
            step=step,
            slot_key=slot_key,
            text=text,
            seen_version=_int(request.POST.get("version")) or 0,
            commitments=plan,
        )
    except ArtefactConflict as conflict:
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": False,
                    "code": conflict.code,
                    "message": str(conflict.message),
                    "text": conflict.text,
                    "version": conflict.version,
                    "plan": conflict.commitments,
                },
                status=409,
            )
        context = _refused_context(meeting_id, step, slot_key, text, plan, conflict)
        return render(request, "rooms/write_refused.html", context, status=409)
    except DomainError as error:
        if _wants_json(request):
            return _refusal(error)
        if error.status_code in (403, 404):
            raise
        context = _refused_context(meeting_id, step, slot_key, text, plan, error)
        return render(request, "rooms/write_refused.html", context, status=error.status_code)
    saved_at = timezone.localtime(saved.artefact.updated_at)
    if _wants_json(request):
        return JsonResponse({"ok": True, "version": saved.version, "saved_at": saved_at.isoformat()})
    messages.success(request, _("Enregistré à %(time)s.") % {"time": saved_at.strftime("%H:%M")})
    return redirect(_room_path(meeting_id))


def _refused_context(
    meeting_id: int,
    step: int | None,
    slot_key: str,
    text: str,
    plan: list[services.CommitmentDraft] | None,
    error: DomainError,
) -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "step": step,
        "slot_key": slot_key,
        "text": text,
        "plan": plan or [],
        "has_plan": plan is not None,
        "message": error.message,
        "stored": error if isinstance(error, ArtefactConflict) else None,
        "room_path": _room_path(meeting_id),
    }


@login_required
@require_POST
def share(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The author shares a writing with the circle (``what=cercle``) or consents to its publication
    (``what=publication``)."""
    step = _int(request.POST.get("step"))
    what = request.POST.get("what", services.ShareWhat.CIRCLE)
    try:
        if step is None:
            raise WritingError(BAD_STEP, code="no_such_slot")
        artefact = services.artefact_share(
            meeting_id,
            author=request.user,  # type: ignore[arg-type]
            step=step,
            slot_key=request.POST.get("slot", "")[:40],
            what=what,
        )
    except DomainError as error:
        if _wants_json(request):
            return _refusal(error)
        raise
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "visibility_label": str(
                    selectors.visibility_label(artefact.visibility, shared=artefact.shared_at is not None)
                ),
            }
        )
    if what == services.ShareWhat.PUBLICATION:
        messages.success(request, _("Votre accord pour la publication est enregistré."))
    else:
        messages.success(request, _("Votre texte est maintenant visible par le cercle."))
    return redirect(request.POST["next"] if _safe_next(request) else _room_path(meeting_id))


def _safe_next(request: HttpRequest) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


@login_required
def summary(request: HttpRequest, meeting_id: int) -> HttpResponse:
    page = selectors.meeting_summary(meeting_id=meeting_id, user=request.user)  # type: ignore[arg-type]
    return render(request, "rooms/summary.html", {"page": page, "meeting": page.meeting, "circle": page.meeting.circle})


@login_required
def client(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """GET: who is the client (facilitators: the fair proposal, the choice, the swaps; the client: their
    subject). POST ``action``: ``choisir`` (``client``, ``client_2``), ``echanger`` (``other_meeting``),
    ``sujet`` (``subject``). A refusal shows the page again with the message and what was typed."""
    user = request.user
    typed: dict[str, str] = {}
    error_message = ""
    error_field = ""
    status = 200
    stored_subject = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        typed = {key: request.POST.get(key, "") for key in ("client", "client_2", "other_meeting", "subject")}
        try:
            done = _client_action(request, meeting_id, action)
        except ClientTurnError as error:
            error_message, error_field, status = str(error.message), error.field or "", error.status_code
            stored_subject = getattr(error, "stored", None)
        else:
            messages.success(request, done)
            return redirect("rooms:client", meeting_id=meeting_id)
    page = selectors.client_page(meeting_id=meeting_id, user=user)  # type: ignore[arg-type]
    context = {
        "page": page,
        "meeting": page.meeting,
        "circle": page.meeting.circle,
        "typed": typed,
        "error_message": error_message,
        "error_field": error_field,
        "subject_max": selectors.CLIENT_SUBJECT_MAX_CHARS,
        "stored_subject": stored_subject,
    }
    return render(request, "rooms/client_turn.html", context, status=status)


def _moment(value: str) -> datetime.datetime | None:
    """An aware moment sent back by a form (ISO-8601), or None when absent or not one."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _client_action(request: HttpRequest, meeting_id: int, action: str) -> str:
    user = request.user
    if action == "choisir":
        first = _int(request.POST.get("client"))
        if first is None:
            raise ClientTurnError(CLIENT_UNKNOWN, field="client")
        second_typed = request.POST.get("client_2", "").strip()
        second = _int(second_typed)
        if second_typed and second is None:
            raise ClientTurnError(CLIENT_UNKNOWN, field="client_2")
        people = [first] if second is None else [first, second]
        services.client_turns_choose(meeting_id, chosen_by=user, people=people)  # type: ignore[arg-type]
        return _("Le choix est enregistré ; la personne choisie est prévenue par e-mail.")
    if action == "echanger":
        other = _int(request.POST.get("other_meeting"))
        if other is None:
            raise ClientTurnError(CLIENT_UNKNOWN, field="other_meeting")
        services.client_turns_swap(meeting_id, other, swapped_by=user)  # type: ignore[arg-type]
        return _("Les tours sont échangés ; les deux client·es sont prévenu·es par e-mail.")
    if action == "sujet":
        services.client_subject_save(
            meeting_id,
            client=user,  # type: ignore[arg-type]
            subject=request.POST.get("subject", ""),
            seen_updated_at=_moment(request.POST.get("seen", "")),
        )
        return _("Votre sujet est enregistré.")
    raise ClientTurnError(CLIENT_UNKNOWN)
