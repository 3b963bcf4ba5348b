"""iCalendar files of meetings (RFC 5545), built with ``icalendar``.

* A feed or a meeting's .ics is published as is (no METHOD): a calendar program subscribes or imports.
* An .ics attached to an e-mail is an invitation (RFC 5546): ``METHOD:REQUEST`` with the programme's
  address as ORGANIZER and the recipient as ATTENDEE, one event per file; ``METHOD:CANCEL`` for a
  cancellation. Thunderbird, Outlook and Google update the entry in place because the UID is stable and
  SEQUENCE grows with every change (``Meeting.sequence``).

Summaries are discreet (the circle's title, never its need) and events are ``CLASS:PRIVATE``; the join
address is in the description.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar
from django.conf import settings
from django.utils import timezone

from cercles.core.selectors import programme_name
from cercles.meetings.planning import PARIS

PRODID = "-//Cercles//Séances//FR"
UID_DOMAIN = "cercles"


@dataclass(frozen=True)
class EventData:
    uid: str
    sequence: int
    summary: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cancelled: bool
    location: str
    description: str
    updated_at: datetime.datetime


def _paris_timezone() -> icalendar.Timezone:
    """Europe/Paris with the EU rule (last Sunday of March / October), as calendar programs write it."""
    zone = icalendar.Timezone()
    zone.add("tzid", "Europe/Paris")
    summer = icalendar.TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("dtstart", datetime.datetime(1970, 3, 29, 2, 0))  # noqa: DTZ001 - a VTIMEZONE's local time
    summer.add("tzoffsetfrom", datetime.timedelta(hours=1))
    summer.add("tzoffsetto", datetime.timedelta(hours=2))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = icalendar.TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("dtstart", datetime.datetime(1970, 10, 25, 3, 0))  # noqa: DTZ001 - a VTIMEZONE's local time
    winter.add("tzoffsetfrom", datetime.timedelta(hours=2))
    winter.add("tzoffsetto", datetime.timedelta(hours=1))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _event(data: EventData, *, method: str | None, attendee: str | None) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{data.uid}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("last-modified", data.updated_at.astimezone(datetime.UTC))
    event.add("sequence", data.sequence)
    event.add("dtstart", data.starts_at.astimezone(PARIS))
    event.add("dtend", data.ends_at.astimezone(PARIS))
    event.add("summary", data.summary)
    event.add("class", "PRIVATE")
    event.add("status", "CANCELLED" if data.cancelled or method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if data.location:
        event.add("location", data.location)
    if data.description:
        event.add("description", data.description)
    if method is not None:
        organizer = icalendar.vCalAddress(f"mailto:{settings.MEETINGS_ORGANIZER_EMAIL}")
        organizer.params["cn"] = icalendar.vText(programme_name())
        event.add("organizer", organizer)
        if attendee:
            address = icalendar.vCalAddress(f"mailto:{attendee}")
            address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
            address.params["partstat"] = icalendar.vText("NEEDS-ACTION")
            event.add("attendee", address)
    return event


def calendar_bytes(
    events: Iterable[EventData], *, method: str | None = None, attendee: str | None = None, name: str = ""
) -> bytes:
    """An iCalendar object (CRLF, lines folded at 75 octets by icalendar) with the Paris VTIMEZONE."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(_paris_timezone())
    for data in events:
        calendar.add_component(_event(data, method=method, attendee=attendee))
    return calendar.to_ical()
