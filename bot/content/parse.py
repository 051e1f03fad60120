"""Read content files (TOML) into typed :class:`~bot.content.model.Content`, checking references."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from typing import Any

from bot.content.model import (
    CHECKIN_KINDS,
    Authority,
    Booking,
    CheckinKind,
    CheckinRule,
    Closure,
    Content,
    CounsellingPoint,
    Desk,
    Detail,
    Fact,
    Hours,
    Note,
    Opening,
    Provenance,
    Route,
    Rule,
    Status,
    TriageQuestion,
    Window,
)

CONTENT_ROOT = Path(__file__).parent / "packs"
# "stop": the nearest public-transport stop and its lines, as signs name them.
DETAIL_KEYS = ("address", "phone", "website", "stop")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ContentError(ValueError):
    """Content that cannot be used; the message names the file part at fault."""


def packs(root: Path = CONTENT_ROOT) -> list[str]:
    """The content packs in ``root`` (folders with a ``pack.toml``)."""
    return sorted(p.parent.name for p in root.glob("*/pack.toml"))


def read_city(city: str, root: Path = CONTENT_ROOT) -> dict[str, Any]:
    """Read and merge all TOML files of a city's pack into one raw mapping."""
    folder = root / city
    if not folder.is_dir():
        raise ContentError(f"no content folder {folder}")
    merged: dict[str, Any] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ContentError(f"{path.name}: {exc}") from exc
        for key, value in data.items():
            if key in merged:
                raise ContentError(f"{path.name}: section [{key}] is defined in two files")
            merged[key] = value
    return merged


def _get(data: Mapping[str, Any], key: str, where: str, kind: type = str) -> Any:
    if key not in data:
        raise ContentError(f"{where}: missing '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise ContentError(f"{where}: '{key}' must be {kind.__name__}")
    return value


def _provenance(data: Mapping[str, Any], where: str) -> Provenance:
    as_of = _get(data, "as_of", where, object)
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError as exc:
            raise ContentError(f"{where}: 'as_of' is not a date") from exc
    if not isinstance(as_of, date):
        raise ContentError(f"{where}: 'as_of' is not a date")
    return Provenance(
        source=_get(data, "source", where),
        as_of=as_of,
        confirmed=_get(data, "confirmed", where, bool),
    )


def _details(data: Mapping[str, Any], where: str) -> dict[str, Detail]:
    return {
        key: Detail(
            value=_get(data[key], "value", f"{where}.{key}"),
            provenance=_provenance(data[key], f"{where}.{key}"),
        )
        for key in DETAIL_KEYS
        if key in data
    }


def _hours(data: Mapping[str, Any] | None, where: str) -> Hours | None:
    if data is None:
        return None
    days = _get(data, "weekdays", where, list)
    if len(days) != 2 or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise ContentError(f"{where}: 'weekdays' must be [first, last] with 0 = Monday")
    for key in ("opens", "closes"):
        if not re.fullmatch(r"\d\d:\d\d", _get(data, key, where)):
            raise ContentError(f"{where}: '{key}' must be HH:MM")
    return Hours(days[0], days[1], data["opens"], data["closes"], _provenance(data, where))


def _authority(key: str, data: Mapping[str, Any]) -> Authority:
    where = f"authority.{key}"
    return Authority(
        key=key,
        name=_get(data, "name", where),
        name_de=_get(data, "name_de", where),
        ask=_get(data, "ask", where),
        provenance=_provenance(data, where),
        details=_details(data, where),
        phone_hours=_hours(data.get("phone_hours"), f"{where}.phone_hours"),
        term=str(data.get("term", "")),
        opening=_opening(data.get("opening"), f"{where}.opening"),
    )


def _date(value: Any, where: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, date):
        return value
    raise ContentError(f"{where}: not a date")


def _clock(value: Any, where: str) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d\d:\d\d", value):
        raise ContentError(f"{where}: must be HH:MM")
    return time.fromisoformat(value)


def _windows(raw: list[Any], where: str, name: str) -> tuple[Window, ...]:
    windows = []
    for i, w in enumerate(raw):
        wwhere = f"{where}.{name}[{i}]"
        days = _get(w, "weekdays", wwhere, list)
        if not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise ContentError(f"{wwhere}: weekdays must be numbers 0 (Monday) to 6")
        opens, closes = (
            _clock(w.get("opens"), f"{wwhere}.opens"),
            _clock(w.get("closes"), f"{wwhere}.closes"),
        )
        if closes <= opens:
            raise ContentError(f"{wwhere}: closes must be after opens")
        windows.append(Window(tuple(days), opens, closes))
    return tuple(windows)


def _opening(data: Mapping[str, Any] | None, where: str) -> Opening | None:
    """Visiting hours: ``windows`` (empty if not known) with their source."""
    if data is None:
        return None
    windows = _windows(_get(data, "windows", where, list), where, "windows")
    return Opening(windows, _provenance(data, where))


def _booking(data: Mapping[str, Any] | None, where: str) -> Booking | None:
    if data is None:
        return None
    windows = _windows(_get(data, "hours", where, list), where, "hours")
    closures = tuple(
        Closure(
            _date(c.get("first"), f"{where}.closures[{i}].first"),
            _date(c.get("last", c.get("first")), f"{where}.closures[{i}].last"),
            str(c.get("reason", "")),
        )
        for i, c in enumerate(data.get("closures", []))
    )
    slot = _get(data, "slot_minutes", where, int)
    capacity = _get(data, "capacity", where, int)
    if not 5 <= slot <= 240 or capacity < 0:
        raise ContentError(f"{where}: slot_minutes must be 5-240 and capacity at least 0")
    return Booking(
        slot_minutes=slot,
        capacity=capacity,
        languages=tuple(_get(data, "languages", where, list)),
        hours=tuple(windows),
        closures=closures,
        provenance=_provenance(data, where),
    )


def _point(key: str, data: Mapping[str, Any]) -> CounsellingPoint:
    where = f"point.{key}"
    return CounsellingPoint(
        key=key,
        name=_get(data, "name", where),
        name_de=_get(data, "name_de", where),
        serves=_get(data, "serves", where),
        ask=_get(data, "ask", where),
        provenance=_provenance(data, where),
        label=_get(data, "label", where),
        min_age=data.get("min_age"),
        max_age=data.get("max_age"),
        online=bool(data.get("online", False)),
        details=_details(data, where),
        booking=_booking(data.get("booking"), f"{where}.booking"),
        opening=_opening(data.get("opening"), f"{where}.opening"),
    )


def _route(key: str, data: Mapping[str, Any]) -> Route:
    where = f"route.{key}"
    notes = tuple(
        Note(
            _get(n, "text", f"{where}.note"),
            _get(n, "confirmed", f"{where}.note", bool),
            n.get("until"),
            n.get("after"),
        )
        for n in data.get("note", [])
    )
    duty = _get(data, "duty", where)
    if duty not in ("right", "duty", "admission"):
        raise ContentError(f"{where}: 'duty' must be right, duty or admission")
    return Route(
        key=key,
        authority=_get(data, "authority", where),
        duty=duty,
        basis=_get(data, "basis", where),
        cost=_get(data, "cost", where),
        counselling=tuple(_get(data, "counselling", where, list)),
        means=_get(data, "means", where),
        bring=tuple(_get(data, "bring", where, list)),
        notes=notes,
        provenance=_provenance(data, where),
        paused=bool(data.get("paused", False)),
        summary=_get(data, "summary", where),
        next=_get(data, "next", where),
    )


def _rule(index: int, data: Mapping[str, Any]) -> Rule:
    where = f"rule #{index + 1}"
    together = None
    if "together" in data:
        together = Note(data["together"], _get(data, "together_confirmed", where, bool))
    return Rule(
        when={str(k): str(v) for k, v in _get(data, "when", where, dict).items()},
        routes=tuple(_get(data, "routes", where, list)),
        together=together,
    )


def _holidays(pack: Mapping[str, Any]) -> tuple[str, str | None] | None:
    found = pack.get("holidays")
    if found is None:
        return None
    if not isinstance(found, Mapping) or not isinstance(found.get("country"), str):
        raise ContentError('pack.holidays: needs a country, e.g. { country = "DE" }')
    region = found.get("region")
    return (found["country"], str(region) if region is not None else None)


def _desk(data: Mapping[str, Any] | None) -> Desk | None:
    if data is None:
        return None
    hours = _get(data, "answer_hours", "pack.desk", int)
    if hours <= 0:
        raise ContentError("pack.desk: 'answer_hours' must be positive")
    return Desk(
        who=_get(data, "who", "pack.desk"),
        languages=tuple(_get(data, "languages", "pack.desk", list)),
        answer_hours=hours,
    )


def _checkins(raw: Mapping[str, Any]) -> dict[CheckinKind, CheckinRule]:
    rules: dict[CheckinKind, CheckinRule] = {}
    for key, data in raw.items():
        where = f"checkin.{key}"
        kind = next((k for k in CHECKIN_KINDS if k == key), None)
        if kind is None:
            raise ContentError(f"{where}: unknown check-in, one of {', '.join(CHECKIN_KINDS)}")
        if not isinstance(data, dict):
            raise ContentError(f"{where}: must be a table")
        days = data.get("days", 0)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
            raise ContentError(f"{where}: 'days' must be a whole number from 0 to 365")
        at_raw = str(data.get("at", "10:00"))
        try:
            at = time.fromisoformat(at_raw)
        except ValueError as exc:
            raise ContentError(f"{where}: 'at' must be a time such as 10:00") from exc
        rules[kind] = CheckinRule(
            kind=kind,
            days=days,
            at=at,
            enabled=bool(data.get("enabled", True)),
            text=_get(data, "text", where),
        )
    return rules


def parse_content(raw: Mapping[str, Any], city: str) -> Content:
    """Build checked content from a raw mapping as returned by :func:`read_city`.

    Raises:
        ContentError: on a missing field, a wrong type or a dangling reference.
    """
    pack = _get(raw, "pack", "pack.toml", dict)
    holidays = _holidays(pack)
    points = {k: _point(k, v) for k, v in raw.get("point", {}).items()}
    points = {
        k: replace(p, booking=replace(p.booking, holidays=holidays)) if p.booking else p
        for k, p in points.items()
    }
    content = Content(
        city=city,
        name=_get(pack, "name", "pack"),
        authorities={k: _authority(k, v) for k, v in raw.get("authority", {}).items()},
        points=points,
        routes={k: _route(k, v) for k, v in raw.get("route", {}).items()},
        statuses={
            k: Status(
                k,
                _get(v, "label", f"status.{k}"),
                _get(v, "ask_benefits", f"status.{k}", bool),
                bool(v.get("special", False)),
            )
            for k, v in raw.get("status", {}).items()
        },
        rules=tuple(_rule(i, r) for i, r in enumerate(raw.get("rule", []))),
        costs={k: _get(v, "text", f"cost.{k}") for k, v in raw.get("cost", {}).items()},
        triage=tuple(
            TriageQuestion(
                _get(q, "question", f"triage #{i + 1}"),
                _get(q, "yes", f"triage #{i + 1}"),
                q.get("no"),
                q.get("unknown"),
            )
            for i, q in enumerate(raw.get("triage", []))
        ),
        facts={
            k: Fact(
                k,
                str(_get(v, "value", f"fact.{k}", object)),
                _get(v, "kind", f"fact.{k}"),
                _provenance(v, f"fact.{k}"),
                bool(v.get("planned", False)),
            )
            for k, v in raw.get("fact", {}).items()
        },
        other_statuses=raw.get("statuses", {}).get("other"),
        desk=_desk(pack.get("desk")),
        checkins=_checkins(raw.get("checkin", {})),
    )
    _check_references(content)
    return content


def _check_references(c: Content) -> None:
    problems: list[str] = []
    for route in c.routes.values():
        if route.authority not in c.authorities:
            problems.append(f"route.{route.key}: unknown authority '{route.authority}'")
        if route.cost not in c.costs:
            problems.append(f"route.{route.key}: unknown cost '{route.cost}'")
        problems += [
            f"route.{route.key}: unknown counselling point '{p}'"
            for p in route.counselling
            if p not in c.points
        ]
    for i, rule in enumerate(c.rules):
        problems += [
            f"rule #{i + 1}: unknown route '{r}'" for r in rule.routes if r not in c.routes
        ]
        if rule.when.get("status") not in c.statuses:
            problems.append(f"rule #{i + 1}: unknown status '{rule.when.get('status')}'")
    planned = {k for k, f in c.facts.items() if f.planned}
    for route in c.routes.values():
        for note in route.notes:
            named = set(_PLACEHOLDER.findall(note.text)) & planned
            if named and note.until not in named:
                problems.append(
                    f"route.{route.key}.note: names the planned date {{{min(named)}}}; "
                    "say what holds after it (until, after)"
                )
            if (note.until is None) != (note.after is None):
                problems.append(f"route.{route.key}.note: 'until' and 'after' go together")
            elif note.until is not None and (
                note.until not in c.facts or c.facts[note.until].kind != "date"
            ):
                problems.append(f"route.{route.key}.note: 'until' must name a date fact")
    if any(s.special for s in c.statuses.values()) and not c.other_statuses:
        problems.append("statuses.other: the button for the special statuses is missing")
    for status in c.statuses:
        if not any(r.when.get("status") == status for r in c.rules):
            problems.append(f"status.{status}: no rule decides it")
    for i, q in enumerate(c.triage):
        for target in (q.yes, q.no, q.unknown):
            if target is not None and target not in c.statuses:
                problems.append(f"triage #{i + 1}: unknown status '{target}'")
    if c.triage and c.triage[-1].no is None:
        problems.append("triage: the last question needs a 'no' status")
    for where, text in _texts(c):
        problems += [
            f"{where}: unknown fact {{{name}}}"
            for name in _PLACEHOLDER.findall(text)
            if name not in c.facts
        ]
    if problems:
        raise ContentError("; ".join(problems))


def _texts(c: Content) -> list[tuple[str, str]]:
    """Every translatable text of the content with where it is, for checks and extraction."""
    out: list[tuple[str, str]] = [("pack.name", c.name)]
    for a in c.authorities.values():
        out += [(f"authority.{a.key}.name", a.name), (f"authority.{a.key}.ask", a.ask)]
    for p in c.points.values():
        out += [
            (f"point.{p.key}.name", p.name),
            (f"point.{p.key}.label", p.label),
            (f"point.{p.key}.serves", p.serves),
            (f"point.{p.key}.ask", p.ask),
        ]
    for r in c.routes.values():
        out.append((f"route.{r.key}.means", r.means))
        out += [(f"route.{r.key}.summary", r.summary), (f"route.{r.key}.next", r.next)]
        out += [(f"route.{r.key}.bring", b) for b in r.bring]
        out += [(f"route.{r.key}.note", n.text) for n in r.notes]
        out += [(f"route.{r.key}.note.after", n.after) for n in r.notes if n.after]
    out += [(f"status.{s.key}.label", s.label) for s in c.statuses.values()]
    if c.other_statuses:
        out.append(("statuses.other", c.other_statuses))
    out += [
        (f"rule #{i + 1}.together", r.together.text) for i, r in enumerate(c.rules) if r.together
    ]
    out += [(f"cost.{k}", t) for k, t in c.costs.items()]
    out += [(f"triage #{i + 1}", q.question) for i, q in enumerate(c.triage)]
    if c.desk is not None:
        out.append(("pack.desk.who", c.desk.who))
    out += [(f"checkin.{k}.text", r.text) for k, r in c.checkins.items()]
    return out


def translatable_texts(c: Content) -> list[tuple[str, str]]:
    """(where, English text) for every text that must be in the catalogs."""
    return _texts(c)
