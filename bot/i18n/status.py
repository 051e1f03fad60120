"""Translation status per language: translated, unreviewed (machine-made), outdated, missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n.catalogs import (
    LANGUAGES,
    PACK_DOMAIN,
    SOURCE_LANGUAGE,
    cldr_locale,
    pack_locales,
    po_path,
)


def status_lines(packs: Sequence[Path] = ()) -> list[str]:
    """A table with one line per language: the code's messages and the packs' texts together."""
    lines = [
        f"{'lang':<8} {'total':>6} {'done':>6} {'unreviewed':>11} {'outdated':>9} {'missing':>8}"
        f" {'reviewed':>9}"
    ]
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        paths = [po_path(lang)] + [po_path(lang, pack_locales(p), PACK_DOMAIN) for p in packs]
        if not all(path.exists() for path in paths):
            lines.append(f"{lang:<8} no catalog")
            continue
        messages = []
        for path in paths:
            with path.open("rb") as fh:
                messages += [m for m in read_po(fh, locale=cldr_locale(lang)) if m.id]
        empty = [
            not all(m.string if isinstance(m.string, tuple) else (m.string,)) for m in messages
        ]
        missing = sum(empty)
        outdated = sum(1 for m in messages if m.fuzzy)
        unreviewed = sum(1 for m in messages if "unreviewed" in m.flags)
        done = len(messages) - missing - outdated
        by_person = sum(
            1
            for m, gap in zip(messages, empty, strict=True)
            if not gap and not m.fuzzy and "unreviewed" not in m.flags
        )
        reviewed = f"{round(100 * by_person / len(messages)) if messages else 0}%"
        lines.append(
            f"{lang:<8} {len(messages):>6} {done:>6} {unreviewed:>11} {outdated:>9} {missing:>8}"
            f" {reviewed:>9}"
        )
    return lines
