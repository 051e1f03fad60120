"""Translation status per language: translated, unreviewed (machine-made), outdated, missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n.catalogs import (
    LANGUAGES,
    PACK_DOMAIN,
    SOURCE_LANGUAGE,
    pack_locales,
    po_path,
)


def status_lines(packs: Sequence[Path] = ()) -> list[str]:
    """A table with one line per language: the code's messages and the packs' texts together."""
    lines = [
        f"{'lang':<5} {'total':>6} {'done':>6} {'unreviewed':>11} {'outdated':>9} {'missing':>8}"
    ]
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        paths = [po_path(lang)] + [po_path(lang, pack_locales(p), PACK_DOMAIN) for p in packs]
        if not all(path.exists() for path in paths):
            lines.append(f"{lang:<5} no catalog")
            continue
        messages = []
        for path in paths:
            with path.open("rb") as fh:
                messages += [m for m in read_po(fh, locale=lang) if m.id]
        missing = sum(
            1 for m in messages if not all(m.string if isinstance(m.string, tuple) else (m.string,))
        )
        outdated = sum(1 for m in messages if m.fuzzy)
        unreviewed = sum(1 for m in messages if "unreviewed" in m.flags)
        done = len(messages) - missing - outdated
        lines.append(
            f"{lang:<5} {len(messages):>6} {done:>6} {unreviewed:>11} {outdated:>9} {missing:>8}"
        )
    return lines
