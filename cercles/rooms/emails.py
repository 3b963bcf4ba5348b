"""How the rooms' e-mails are rendered (queued by cercles/rooms/services.py).

The chosen client's e-mail is rendered when it is sent: if the choice changed meanwhile (another
person chosen, turns swapped, meeting cancelled or over), there is nothing to say any more.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cercles.notifications.models import Message
from cercles.notifications.registry import Rendered, message_kind, render_templates
from cercles.rooms.models import ClientTurn
from cercles.rooms.services import CLIENT_CHOSEN


@message_kind(CLIENT_CHOSEN)
def render_client_chosen(message: Message) -> Rendered | None:
    turn = (
        ClientTurn.objects.select_related("meeting__circle")
        .filter(meeting_id=message.about.get("meeting"), person_id=message.recipient_id)
        .first()
    )
    if turn is None or turn.meeting.cancelled_at is not None or turn.meeting.starts_at <= timezone.now():
        return None
    context = {
        "person": message.recipient,
        "meeting": turn.meeting,
        "circle": turn.meeting.circle,
        "second": turn.position > 1,
        "path": f"{settings.SITE_URL.rstrip('/')}{reverse('rooms:client', args=[turn.meeting_id])}",
    }
    return render_templates("rooms/email/client_chosen", context)
