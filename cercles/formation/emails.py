"""The formation's e-mails: one outbox row per person, rendered when the sweeper sends it.

Applicants are told on applying, withdrawing and the outcome (a seat offered, the waiting list, a
seat given away after the delay, a move); members of a circle are told when someone is moved in or out.
"""

from __future__ import annotations

from cercles.notifications.models import Message
from cercles.notifications.registry import Rendered, message_kind, render_templates

APPLICATION_KINDS = ("applied", "applied_late", "withdrawn", "seat_offered", "not_placed", "seat_expired", "moved")


def _application_renderer(event: str):  # type: ignore[no-untyped-def]
    def render(message: Message) -> Rendered | None:
        from cercles.formation.models import Application, FormedGroup

        application = (
            Application.objects.select_related("call", "user", "circle")
            .filter(pk=message.about.get("application"))
            .first()
        )
        if application is None:
            return None  # the account was erased: nothing left to tell
        group = (
            FormedGroup.objects.select_related("slot").filter(circle_id=application.circle_id).first()
            if application.circle_id
            else None
        )
        context = {
            "application": application,
            "call": application.call,
            "person": application.user,
            "circle": application.circle,
            "group": group,
        }
        return render_templates(f"formation/email/{event}", context)

    return render


for _event in APPLICATION_KINDS:
    message_kind(f"formation.{_event}")(_application_renderer(_event))


@message_kind("formation.circle_changed")
def render_circle_changed(message: Message) -> Rendered | None:
    from cercles.circles.models import Circle

    circle = Circle.objects.filter(pk=message.about.get("circle")).first()
    if circle is None or message.recipient is None:
        return None
    return render_templates("formation/email/circle_changed", {"circle": circle, "person": message.recipient})
