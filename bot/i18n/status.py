"""Translation status per language: translated, unreviewed (machine-made), outdated, missing."""

from __future__ import annotations

from babel.messages.pofile import read_po

from bot.i18n.catalogs import LANGUAGES, SOURCE_LANGUAGE, po_path


def status_lines() -> list[str]:
    """A table with one line per language."""
    lines = [
        f"{'lang':<5} {'total':>6} {'done':>6} {'unreviewed':>11} {'outdated':>9} {'missing':>8}"
    ]
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        path = po_path(lang)
        if not path.exists():
            lines.append(f"{lang:<5} no catalog")
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        messages = [m for m in catalog if m.id]
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
