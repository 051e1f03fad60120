"""Calendar files (RFC 5545) for appointments, with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from bot.i18n.bidi import strip_controls


def ics_file(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    description: str,
    tz: ZoneInfo,
    stamp: datetime,
) -> tuple[str, bytes]:
    """A one-event calendar with a reminder one hour before; returns (file name, bytes).

    Times are written in UTC, which needs no VTIMEZONE block and every calendar app shows in
    the user's own time zone. DTSTAMP is ``stamp``, when the file is made (RFC 5545, 3.8.7.2).
    Direction marks are for chat bubbles; calendar apps would show them, so they are removed.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Wegweiser//Appointment//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    summary, location, description = (
        strip_controls(summary),
        strip_controls(location),
        strip_controls(description),
    )
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    calendar.add_component(event)
    return f"termin-{start.astimezone(tz):%Y-%m-%d-%H%M}.ics", calendar.to_ical()
