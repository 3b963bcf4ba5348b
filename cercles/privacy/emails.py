"""The privacy app's e-mail: the warning sent before an inactive account is anonymised."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from cercles.notifications.models import Message
from cercles.notifications.registry import Rendered, message_kind, render_templates

INACTIVITY_WARNING = "privacy.inactivity_warning"


@message_kind(INACTIVITY_WARNING)
def render_inactivity_warning(message: Message) -> Rendered | None:
    if message.recipient_id is None:
        return None
    person = get_user_model().objects.filter(pk=message.recipient_id, erased_at__isnull=True).first()
    if person is None or person.inactivity_warned_at is None:
        return None  # came back, or already erased: nothing to say
    deadline = person.inactivity_warned_at + datetime.timedelta(days=settings.INACTIVE_WARNING_DAYS)
    context = {"person": person, "deadline": deadline, "months": settings.INACTIVE_ACCOUNT_RETENTION_DAYS // 30}
    return render_templates("privacy/email/inactivity_warning", context)
