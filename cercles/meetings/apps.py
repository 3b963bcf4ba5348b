from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "cercles.meetings"
    verbose_name = _("Séances")

    def ready(self) -> None:
        from cercles.circles.hooks import (
            on_circle_closed,
            on_circle_list,
            on_circle_page,
            on_demo_loaded,
            on_my_circles_page,
        )
        from cercles.meetings import emails, jobs  # noqa: F401  (message kinds and periodic jobs)
        from cercles.meetings.demo import plan_demo_cycles
        from cercles.meetings.selectors import annotate_next_meeting
        from cercles.meetings.services import meetings_cancel_for_closed_circle

        on_circle_closed(meetings_cancel_for_closed_circle)
        on_circle_list(annotate_next_meeting)
        on_circle_page("meetings/_circle_section.html")
        on_my_circles_page("meetings/_my_upcoming.html")
        on_demo_loaded(plan_demo_cycles)

        from cercles.core.sitemap import SitePage, register_page

        register_page(
            SitePage("mon_espace", _("Mes prochaines séances"), "meetings:upcoming", audience="signed_in", order=20)
        )
        register_page(SitePage("mon_espace", _("Mon agenda"), "meetings:my_calendar", audience="signed_in", order=30))
        register_page(
            SitePage(
                "coordination",
                _("Calendrier du programme"),
                "meetings:programme_calendar",
                rule="meetings.programme_calendar",
                order=20,
            )
        )
