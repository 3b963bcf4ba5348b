"""Pages and endpoints of the live room: the room page and its projector view, its JSON snapshot, its commands.

Commands are plain form POSTs (CSRF-protected), so the room works without JavaScript and without
WebSockets: with ``Accept: application/json`` the answer is JSON (``{"ok", "version"}`` or
``{"ok": false, "code", "message"}``); otherwise the browser comes back to the room page with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cercles.core.policy import PolicyDenied
from cercles.meetings.models import Meeting
from cercles.methods.exceptions import MethodNotDescribed
from cercles.methods.selectors import circle_method
from cercles.rooms import refusals, selectors, services
from cercles.rooms.display import client_messages, room_display
from cercles.rooms.refusals import RoomRefusal

COMMAND_ARGUMENTS = ("step", "minutes", "person", "order", "role")
# Before the start, the facilitation may run another variant of the method (argument ``variant``).
VARIANT_COMMAND = "variant"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refusal_json(code: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": str(refusals.message_for(code))}, status=status)


def _version(text: str) -> int | None:
    """The version the client saw; None when missing or not a number (then only idempotent commands pass)."""
    text = text.strip()
    if not text or len(text) > 12:
        return None
    try:
        return int(text)
    except ValueError:
        return None


class SeeOther(HttpResponseRedirect):
    # 303: after a POST the browser GETs the room page (never re-posts the command).
    status_code = 303


def _room_context(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    meeting = selectors.room_meeting(meeting_id=meeting_id, user=request.user)  # type: ignore[arg-type]
    services.room_open(meeting, opened_by=request.user)  # type: ignore[arg-type]
    snapshot = selectors.room_snapshot(meeting_id, request.user, timezone.now())  # type: ignore[arg-type]
    room = room_display(snapshot)
    return {
        "snapshot": snapshot,
        "meeting": meeting,
        "circle": meeting.circle,
        "room": room,
        "room_messages": client_messages(),
        "variants": _variants(meeting, request) if room.is_facilitator and room.status == "attente" else [],
        "summary_url": reverse("rooms:summary", args=[meeting.pk]) if room.ended else "",
    }


def _variants(meeting: Meeting, request: HttpRequest) -> list[dict[str, Any]]:
    """The method's variants the facilitation may pick before the start (the circle's durations)."""
    try:
        method = circle_method(circle_id=meeting.circle_id, user=request.user)  # type: ignore[arg-type]
    except (MethodNotDescribed, PolicyDenied):
        return []
    return [
        {"key": plan.protocol.key, "name": plan.protocol.name, "minutes": plan.total_minutes} for plan in method.plans
    ]


def _wants_fragment(request: HttpRequest) -> bool:
    # room.js swaps the page's live parts with this fragment when the version grows: one renderer.
    return request.GET.get("fragment") == "1"


@login_required
@require_GET
@never_cache
def room_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room page, drawn from the snapshot; works without JavaScript (forms post commands)."""
    context = _room_context(request, meeting_id)
    template = "rooms/_room_fragment.html" if _wants_fragment(request) else "rooms/room.html"
    return render(request, template, context)


@login_required
@require_GET
@never_cache
def projector(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The projector view: phase, time left, speaker in large type; no controls."""
    context = _room_context(request, meeting_id)
    template = "rooms/_projector_live.html" if _wants_fragment(request) else "rooms/projector.html"
    return render(request, template, context)


@login_required
@require_GET
@never_cache
def snapshot(request: HttpRequest, meeting_id: int) -> JsonResponse:
    """The room's state for the person, as JSON (docs/rooms.md, "The snapshot"); ``?tab=`` from a
    polling tab keeps its person present."""
    try:
        meeting = selectors.room_meeting(meeting_id=meeting_id, user=request.user)  # type: ignore[arg-type]
        services.room_open(meeting, opened_by=request.user)  # type: ignore[arg-type]
        # A tab that polls (no WebSocket) names itself: present while it polls (services.room_presence_poll).
        services.room_presence_poll(meeting_id, request.user, request.GET.get("tab", "")[:64])  # type: ignore[arg-type]
        data = selectors.room_snapshot(meeting_id, request.user, timezone.now())  # type: ignore[arg-type]
    except PolicyDenied:
        return _refusal_json(refusals.NOT_ALLOWED, 403)
    return JsonResponse(data)


@login_required
@require_POST
def command(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One command (``command``, ``version`` and its arguments), answered in JSON or by a redirect."""
    name = request.POST.get("command", "")
    seen_version = _version(request.POST.get("version", ""))
    arguments = {key: request.POST[key] for key in COMMAND_ARGUMENTS if key in request.POST}
    try:
        if name == VARIANT_COMMAND:
            room = services.room_choose_variant(
                meeting_id,
                request.POST.get("variant", "")[:40],
                chosen_by=request.user,  # type: ignore[arg-type]
                seen_version=seen_version if seen_version is not None else -1,
            )
        else:
            room = services.room_command(
                meeting_id,
                name,
                actor=request.user,  # type: ignore[arg-type]
                seen_version=seen_version,
                arguments=arguments,
            )
    except PolicyDenied:
        if _wants_json(request):
            return _refusal_json(refusals.NOT_ALLOWED, 403)
        raise
    except RoomRefusal as refusal:
        if _wants_json(request):
            return _refusal_json(refusal.code, refusal.status_code)
        messages.error(request, str(refusal.message))
        return SeeOther(reverse("rooms:room", args=[meeting_id]))
    if _wants_json(request):
        return JsonResponse({"ok": True, "version": room.version})
    return SeeOther(reverse("rooms:room", args=[meeting_id]))
