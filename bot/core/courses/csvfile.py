"""Reading providers' course plans from CSV: every row checked, every error with line and column.

Columns (header row required, in any order; `;` or `,` as separator, UTF-8):

| column | required | format |
|---|---|---|
| provider | yes | the provider's name |
| code | yes | the provider's course code, unique per provider |
| type | yes | general, youth, parents, women, literacy, second_script, intensive, support, |
| | | mama_lernt_deutsch, city |
| level | yes | level or module, e.g. A1, B1, Modul 1-3 |
| start, end | yes | YYYY-MM-DD or DD.MM.YYYY; end not before start |
| weekdays | yes | Mo,Di,Mi,Do,Fr,Sa,So (also Mo-Fr) |
| time_from, time_to | yes | HH:MM, from before to |
| address | yes | street and number, postcode and city |
| district | yes | district of the city, e.g. Bad Cannstatt |
| lat, lon | no | decimal degrees (both or neither) |
| target_group | no | free text |
| childcare | yes | ja/nein (also yes/no, 1/0) |
| free_places | no | whole number |
| registration | yes | how to register: phone, e-mail, web address or place |
| status | no | empty or "active"; "cancelled" (abgesagt) cancels the course |
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.courses.model import COURSE_TYPES, WEEKDAYS_DE, Course

REQUIRED = (
    "provider",
    "code",
    "type",
    "level",
    "start",
    "end",
    "weekdays",
    "time_from",
    "time_to",
    "address",
    "district",
    "childcare",
    "registration",
)
OPTIONAL = ("lat", "lon", "target_group", "free_places", "status")
# The documented order (docs/courses.md, the sample file, the admin's /course_add).
COLUMNS = (
    "provider",
    "code",
    "type",
    "level",
    "start",
    "end",
    "weekdays",
    "time_from",
    "time_to",
    "address",
    "district",
    "lat",
    "lon",
    "target_group",
    "childcare",
    "free_places",
    "registration",
    "status",
)
MAX_TEXT = 300
_DAY_ALIASES = {
    **{d.lower(): i for i, d in enumerate(WEEKDAYS_DE)},
    **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
}
_YES = {
    "ja": True,
    "yes": True,
    "1": True,
    "x": True,
    "nein": False,
    "no": False,
    "0": False,
    "": False,
}


@dataclass(frozen=True)
class RowError:
    """One problem in the file: line number (1 = header; 0 = the file as a whole), column, what
    is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        return f"line {self.line}, column {self.column}: {self.message}"


class CourseFileError(ValueError):
    """A file that cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


def _date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date (YYYY-MM-DD or DD.MM.YYYY)")


def _weekdays(value: str) -> tuple[int, ...]:
    days: set[int] = set()
    for part in filter(None, (p.strip().lower() for p in re.split(r"[,/ ]+", value))):
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in _DAY_ALIASES or last not in _DAY_ALIASES:
                raise ValueError(f"unknown weekday range '{part}'")
            a, b = _DAY_ALIASES[first], _DAY_ALIASES[last]
            if b < a:
                raise ValueError(f"weekday range '{part}' runs backwards")
            days.update(range(a, b + 1))
        elif part in _DAY_ALIASES:
            days.add(_DAY_ALIASES[part])
        else:
            raise ValueError(f"unknown weekday '{part}' (use Mo,Di,Mi,Do,Fr,Sa,So)")
    if not days:
        raise ValueError("at least one weekday is needed")
    return tuple(sorted(days))


def _number(value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise ValueError("not a number") from None


def _clock(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("not a time (HH:MM)")
    return value


def _row(line: int, row: dict[str, str], errors: list[RowError]) -> Course | None:
    def get(column: str) -> str:
        return (row.get(column) or "").strip()

    before = len(errors)

    def check(column: str, parse, value: str):  # type: ignore[no-untyped-def]
        try:
            return parse(value)
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
            return None

    for column in REQUIRED:
        if not get(column) and column != "childcare":
            errors.append(RowError(line, column, "is empty"))
    for column in (*REQUIRED, *OPTIONAL):
        if len(get(column)) > MAX_TEXT:
            errors.append(RowError(line, column, f"longer than {MAX_TEXT} characters"))
    kind = get("type").lower()
    if kind and kind not in COURSE_TYPES:
        errors.append(
            RowError(line, "type", f"unknown type '{kind}' (one of {', '.join(COURSE_TYPES)})")
        )
    start = check("start", _date, get("start")) if get("start") else None
    end = check("end", _date, get("end")) if get("end") else None
    if start and end and end < start:
        errors.append(RowError(line, "end", "is before start"))
    days = check("weekdays", _weekdays, get("weekdays")) if get("weekdays") else None
    t_from = check("time_from", _clock, get("time_from")) if get("time_from") else None
    t_to = check("time_to", _clock, get("time_to")) if get("time_to") else None
    if t_from and t_to and t_to <= t_from:
        errors.append(RowError(line, "time_to", "is not after time_from"))
    lat = lon = None
    if get("lat") or get("lon"):
        lat = check("lat", _number, get("lat")) if get("lat") else None
        lon = check("lon", _number, get("lon")) if get("lon") else None
        if lat is None or lon is None:
            errors.append(
                RowError(line, "lat" if lat is None else "lon", "both lat and lon, or neither")
            )
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            errors.append(RowError(line, "lat", "coordinates out of range"))
    childcare = _YES.get(get("childcare").lower())
    if childcare is None:
        errors.append(RowError(line, "childcare", "use ja or nein"))
    places = None
    if get("free_places"):
        if get("free_places").isdigit():
            places = int(get("free_places"))
        else:
            errors.append(RowError(line, "free_places", "not a whole number"))
    status = get("status").lower()
    if status not in ("", "active", "aktiv", "cancelled", "abgesagt"):
        errors.append(RowError(line, "status", "empty, active or cancelled"))
    if len(errors) > before:
        return None
    assert start and end and days and t_from and t_to and childcare is not None
    return Course(
        provider=get("provider"),
        code=get("code"),
        type=kind,
        level=get("level"),
        starts_on=start,
        ends_on=end,
        weekdays=days,
        time_from=t_from,
        time_to=t_to,
        address=get("address"),
        district=get("district"),
        latitude=lat,
        longitude=lon,
        target_group=get("target_group"),
        childcare=childcare,
        free_places=places,
        registration=get("registration"),
        cancelled=status in ("cancelled", "abgesagt"),
    )


def read_courses(text: str) -> list[Course]:
    """Parse a whole file; raises :class:`CourseFileError` with every problem if any row is bad."""
    try:
        return _read(text)
    except csv.Error as exc:  # e.g. a stray carriage return inside a field
        raise CourseFileError([RowError(0, "-", f"not readable as CSV: {exc}")]) from None


def _read(text: str) -> list[Course]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CourseFileError([RowError(1, "-", "the file is empty")])
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    errors = [RowError(1, c, "column missing") for c in REQUIRED if c not in header]
    errors += [RowError(1, c, "unknown column") for c in header if c not in REQUIRED + OPTIONAL]
    if errors:
        raise CourseFileError(errors)
    courses: list[Course] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values()):
            continue
        if None in row:
            errors.append(RowError(line, "-", "more values than columns"))
            continue
        course = _row(line, row, errors)
        if course is None:
            continue
        if course.key in seen:
            errors.append(
                RowError(line, "code", f"same provider and code as line {seen[course.key]}")
            )
            continue
        seen[course.key] = line
        courses.append(course)
    if errors:
        raise CourseFileError(errors)
    return courses
