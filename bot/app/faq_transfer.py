"""FAQ translations as files for translators: gettext PO (Poedit, Weblate) and CSV.

Export writes one file per language. Import checks every entry first (known entry, German
source it translates, placeholders, Telegram's length limit, no HTML) and reports errors with
line numbers. If any entry is bad, nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from bot.core.faq.snapshot import SOURCE_LANGUAGE, check_answer, text_hash
from bot.i18n.catalogs import LANGUAGES, cldr_locale
from bot.storage.db import Database
from bot.storage.faq import set_answer
from bot.storage.models import FaqEntryRow, FaqTextRow

CSV_COLUMNS = ("slug", "lang", "source_de", "answer", "machine")


class TransferError(ValueError):
    """A file that cannot be imported; ``errors`` lists every problem with its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


async def export(db: Database, folder: Path, fmt: str, languages: tuple[str, ...]) -> list[Path]:
    """Write ``faq-<lang>.po`` (or ``.csv``) for every language but German."""
    folder.mkdir(parents=True, exist_ok=True)
    async with db.sessions() as session:
        entries = list(
            (await session.execute(select(FaqEntryRow).order_by(FaqEntryRow.slug))).scalars()
        )
        texts = {(t.slug, t.lang): t for t in (await session.execute(select(FaqTextRow))).scalars()}
    written = []
    for lang in languages:
        if lang == SOURCE_LANGUAGE:
            continue
        if fmt == "csv":
            path = folder / f"faq-{lang}.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(CSV_COLUMNS)
                for entry in entries:
                    text = texts.get((entry.slug, lang))
                    writer.writerow(
                        (
                            entry.slug,
                            lang,
                            entry.source_text,
                            text.answer if text else "",
                            "yes" if text is not None and text.machine else "no",
                        )
                    )
        else:
            path = folder / f"faq-{lang}.po"
            # Simple German and Dari have no CLDR locale of their own; the file name says
            # which language the file is (faq-de-x-es.po), the header has the CLDR one.
            catalog = Catalog(locale=cldr_locale(lang), project="Wegweiser FAQ", charset="utf-8")
            for entry in entries:
                text = texts.get((entry.slug, lang))
                flags = []
                if text is not None and text.based_on != entry.source_hash:
                    flags.append("fuzzy")  # outdated: the German source changed since
                if text is not None and text.machine:
                    flags.append("machine")
                catalog.add(
                    entry.source_text,
                    text.answer if text else "",
                    context=entry.slug,
                    flags=flags,
                    auto_comments=[f"source: {entry.source}; as of {entry.as_of}"],
                )
            with path.open("wb") as fh:
                write_po(fh, catalog, width=100)
        written.append(path)
    return written


async def import_file(db: Database, path: Path, now: datetime) -> str:
    """Import a PO or CSV file of translations; all or nothing."""
    raw = path.read_bytes()
    async with db.sessions() as session:
        entries = {e.slug: e for e in (await session.execute(select(FaqEntryRow))).scalars()}
    rows: list[
        tuple[int, str, str, str, str, bool]
    ] = []  # line, slug, lang, source, answer, machine
    errors: list[str] = []
    if path.suffix == ".po":
        try:
            catalog = read_po(io.BytesIO(raw), abort_invalid=True)
        except Exception as exc:  # babel reports syntax errors with their own types
            raise TransferError([f"{path.name}: not a valid PO file: {exc}"]) from None
        named = re.fullmatch(r"faq-(.+)\.po", path.name)
        if named and named.group(1) in LANGUAGES:
            lang = named.group(1)
        else:
            lang = str(catalog.locale_identifier or "")
        for message in catalog:
            if not message.id:
                continue
            if message.string:
                rows.append(
                    (
                        message.lineno or 0,
                        str(message.context or ""),
                        lang,
                        str(message.id),
                        str(message.string),
                        "machine" in message.flags,
                    )
                )
    else:
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TransferError([f"{path.name}: line 1: missing columns {', '.join(missing)}"])
        for row in reader:
            if row["answer"].strip():
                rows.append(
                    (
                        reader.line_num,
                        row["slug"],
                        row["lang"],
                        row["source_de"],
                        row["answer"],
                        row["machine"].strip().lower() in ("yes", "ja", "1", "true"),
                    )
                )
    for line, slug, lang, source, answer, _machine in rows:
        where = f"{path.name}: line {line}"
        if slug not in entries:
            errors.append(f"{where}: unknown entry '{slug}'")
            continue
        if not lang or lang == SOURCE_LANGUAGE:
            errors.append(f"{where}: language must be one of the translations, not '{lang}'")
        errors += check_answer(answer, source, where)
    if errors:
        raise TransferError(errors)
    imported = outdated = 0
    async with db.transaction() as session:
        for _line, slug, lang, source, answer, machine in rows:
            # A translation of an older German text stays marked outdated.
            await set_answer(
                session, slug, lang, answer, now, machine=machine, based_on=text_hash(source)
            )
            imported += 1
            outdated += text_hash(source) != entries[slug].source_hash
    return f"{path.name}: {imported} answers imported ({outdated} translate an older German text)"
