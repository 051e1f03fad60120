"""When course messages may go out: before the start, and never at night unless it is urgent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """Local hours without messages, e.g. 21:00-08:00 (may span midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Read "HH:MM-HH:MM"; raises ValueError otherwise."""
        first, sep, last = text.partition("-")
        if not sep:
            raise ValueError("expected HH:MM-HH:MM")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(last.strip()))

    def contains(self, moment: time) -> bool:
        """Whether a local time of day is quiet."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def end_of_quiet(moment: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime | None:
    """When the quiet hours around ``moment`` end, or ``None`` if ``moment`` is not quiet."""
    local = moment.astimezone(tz)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(day, quiet.end, tzinfo=tz).astimezone(moment.tzinfo)


def not_at_night(
    due: datetime, quiet: QuietHours, tz: ZoneInfo, event_at: datetime | None
) -> datetime:
    """``due`` moved to the end of the quiet hours if it falls into them, unless the event
    happens before the quiet hours end (then waiting would make the message useless)."""
    morning = end_of_quiet(due, quiet, tz)
    if morning is None or (event_at is not None and morning >= event_at):
        return due
    return morning


def course_start(starts_on: date, time_from: str, tz: ZoneInfo) -> datetime:
    """The moment a course begins, aware."""
    return datetime.combine(starts_on, time.fromisoformat(time_from), tzinfo=tz)


@dataclass(frozen=True)
class SendWindow:
    """When messages marked ``quiet`` may go: never in the quiet hours of ``tz``, unless the
    event they are about comes before the quiet hours end (waiting would make them useless)."""

    quiet: QuietHours
    tz: ZoneInfo

    def hold_until(self, now: datetime, event_at: datetime | None) -> datetime | None:
        """The morning a quiet message must wait for, or ``None`` if it may go now."""
        morning = end_of_quiet(now, self.quiet, self.tz)
        if morning is None or (event_at is not None and event_at <= morning):
            return None
        return morning
