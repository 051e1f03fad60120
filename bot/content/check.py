"""Facts for admins to confirm: unconfirmed ones and those older than a limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from bot.content.model import Content, Provenance


def _facts(content: Content) -> Iterator[tuple[str, str, Provenance]]:
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
    for r in content.routes.values():
        yield f"route.{r.key}", r.basis, r.provenance
    for f in content.facts.values():
        yield f"fact.{f.key}", f.value, f.provenance


def report(content: Content, *, today: date, max_age_days: int = 365) -> list[str]:
    """One line per fact to look at, then a summary line."""
    lines: list[str] = []
    for where, value, prov in _facts(content):
        age = (today - prov.as_of).days
        reasons = []
        if not prov.confirmed:
            reasons.append("TO BE CONFIRMED")
        if age > max_age_days:
            reasons.append(f"STALE ({age} days old)")
        if reasons:
            lines.append(
                f"{' + '.join(reasons)}: {where} {value!s} "
                f"[source: {prov.source}; as of {prov.as_of}]"
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
    lines.append(f"{len(lines)} facts to look at (limit {max_age_days} days, as of {today})")
    return lines
