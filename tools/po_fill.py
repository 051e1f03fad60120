"""Write translations into the catalogs from a JSON file, marked for review.

    .venv/bin/python tools/po_fill.py translations.json

The file maps language to message id to the translation (a list of forms for plural
messages): {"de": {"Hello": "Hallo", "{n} day": ["{n} Tag", "{n} Tage"]}}. Each entry set
here loses its fuzzy (outdated) mark and gets the ``unreviewed`` flag, so a person checks it.
Unknown message ids are reported and nothing is written for that language.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parents[1] / "locales"


def fill(lang: str, texts: dict[str, str | list[str]]) -> list[str]:
    path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    by_id = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    unknown = [msgid for msgid in texts if msgid not in by_id]
    if unknown:
        return [f"{lang}: unknown message id: {msgid[:60]!r}" for msgid in unknown]
    for msgid, text in texts.items():
        message = by_id[msgid]
        plural = isinstance(message.id, tuple)
        if plural != isinstance(text, list):
            return [f"{lang}: {msgid[:60]!r} needs {'a list of forms' if plural else 'a string'}"]
        if plural and len(text) != catalog.num_plurals:
            return [f"{lang}: {msgid[:60]!r} needs {catalog.num_plurals} forms"]
        message.string = tuple(text) if plural else text
        message.flags.discard("fuzzy")
        message.flags.add("unreviewed")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False)
    return []


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    data = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    problems = [p for lang, texts in data.items() for p in fill(lang, texts)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
