"""A provider's course plan uploaded by an admin: first what it would change, then applied.

The preview runs the real import in a transaction that is rolled back, so it counts exactly
what applying would do (new, changed, cancelled courses; messages to followers), with the same
checks as ``python -m bot courses import``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.app.courses import Catalogue, ImportReport
from bot.core.courses.csvfile import CourseFileError, read_courses
from bot.core.courses.model import Course
from bot.storage.cases import audit
from bot.storage.db import Database

MAX_PLAN_BYTES = 1_000_000


@dataclass(frozen=True)
class PlanCheck:
    """What a plan would do, or why it cannot be imported."""

    report: ImportReport | None
    errors: tuple[str, ...] = ()
    courses: int = 0


class CoursePlans:
    """Preview and apply a provider's CSV."""

    def __init__(self, db: Database, clock: Callable[[], datetime], catalogue: Catalogue) -> None:
        self.db = db
        self.clock = clock
        self.catalogue = catalogue

    @staticmethod
    def _read(text: str) -> tuple[list[Course], tuple[str, ...]]:
        if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
            return [], (f"the file is larger than {MAX_PLAN_BYTES // 1000} kB",)
        try:
            return read_courses(text), ()
        except CourseFileError as exc:
            return [], tuple(str(e) for e in exc.errors)

    async def preview(self, text: str, source: str) -> PlanCheck:
        courses, errors = self._read(text)
        if errors:
            return PlanCheck(None, errors)
        async with self.db.rehearsal() as session:
            report = await self.catalogue.import_courses(
                session, courses, source=source, now=self.clock()
            )
        return PlanCheck(report, (), len(courses))

    async def apply(self, actor_id: int, role: str, text: str, source: str) -> PlanCheck:
        courses, errors = self._read(text)
        if errors:
            return PlanCheck(None, errors)
        now = self.clock()
        async with self.db.transaction() as session:
            report = await self.catalogue.import_courses(session, courses, source=source, now=now)
            await audit(
                session,
                actor_id=actor_id,
                role=role,
                action="courses_import",
                now=now,
                detail=f"{source[:80]}: {report}"[:200],
            )
        return PlanCheck(report, (), len(courses))
