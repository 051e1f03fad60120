"""The catalogue in the database: import with change detection, following courses, and the
course messages (written to the outbox in the same transaction as their cause)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.outbox import Outbox
from bot.core.courses.matching import CourseView, Filters, eligible_types, matches
from bot.core.courses.model import ACTIVE, ARCHIVED, CANCELLED, Course
from bot.core.rules.timing import QuietHours, course_start, not_at_night
from bot.delivery.intents import CourseEvent, CourseNews, CourseStart
from bot.storage.courses import to_view
from bot.storage.models import CourseRow, CourseSubscriptionRow, MatchSubscriptionRow

# Changes newcomers must hear of: when, where, at what times, and cancellation.
IMPORTANT = ("starts_on", "ends_on", "weekdays", "time_from", "time_to", "address", "district")


@dataclass(frozen=True)
class ReminderPlan:
    """When course messages go out: days before the start, quiet hours, local time zone."""

    days_before: tuple[int, ...] = (7, 1)
    quiet: QuietHours = field(default_factory=lambda: QuietHours.parse("21:00-08:00"))
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))


@dataclass
class ImportReport:
    """What an import did."""

    added: int = 0
    updated: int = 0
    changed: int = 0
    cancelled: int = 0
    unchanged: int = 0
    archived: int = 0
    messages: int = 0

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated ({self.changed} changed, "
            f"{self.cancelled} cancelled), {self.unchanged} unchanged, {self.archived} archived, "
            f"{self.messages} messages queued"
        )


def course_topic(course_id: int, user_id: int) -> str:
    """The outbox topic of one follower's messages about one course."""
    return f"course:{course_id}:{user_id}"


def _fields(course: Course) -> dict[str, object]:
    return {
        "type": course.type,
        "level": course.level,
        "starts_on": course.starts_on,
        "ends_on": course.ends_on,
        "weekdays": ",".join(str(d) for d in course.weekdays),
        "time_from": course.time_from,
        "time_to": course.time_to,
        "address": course.address,
        "district": course.district,
        "latitude": course.latitude,
        "longitude": course.longitude,
        "target_group": course.target_group,
        "childcare": course.childcare,
        "free_places": course.free_places,
        "registration": course.registration,
    }


class Catalogue:
    """Course rules over the database."""

    def __init__(self, plan: ReminderPlan) -> None:
        self.plan = plan

    def _due(self, now: datetime, event_at: datetime | None = None) -> datetime:
        return not_at_night(now, self.plan.quiet, self.plan.tz, event_at)

    async def _tell_followers(
        self, session: AsyncSession, row: CourseRow, event: CourseEvent, now: datetime, tag: str
    ) -> int:
        subs = (
            await session.execute(
                select(CourseSubscriptionRow).where(CourseSubscriptionRow.course_id == row.id)
            )
        ).scalars()
        count = 0
        start = course_start(row.starts_on, row.time_from, self.plan.tz)
        # Whether the message may come at night is measured against a start still ahead.
        ahead = start if event != "cancelled" and start > now else None
        for sub in subs:
            await Outbox(session).to_user(
                sub.user_id,
                CourseNews(row.id, event, sub.language),
                key=f"course:{row.id}:{event}:{tag}:{sub.user_id}",
                now=now,
                due_at=self._due(now, ahead),
                topic=course_topic(row.id, sub.user_id),
                quiet=True,
                event_at=ahead,
            )
            # Reminders before the start follow the new plan (or stop when cancelled).
            if event == "cancelled":
                await Outbox(session).drop_topic(
                    course_topic(row.id, sub.user_id), kinds=(CourseStart.kind,)
                )
            else:
                await self._plan_before_start(session, row, sub.user_id, sub.language, now)
            count += 1
        return count

    async def _plan_before_start(
        self, session: AsyncSession, row: CourseRow, user_id: int, language: str, now: datetime
    ) -> int:
        """Write the reminders before the course starts, as the course is planned now.

        Each key names the moment it is for, so a changed start time plans new reminders, the
        same plan again plans none, and pending reminders of an older plan are dropped.
        """
        start = course_start(row.starts_on, row.time_from, self.plan.tz)
        topic = course_topic(row.id, user_id)
        planned: list[tuple[str, int, datetime]] = []
        for days in self.plan.days_before:
            moment = start - timedelta(days=days)
            due = self._due(moment, start)
            if due <= now:
                continue
            key = f"course:{row.id}:starts:{days}d:{moment.astimezone(UTC):%Y%m%dT%H%M}:{user_id}"
            planned.append((key, days, due))
        outbox = Outbox(session)
        await outbox.drop_topic(topic, kinds=(CourseStart.kind,), keep=[k for k, _d, _t in planned])
        for key, days, due in planned:
            await outbox.to_user(
                user_id,
                CourseStart(row.id, days, language, start.astimezone(UTC)),
                key=key,
                now=now,
                due_at=due,
                topic=topic,
                quiet=True,
                event_at=start,
                expires_at=start,
            )
        return len(planned)

    async def import_courses(
        self,
        session: AsyncSession,
        courses: Iterable[Course],
        *,
        source: str,
        now: datetime,
        complete: bool = True,
    ) -> ImportReport:
        """Apply a provider file: add, update by (provider, code), cancel what disappeared
        (only for a ``complete`` plan, not for single courses an admin adds or edits),
        archive what is over, and queue the messages subscribers must get."""
        report = ImportReport()
        today = now.astimezone(self.plan.tz).date()
        courses = list(courses)
        providers = {c.provider for c in courses}
        existing = {
            (r.provider, r.code): r
            for r in (
                await session.execute(select(CourseRow).where(CourseRow.provider.in_(providers)))
            ).scalars()
        }
        stamp = now.strftime("%Y%m%dT%H%M%S")
        for course in courses:
            row = existing.pop(course.key, None)
            status = CANCELLED if course.cancelled else ACTIVE
            if row is None:
                row = CourseRow(
                    provider=course.provider,
                    code=course.code,
                    status=status,
                    fingerprint=course.fingerprint(),
                    source=source,
                    created_at=now,
                    updated_at=now,
                    **_fields(course),
                )
                session.add(row)
                await session.flush()
                report.added += 1
                if status == ACTIVE and course.starts_on >= today:
                    report.messages += await self._tell_matching(session, row, now)
                continue
            if row.fingerprint == course.fingerprint() and row.status in (status, ARCHIVED):
                report.unchanged += 1
                continue
            before = {k: getattr(row, k) for k in IMPORTANT}
            for key, value in _fields(course).items():
                setattr(row, key, value)
            row.fingerprint, row.source, row.updated_at = course.fingerprint(), source, now
            report.updated += 1
            if status == CANCELLED and row.status == ACTIVE:
                row.status = CANCELLED
                report.cancelled += 1
                report.messages += await self._tell_followers(session, row, "cancelled", now, stamp)
            elif row.status == ACTIVE and any(getattr(row, k) != v for k, v in before.items()):
                report.changed += 1
                report.messages += await self._tell_followers(session, row, "changed", now, stamp)
            elif status == ACTIVE and row.status == CANCELLED:
                row.status = ACTIVE  # re-offered by the provider: followers hear of it again
                report.changed += 1
                report.messages += await self._tell_followers(session, row, "changed", now, stamp)
        for row in existing.values() if complete else ():  # gone from the plan: cancelled
            if row.status == ACTIVE and row.starts_on >= today:
                row.status, row.updated_at = CANCELLED, now
                report.cancelled += 1
                report.messages += await self._tell_followers(session, row, "cancelled", now, stamp)
        report.archived = await self.archive(session, today)
        return report

    async def cancel(self, session: AsyncSession, course_id: int, now: datetime) -> bool:
        """Cancel one course (an admin's decision); followers are told."""
        row = await session.get(CourseRow, course_id)
        if row is None or row.status != ACTIVE:
            return False
        row.status, row.updated_at = CANCELLED, now
        await self._tell_followers(session, row, "cancelled", now, now.strftime("%Y%m%dT%H%M%S"))
        return True

    async def archive(self, session: AsyncSession, today: date) -> int:
        """Archive courses that are over (kept, not deleted)."""
        result = await session.execute(
            update(CourseRow)
            .where(CourseRow.ends_on < today, CourseRow.status != ARCHIVED)
            .values(status=ARCHIVED)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _tell_matching(self, session: AsyncSession, row: CourseRow, now: datetime) -> int:
        view = to_view(row)
        today = now.astimezone(self.plan.tz).date()
        start = course_start(row.starts_on, row.time_from, self.plan.tz)
        count = 0
        for sub in (await session.execute(select(MatchSubscriptionRow))).scalars():
            filters = Filters.from_json(dict(sub.filters))
            age = str(sub.filters.get("age") or "")
            if not matches(view, filters, eligible_types(age), today):
                continue
            await Outbox(session).to_user(
                sub.user_id,
                CourseNews(row.id, "new", sub.language, sub.id),
                key=f"course:{row.id}:new:{sub.id}",
                now=now,
                due_at=self._due(now, start),
                topic=course_topic(row.id, sub.user_id),
                quiet=True,
                event_at=start,
                expires_at=start,
            )
            count += 1
        return count

    async def follow(
        self, session: AsyncSession, *, user_id: int, course_id: int, language: str, now: datetime
    ) -> bool:
        """Follow a course: reminders before the start, news when it changes."""
        row = await session.get(CourseRow, course_id)
        if row is None or row.status != ACTIVE:
            return False
        if await session.get(CourseSubscriptionRow, (user_id, course_id)) is None:
            session.add(
                CourseSubscriptionRow(
                    user_id=user_id, course_id=course_id, language=language, created_at=now
                )
            )
            await session.flush()
            await self._plan_before_start(session, row, user_id, language, now)
        return True

    async def follow_matches(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        filters: dict[str, object],
        language: str,
        now: datetime,
    ) -> int:
        """Ask for news of new matching courses; one such wish per user (the latest counts)."""
        await session.execute(
            delete(MatchSubscriptionRow).where(MatchSubscriptionRow.user_id == user_id)
        )
        row = MatchSubscriptionRow(
            user_id=user_id, filters=filters, language=language, created_at=now
        )
        session.add(row)
        await session.flush()
        return row.id

    async def unfollow(self, session: AsyncSession, *, user_id: int, course_id: int) -> None:
        """Stop a course's messages."""
        await session.execute(
            delete(CourseSubscriptionRow).where(
                CourseSubscriptionRow.user_id == user_id,
                CourseSubscriptionRow.course_id == course_id,
            )
        )
        await Outbox(session).drop_topic(course_topic(course_id, user_id))

    async def unfollow_matches(self, session: AsyncSession, *, user_id: int) -> None:
        """Stop news of new courses."""
        await session.execute(
            delete(MatchSubscriptionRow).where(MatchSubscriptionRow.user_id == user_id)
        )

    async def followed(
        self, session: AsyncSession, user_id: int
    ) -> tuple[tuple[CourseView, ...], bool]:
        """The courses a user follows, and whether they want news of new ones."""
        rows = await session.execute(
            select(CourseRow)
            .join(CourseSubscriptionRow, CourseSubscriptionRow.course_id == CourseRow.id)
            .where(CourseSubscriptionRow.user_id == user_id)
            .order_by(CourseRow.starts_on)
        )
        wants_news = (
            await session.scalar(
                select(MatchSubscriptionRow.id)
                .where(MatchSubscriptionRow.user_id == user_id)
                .limit(1)
            )
        ) is not None
        return tuple(to_view(r) for r in rows.scalars()), wants_news
