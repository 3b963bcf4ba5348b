"""Pages and endpoints of the live room: the room page (a thin shell), its JSON snapshot, its commands.

Commands are plain form POSTs (CSRF-protected), so the room works without JavaScript and without
WebSockets: with ``Accept: application/json`` the answer is JSON (``{"ok", "version"}`` or
``{"ok": false, "code", "message"}``); otherwise the browser comes back to the room page with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cercles.core.policy import PolicyDenied
from cercles.rooms import refusals, selectors, services
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


@login_required
@require_GET
def room_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room page (the UI's template draws it from the snapshot; forms post commands)."""
    meeting = selectors.room_meeting(meeting_id=meeting_id, user=request.user)  # type: ignore[arg-type]
    services.room_open(meeting, opened_by=request.user)  # type: ignore[arg-type]
    snapshot = selectors.room_snapshot(meeting_id, request.user, timezone.now())  # type: ignore[arg-type]
    context = {"snapshot": snapshot, "meeting": meeting, "circle": meeting.circle}
    return render(request, "rooms/room.html", context)


@login_required
@require_GET
@never_cache
def snapshot(request: HttpRequest, meeting_id: int) -> JsonResponse:
    """The room's state for the person, as JSON (docs/rooms.md, "The snapshot")."""
    try:
        meeting = selectors.room_meeting(meeting_id=meeting_id, user=request.user)  # type: ignore[arg-type]
        services.room_open(meeting, opened_by=request.user)  # type: ignore[arg-type]
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
