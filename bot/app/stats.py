"""The city's statistics: events without any user id, counted per week or month.

What is counted: conversations started, languages chosen, consents, results shown (by route),
bookings, attended and no-show visits (by point), course follows, wishes for course news (by
district, time and childcare), questions the bot could not answer (by language), check-ins
wanted or not (yes/no) and their answers (by check-in and answer). A count
under ``K_MIN`` is never shown or exported (k-anonymity): it reads "< 5".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.courses.matching import TIMES_OF_DAY, Filters, matches
from bot.core.courses.model import ACTIVE
from bot.core.state import State
from bot.storage.courses import to_view
from bot.storage.db import Database
from bot.storage.models import CourseRow, StatsEventRow

K_MIN = 5
KINDS = (
    "start",
    "language",
    "consent",
    "route",
    "booking",
    "attended",
    "no_show",
    "follow",
    "wish",
    "unanswered",
    "checkins",
    "checkin",
)


def milestones(before: State, after: State, started: bool) -> list[tuple[str, str | None]]:
    """What a step of the conversation counts for: (kind, detail)."""
    found: list[tuple[str, str | None]] = []
    if started:
        found.append(("start", None))
    if after.lang and after.lang != before.lang:
        found.append(("language", after.lang))
    if after.consent and not before.consent:
        found.append(("consent", None))
    if after.step == "result" and before.step != "result":
        found.append(("route", after.answers.get("status")))
    return found


async def record(
    session: AsyncSession,
    now: datetime,
    events: Iterable[tuple[str, str | None]],
    lang: str | None,
) -> None:
    """Add events in the caller's transaction."""
    for kind, detail in events:
        session.add(
            StatsEventRow(at=now, kind=kind, lang=lang, detail=(detail or None) and detail[:64])
        )


@dataclass(frozen=True)
class Table:
    """Counts per period (rows) and kind or detail (columns); ``None`` = fewer than K_MIN."""

    periods: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[tuple[str, str], int | None]

    def total(self, column: str) -> int | None:
        value = sum(v or 0 for (_p, c), v in self.cells.items() if c == column)
        return value if value >= K_MIN else None


def _period(moment: datetime, by: str, tz: ZoneInfo) -> str:
    day = moment.astimezone(tz).date()
    if by == "month":
        return f"{day:%Y-%m}"
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _anonymous(counts: Counter[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
    return {key: (n if n >= K_MIN else None) for key, n in counts.items()}


@dataclass(frozen=True)
class Wish:
    """People who asked for news of courses with these filters, and the courses on offer
    that fit them (starting today or later)."""

    district: str
    time_of_day: str
    childcare: str
    wishes: int | None  # None: fewer than K_MIN
    offered: int


class Statistics:
    """Counts for the console, from the events table only."""

    def __init__(self, db: Database, clock: Callable[[], datetime], tz: str) -> None:
        self.db = db
        self.clock = clock
        self.tz = ZoneInfo(tz)

    async def _rows(self, since: date) -> list[StatsEventRow]:
        start = datetime.combine(since, datetime.min.time(), self.tz)
        async with self.db.sessions() as session:
            rows = await session.execute(select(StatsEventRow).where(StatsEventRow.at >= start))
            return list(rows.scalars())

    async def overview(self, by: str = "week", periods: int = 8) -> Table:
        """Every kind per week (or month), the newest ``periods``."""
        today = self.clock().astimezone(self.tz).date()
        since = today - (timedelta(weeks=periods) if by == "week" else timedelta(days=31 * periods))
        counts: Counter[tuple[str, str]] = Counter(
            (_period(r.at, by, self.tz), r.kind) for r in await self._rows(since)
        )
        names = sorted({p for p, _k in counts})[-periods:]
        return Table(tuple(names), KINDS, _anonymous(counts))

    async def breakdown(self, kind: str, field: str, days: int = 90) -> Table:
        """One kind by language or detail over the last ``days`` (one period: "all")."""
        today = self.clock().astimezone(self.tz).date()
        rows = [r for r in await self._rows(today - timedelta(days=days)) if r.kind == kind]
        counts: Counter[tuple[str, str]] = Counter(
            ("all", (r.lang if field == "lang" else r.detail) or "–") for r in rows
        )
        columns = tuple(sorted({c for _p, c in counts}))
        return Table(("all",), columns, _anonymous(counts))

    async def wishes(self, days: int = 90) -> list[Wish]:
        """Course wishes of the last ``days`` against the courses on offer now: where the
        Kooperationsnetz sees demand without supply."""
        today = self.clock().astimezone(self.tz).date()
        table = await self.breakdown("wish", "detail", days)
        async with self.db.sessions() as session:
            courses = list(
                (
                    await session.execute(
                        select(CourseRow).where(
                            CourseRow.status == ACTIVE, CourseRow.starts_on >= today
                        )
                    )
                ).scalars()
            )
        views = [to_view(row) for row in courses]
        types = frozenset(view.type for view in views)
        found = []
        for detail in table.columns:
            district, time_of_day, childcare = ([*detail.split("/"), "–", "–"])[:3]
            # The same matching the newcomer's own course search uses.
            wish = Filters(
                district=None if district == "–" else district,
                time_of_day=time_of_day if time_of_day in TIMES_OF_DAY else None,
                childcare=childcare == "True",
            )
            offered = sum(1 for view in views if matches(view, wish, types, today))
            wishes = table.cells.get(("all", detail))
            found.append(Wish(district, time_of_day, childcare, wishes, offered))
        return sorted(found, key=lambda w: (-(w.wishes or 0), w.offered))
