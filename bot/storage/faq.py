"""The FAQ in the database: seeding from the content files, what the bot answers with, the
translation status of every entry and language, and admins' changes."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.faq.index import LanguageIndexes
from bot.core.faq.snapshot import (
    CURRENT,
    MACHINE,
    MISSING,
    OUTDATED,
    SOURCE_LANGUAGE,
    Answer,
    FaqError,
    FaqSnapshot,
    check_answer,
    text_hash,
)
from bot.storage.models import FaqEntryRow, FaqExampleRow, FaqTextRow, FaqUnansweredRow


def read_files(
    pack: Path,
) -> tuple[list[dict[str, object]], dict[str, dict[str, dict[str, object]]]]:
    """The entries file and the per-language files of a content pack's FAQ."""
    folder = pack / "faq"
    entries_path = folder / "entries.toml"
    if not entries_path.exists():
        return [], {}
    entries = tomllib.loads(entries_path.read_text("utf-8")).get("entry", [])
    languages = {
        path.stem: tomllib.loads(path.read_text("utf-8"))
        for path in sorted(folder.glob("*.toml"))
        if path.stem != "entries"
    }
    return entries, languages


async def seed(session: AsyncSession, now: datetime, pack: Path) -> int:
    """Add entries, answers and examples from the files that the database does not have yet.

    Admins' changes in the database are never overwritten by the files.
    """
    entries, languages = read_files(pack)
    added = 0
    known = set((await session.execute(select(FaqEntryRow.slug))).scalars())
    texts = {
        (s, lang) for s, lang in (await session.execute(select(FaqTextRow.slug, FaqTextRow.lang)))
    }
    examples = {
        (s, lang, t)
        for s, lang, t in await session.execute(
            select(FaqExampleRow.slug, FaqExampleRow.lang, FaqExampleRow.text)
        )
    }
    for entry in entries:
        slug = str(entry["slug"])
        source = str(entry["answer_de"]).strip()
        if slug not in known:
            as_of = entry["as_of"]
            session.add(
                FaqEntryRow(
                    slug=slug,
                    category=str(entry.get("category", "general")),
                    source=str(entry.get("source", "")),
                    as_of=as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of)),
                    confirmed=bool(entry.get("confirmed", False)),
                    source_text=source,
                    source_hash=text_hash(source),
                    updated_at=now,
                )
            )
            known.add(slug)
            added += 1
        if "answer_en" in entry and (slug, "en") not in texts:
            session.add(_text(slug, "en", str(entry["answer_en"]), source, True, now))
            texts.add((slug, "en"))
    await session.flush()
    new_examples: list[dict[str, object]] = []
    for lang, data in languages.items():
        for slug, item in data.items():
            if slug not in known or not isinstance(item, dict):
                continue
            source = next((str(e["answer_de"]).strip() for e in entries if e["slug"] == slug), "")
            if "answer" in item and lang != SOURCE_LANGUAGE and (slug, lang) not in texts:
                session.add(
                    _text(
                        slug,
                        lang,
                        str(item["answer"]),
                        source,
                        bool(item.get("machine", True)),
                        now,
                    )
                )
                texts.add((slug, lang))
            for kind, keyword in (("questions", False), ("keywords", True)):
                listed = item.get(kind, [])
                for raw in listed if isinstance(listed, list) else []:
                    text = str(raw).strip()[:300]
                    if text and (slug, lang, text) not in examples:
                        new_examples.append(
                            {"slug": slug, "lang": lang, "text": text, "keyword": keyword}
                        )
                        examples.add((slug, lang, text))
    if new_examples:
        # Thousands of examples: one executemany, not one round trip per row.
        await session.execute(insert(FaqExampleRow), new_examples)
    return added


def _text(
    slug: str, lang: str, answer: str, source: str, machine: bool, now: datetime
) -> FaqTextRow:
    return FaqTextRow(
        slug=slug,
        lang=lang,
        answer=answer.strip(),
        based_on=text_hash(source),
        machine=machine,
        updated_at=now,
    )


async def snapshot(session: AsyncSession) -> FaqSnapshot:
    """Everything the bot needs to match and answer, in memory."""
    entries = {e.slug: e for e in (await session.execute(select(FaqEntryRow))).scalars()}
    examples = (await session.execute(select(FaqExampleRow))).scalars()
    items = [(e.slug, e.lang, e.text, e.keyword) for e in examples if e.slug in entries]
    answers = {
        (t.slug, t.lang): Answer(
            t.slug, t.lang, t.answer, t.based_on != entries[t.slug].source_hash, t.machine
        )
        for t in (await session.execute(select(FaqTextRow))).scalars()
        if t.slug in entries
    }
    sources = {slug: e.source_text for slug, e in entries.items()}
    return FaqSnapshot(LanguageIndexes(items), answers, sources)


async def status(session: AsyncSession, languages: Iterable[str]) -> dict[str, dict[str, str]]:
    """slug -> language -> current / outdated / missing / machine."""
    entries = {
        e.slug: e
        for e in (await session.execute(select(FaqEntryRow).order_by(FaqEntryRow.slug))).scalars()
    }
    texts = {(t.slug, t.lang): t for t in (await session.execute(select(FaqTextRow))).scalars()}
    matrix: dict[str, dict[str, str]] = {}
    for slug, entry in entries.items():
        row = {}
        for lang in languages:
            if lang == SOURCE_LANGUAGE:
                row[lang] = CURRENT
                continue
            text = texts.get((slug, lang))
            if text is None:
                row[lang] = MISSING
            elif text.based_on != entry.source_hash:
                row[lang] = OUTDATED
            elif text.machine:
                row[lang] = MACHINE
            else:
                row[lang] = CURRENT
        matrix[slug] = row
    return matrix


async def set_answer(
    session: AsyncSession,
    slug: str,
    lang: str,
    answer: str,
    now: datetime,
    *,
    machine: bool = False,
    based_on: str | None = None,
) -> list[str]:
    """Set an entry's answer in one language (German: the source).

    Returns the languages whose translations became outdated (when the German source changed).

    Raises:
        FaqError: unknown entry or a bad answer.
    """
    entry = await session.get(FaqEntryRow, slug)
    if entry is None:
        raise FaqError([f"unknown entry '{slug}'"])
    problems = check_answer(
        answer, entry.source_text if lang != SOURCE_LANGUAGE else answer, f"{slug}/{lang}"
    )
    if problems:
        raise FaqError(problems)
    if lang == SOURCE_LANGUAGE:
        new_hash = text_hash(answer)
        if new_hash == entry.source_hash:
            return []
        entry.source_text, entry.source_hash, entry.updated_at = answer.strip(), new_hash, now
        stale = await session.execute(select(FaqTextRow.lang).where(FaqTextRow.slug == slug))
        return sorted(stale.scalars())
    row = await session.get(FaqTextRow, (slug, lang))
    if row is None:
        row = FaqTextRow(
            slug=slug, lang=lang, answer="", based_on="", machine=machine, updated_at=now
        )
        session.add(row)
    row.answer, row.machine, row.updated_at = answer.strip(), machine, now
    row.based_on = based_on or entry.source_hash
    return []


async def add_entry(
    session: AsyncSession, slug: str, category: str, answer_de: str, now: datetime
) -> None:
    """A new entry with its German answer (sources: set by the admin later in the file)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug):
        raise FaqError([f"'{slug}' is not a slug (lower-case letters, digits, dashes)"])
    if await session.get(FaqEntryRow, slug) is not None:
        raise FaqError([f"entry '{slug}' exists already"])
    problems = check_answer(answer_de, answer_de, f"{slug}/de")
    if problems:
        raise FaqError(problems)
    session.add(
        FaqEntryRow(
            slug=slug,
            category=category,
            source="admin (Telegram)",
            as_of=now.date(),
            confirmed=False,
            source_text=answer_de.strip(),
            source_hash=text_hash(answer_de),
            updated_at=now,
        )
    )


async def add_example(
    session: AsyncSession, slug: str, lang: str, text: str, *, keyword: bool = False
) -> None:
    """An example question (or keyword) of an entry in one language."""
    if await session.get(FaqEntryRow, slug) is None:
        raise FaqError([f"unknown entry '{slug}'"])
    text = text.strip()[:300]
    exists = await session.scalar(
        select(func.count())
        .select_from(FaqExampleRow)
        .where(FaqExampleRow.slug == slug, FaqExampleRow.lang == lang, FaqExampleRow.text == text)
    )
    if text and not exists:
        session.add(FaqExampleRow(slug=slug, lang=lang, text=text, keyword=keyword))


async def remember_unanswered(
    session: AsyncSession, lang: str, text: str, now: datetime, user_id: int | None
) -> None:
    """Keep a question the bot could not answer, for admins to turn into entries; the asker's
    id only lets /delete find it."""
    session.add(
        FaqUnansweredRow(user_id=user_id, lang=lang, text=text.strip()[:300], created_at=now)
    )


async def latest_unanswered(session: AsyncSession, limit: int = 20) -> list[FaqUnansweredRow]:
    """The newest unanswered questions."""
    rows = await session.execute(
        select(FaqUnansweredRow).order_by(FaqUnansweredRow.id.desc()).limit(limit)
    )
    return list(rows.scalars())


async def forget_unanswered_before(session: AsyncSession, before: datetime) -> None:
    """Drop old unanswered questions."""
    await session.execute(delete(FaqUnansweredRow).where(FaqUnansweredRow.created_at < before))


def faq_folder(pack: Path) -> Path:
    """Where a city's FAQ files live."""
    return pack / "faq"
