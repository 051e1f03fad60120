"""Facts for admins to confirm: unconfirmed ones, those older than a limit, and texts that still
announce a planned date that has passed.

``today`` is always given by the caller (the bot's clock, or a test's), never read here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from babel import Locale

from bot.content.model import Content, Provenance
from bot.content.parse import CONTENT_ROOT, translatable_texts

# Facts read longer ago than this are listed as stale (`content check --max-age-days`).
DEFAULT_MAX_AGE_DAYS = 365

# Month names of the languages texts are written in (FAQ answer_de, answer_en, English msgids).
_MONTH = {
    str(name).lower(): number
    for lang in ("de", "en")
    for number, name in Locale.parse(lang).months["format"]["wide"].items()
}
_MONTH_NAMES = "|".join(re.escape(m) for m in sorted(_MONTH, key=len, reverse=True))
# "1. Juli 2026", "1 July 2026", "July 1, 2026", "2026-07-01".
_DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})\.?\s+(?P<m1>{_MONTH_NAMES})\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<m2>{_MONTH_NAMES})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})\b"
    r"|\b(?P<iso>\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
# Words that make a date something to come, and those that say the plan is already history.
_PLANNED = re.compile(
    r"\b(geplant|plant|planen|vorgesehen|voraussichtlich|planned|plans|scheduled)\b",
    re.IGNORECASE,
)
_PAST = re.compile(r"\b(war|waren|was|were|had been|hatte|hatten)\b", re.IGNORECASE)
# A date something starts from: "ab (dem) 1. Juli", "from 1 July"; not "arrived after ...".
_FROM = re.compile(r"\b(ab|vom|zum|am|from|starting|on|for)(\s+dem)?\s+$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True)
class FaqEntry:
    """An FAQ entry as the content files have it: its provenance and its source answers."""

    slug: str
    provenance: Provenance
    answers: dict[str, str] = field(default_factory=dict)


def read_faq(pack: Path) -> list[FaqEntry]:
    """The FAQ entries of a content pack folder (``faq/entries.toml``); none if it has no FAQ."""
    path = pack / "faq" / "entries.toml"
    if not path.exists():
        return []
    entries = []
    for raw in tomllib.loads(path.read_text("utf-8")).get("entry", []):
        as_of = raw.get("as_of")
        entries.append(
            FaqEntry(
                slug=str(raw.get("slug", "?")),
                provenance=Provenance(
                    source=str(raw.get("source", "")),
                    as_of=as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of)),
                    confirmed=bool(raw.get("confirmed", False)),
                ),
                answers={
                    key: str(value)
                    for key, value in raw.items()
                    if key.startswith("answer_") and isinstance(value, str)
                },
            )
        )
    return entries


def _date_of(match: re.Match[str]) -> date | None:
    try:
        if match["iso"]:
            return date.fromisoformat(match["iso"])
        if match["m1"]:
            return date(int(match["y1"]), _MONTH[match["m1"].lower()], int(match["d1"]))
        return date(int(match["y2"]), _MONTH[match["m2"].lower()], int(match["d2"]))
    except ValueError:
        return None


def passed_planned_dates(text: str, today: date) -> list[str]:
    """Dates in ``text`` something is planned to start from ("ab 1. Juli 2026 ... geplant",
    "From 1 July 2026 ... is planned") that are ``today`` or earlier, each as it is written."""
    found: list[str] = []
    # Dates first, so that the period of "1. Juli" does not end a sentence.
    dates: list[tuple[str, date | None]] = []

    def token(match: re.Match[str]) -> str:
        starts = _FROM.search(text, 0, match.start()) is not None
        dates.append((match.group(0), _date_of(match) if starts else None))
        return f"\x00{len(dates) - 1}\x00"

    marked = _DATE.sub(token, text)
    for sentence in _SENTENCE_END.split(marked):
        if not _PLANNED.search(sentence) or _PAST.search(sentence):
            continue
        for index in re.findall(r"\x00(\d+)\x00", sentence):
            written, when = dates[int(index)]
            if when is not None and when <= today:
                found.append(written)
    return found


def _facts(content: Content, faq: Sequence[FaqEntry]) -> Iterator[tuple[str, str, Provenance]]:
    for a in content.authorities.values():
        yield f"authority.{a.key}", a.name_de, a.provenance
        for kind, detail in a.details.items():
            yield f"authority.{a.key}.{kind}", detail.value or "(empty)", detail.provenance
        if a.phone_hours:
            yield f"authority.{a.key}.phone_hours", "", a.phone_hours.provenance
    for p in content.points.values():
        yield f"point.{p.key}", p.name_de, p.provenance
        for kind, detail in p.details.items():
            yield f"point.{p.key}.{kind}", detail.value or "(empty)", detail.provenance
        if p.booking:
            yield f"point.{p.key}.booking", "", p.booking.provenance
    for r in content.routes.values():
        yield f"route.{r.key}", r.basis, r.provenance
    for f in content.facts.values():
        yield f"fact.{f.key}", f.value, f.provenance
    for entry in faq:
        yield f"faq.{entry.slug}", "", entry.provenance


def report(
    content: Content,
    *,
    today: date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    faq: Sequence[FaqEntry] | None = None,
) -> list[str]:
    """One line per fact to look at, then a summary line.

    ``faq``: the pack's FAQ entries (:func:`read_faq`); if not given, those of the pack folder
    ``content.city`` in the default content root, if there is one.
    """
    if faq is None:
        faq = read_faq(CONTENT_ROOT / content.city)
    lines: list[str] = []
    for where, value, prov in _facts(content, faq):
        age = (today - prov.as_of).days
        reasons = []
        if not prov.confirmed:
            reasons.append("TO BE CONFIRMED")
        if age > max_age_days:
            reasons.append(f"STALE ({age} days old)")
        if reasons:
            shown = f" {value!s}" if value else ""
            lines.append(
                f"{' + '.join(reasons)}: {where}{shown} [source: {prov.source}; as of {prov.as_of}]"
            )
    for i, rule in enumerate(content.rules):
        if rule.together and not rule.together.confirmed:
            lines.append(f"TO BE CONFIRMED: rule #{i + 1} precedence {'+'.join(rule.routes)}")
    dates = {k: date.fromisoformat(f.value) for k, f in content.facts.items() if f.kind == "date"}
    for route in content.routes.values():
        lines += [
            f"TO BE CONFIRMED: route.{route.key} note: {n.text[:70]}..."
            for n in route.notes
            if not n.confirmed
        ]
    for fact in content.facts.values():
        if fact.planned and fact.key in dates and dates[fact.key] <= today:
            lines.append(
                f"PLANNED DATE PASSED: fact.{fact.key} {fact.value}: is it in force? Update the "
                "fact and the texts that name it (their 'after' texts are shown now)"
            )
    texts = [(f"faq.{e.slug}.{key}", text) for e in faq for key, text in e.answers.items()]
    for where, text in [*translatable_texts(content), *texts]:
        for written in passed_planned_dates(text, today):
            lines.append(
                f"PLANNED DATE PASSED: {where} says '{written}' is planned: is it in force? "
                "Rewrite the text (and its translations)"
            )
    lines.append(f"{len(lines)} facts to look at (limit {max_age_days} days, as of {today})")
    return lines
