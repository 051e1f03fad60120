"""The translators' use cases: the FAQ matrix, editing and reviewing an answer, its history,
and the questions the bot could not answer.

Every change is checked as the CLI checks it (placeholders, length, no HTML), written with its
history (who, when, from what) and audited; the caller reloads the bot's FAQ afterwards, so the
bot answers with the new text at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.faq.snapshot import CURRENT, MACHINE, MISSING, OUTDATED, SOURCE_LANGUAGE, FaqError
from bot.storage import faq as faq_store
from bot.storage.cases import audit
from bot.storage.db import Database
from bot.storage.models import FaqEntryRow, FaqHistoryRow, FaqTextRow, FaqUnansweredRow

STATES = (CURRENT, MACHINE, OUTDATED, MISSING)
PIVOT = "en"


@dataclass(frozen=True)
class Matrix:
    """Entries × languages with each answer's state, and per language the share reviewed."""

    languages: tuple[str, ...]
    rows: dict[str, dict[str, str]]
    reviewed: dict[str, int]


@dataclass(frozen=True)
class Change:
    """One line of an answer's history."""

    at: datetime
    actor_id: int
    action: str
    before: str | None
    after: str


@dataclass(frozen=True)
class Editor:
    """What a translator sees for one answer: the German source, the English pivot, the text."""

    slug: str
    lang: str
    source: str
    pivot: str | None
    text: str
    state: str
    history: tuple[Change, ...]


@dataclass(frozen=True)
class Question:
    """A question the bot could not answer (no asker)."""

    id: int
    lang: str
    text: str
    created_at: datetime


async def _recorded(
    session: AsyncSession,
    change: FaqHistoryRow,
    role: str,
    audited: str,
    detail: str,
) -> None:
    """An answer's change into its history and the audit log."""
    session.add(change)
    await audit(
        session, actor_id=change.actor_id, role=role, action=audited, now=change.at, detail=detail
    )


class Translations:
    """The FAQ as translators and admins change it."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    async def matrix(self, languages: tuple[str, ...]) -> Matrix:
        async with self.db.sessions() as session:
            rows = await faq_store.status(session, languages)
        total = len(rows) or 1
        reviewed = {
            lang: round(100 * sum(1 for row in rows.values() if row[lang] == CURRENT) / total)
            for lang in languages
        }
        return Matrix(languages, rows, reviewed)

    async def editor(self, slug: str, lang: str) -> Editor | None:
        async with self.db.sessions() as session:
            entry = await session.get(FaqEntryRow, slug)
            if entry is None:
                return None
            texts = {
                t.lang: t
                for t in (
                    await session.execute(select(FaqTextRow).where(FaqTextRow.slug == slug))
                ).scalars()
            }
            history = (
                await session.execute(
                    select(FaqHistoryRow)
                    .where(FaqHistoryRow.slug == slug, FaqHistoryRow.lang == lang)
                    .order_by(FaqHistoryRow.id.desc())
                    .limit(50)
                )
            ).scalars()
            changes = tuple(Change(h.at, h.actor_id, h.action, h.before, h.after) for h in history)
        pivot = texts[PIVOT].answer if PIVOT in texts else None
        if lang == SOURCE_LANGUAGE:
            return Editor(slug, lang, entry.source_text, pivot, entry.source_text, CURRENT, changes)
        text = texts.get(lang)
        if text is None:
            state = MISSING
        elif text.based_on != entry.source_hash:
            state = OUTDATED
        else:
            state = MACHINE if text.machine else CURRENT
        body = text.answer if text is not None else ""
        return Editor(slug, lang, entry.source_text, pivot, body, state, changes)

    async def save(self, actor_id: int, role: str, slug: str, lang: str, text: str) -> list[str]:
        """Save a person's text (it counts as reviewed); returns the languages the change of a
        German source made outdated.

        Raises:
            FaqError: unknown entry or a bad answer.
        """
        now = self.clock()
        async with self.db.transaction() as session:
            before = await self._current(session, slug, lang)
            outdated = await faq_store.set_answer(session, slug, lang, text, now, machine=False)
            change = FaqHistoryRow(
                slug=slug,
                lang=lang,
                at=now,
                actor_id=actor_id,
                action="saved",
                before=before,
                after=text.strip(),
            )
            await _recorded(session, change, role, "faq_set", f"{slug} {lang} (console)")
        return outdated

    async def mark_reviewed(self, actor_id: int, role: str, slug: str, lang: str) -> None:
        """A person checked the machine-made text and keeps it as it is.

        Raises:
            FaqError: there is no current text in that language to review.
        """
        now = self.clock()
        async with self.db.transaction() as session:
            entry = await session.get(FaqEntryRow, slug)
            row = await session.get(FaqTextRow, (slug, lang))
            if entry is None or row is None or row.based_on != entry.source_hash:
                raise FaqError([f"{slug}/{lang}: no current text to review"])
            row.machine, row.updated_at = False, now
            change = FaqHistoryRow(
                slug=slug,
                lang=lang,
                at=now,
                actor_id=actor_id,
                action="reviewed",
                before=row.answer,
                after=row.answer,
            )
            await _recorded(session, change, role, "faq_reviewed", f"{slug} {lang}")

    async def unanswered(self, limit: int = 100) -> list[Question]:
        async with self.db.sessions() as session:
            rows = await faq_store.latest_unanswered(session, limit)
        return [Question(r.id, r.lang, r.text, r.created_at) for r in rows]

    async def assign(self, actor_id: int, role: str, question_id: int, slug: str) -> None:
        """Make an unanswered question an example question of ``slug`` (the matcher learns it
        after the reload) and take it off the list.

        Raises:
            FaqError: unknown question or entry.
        """
        now = self.clock()
        async with self.db.transaction() as session:
            question = await session.get(FaqUnansweredRow, question_id)
            if question is None:
                raise FaqError([f"question {question_id} is gone"])
            await faq_store.add_example(session, slug, question.lang, question.text)
            await session.execute(
                delete(FaqUnansweredRow).where(FaqUnansweredRow.id == question_id)
            )
            await audit(
                session,
                actor_id=actor_id,
                role=role,
                action="faq_question",
                now=now,
                detail=f"{slug} {question.lang} (console)",
            )

    async def new_entry(
        self, actor_id: int, role: str, question_id: int, slug: str, category: str, answer_de: str
    ) -> None:
        """Turn an unanswered question into a new entry: the German answer (translations are
        then missing, shown in the matrix), the question as its first example.

        Raises:
            FaqError: unknown question, a taken or bad slug, a bad answer.
        """
        now = self.clock()
        async with self.db.transaction() as session:
            question = await session.get(FaqUnansweredRow, question_id)
            if question is None:
                raise FaqError([f"question {question_id} is gone"])
            await faq_store.add_entry(session, slug, category, answer_de, now)
            await session.flush()
            await faq_store.add_example(session, slug, question.lang, question.text)
            await session.execute(
                delete(FaqUnansweredRow).where(FaqUnansweredRow.id == question_id)
            )
            change = FaqHistoryRow(
                slug=slug,
                lang=SOURCE_LANGUAGE,
                at=now,
                actor_id=actor_id,
                action="created",
                before=None,
                after=answer_de.strip(),
            )
            await _recorded(session, change, role, "faq_add", f"{slug} (console)")

    async def dismiss(self, actor_id: int, role: str, question_id: int) -> None:
        """Drop an unanswered question that needs no entry (greetings, noise)."""
        now = self.clock()
        async with self.db.transaction() as session:
            await session.execute(
                delete(FaqUnansweredRow).where(FaqUnansweredRow.id == question_id)
            )
            await audit(
                session, actor_id=actor_id, role=role, action="faq_dismiss", now=now, detail=None
            )

    @staticmethod
    async def _current(session: AsyncSession, slug: str, lang: str) -> str | None:
        if lang == SOURCE_LANGUAGE:
            entry = await session.get(FaqEntryRow, slug)
            return entry.source_text if entry is not None else None
        row = await session.get(FaqTextRow, (slug, lang))
        return row.answer if row is not None else None
