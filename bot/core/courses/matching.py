"""Which courses fit a newcomer: types open to their age and situation, then their filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from math import asin, cos, radians, sin, sqrt

from bot.core.courses.model import ACTIVE, COURSE_TYPES

RADIUS_KM = 5.0
TIMES_OF_DAY = {
    "morning": ("00:00", "12:00"),
    "afternoon": ("12:00", "17:00"),
    "evening": ("17:00", "24:00"),
}


@dataclass(frozen=True)
class CourseView:
    """What the flows need to know of a course."""

    id: int
    provider: str
    code: str
    type: str
    level: str
    starts_on: date
    ends_on: date
    weekdays: tuple[int, ...]
    time_from: str
    time_to: str
    address: str
    district: str
    latitude: float | None
    longitude: float | None
    childcare: bool
    free_places: int | None
    registration: str
    status: str = ACTIVE


@dataclass(frozen=True)
class Filters:
    """A newcomer's wishes. Empty fields mean "any"."""

    district: str | None = None
    near: tuple[float, float] | None = None
    time_of_day: str | None = None
    childcare: bool = False
    within_weeks: int | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON form (for match subscriptions)."""
        return {
            "district": self.district,
            "near": list(self.near) if self.near else None,
            "time_of_day": self.time_of_day,
            "childcare": self.childcare,
            "within_weeks": self.within_weeks,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Filters:
        """Read :meth:`to_json`."""
        near = data.get("near")
        weeks = data.get("within_weeks")
        return cls(
            district=str(data["district"]) if data.get("district") else None,
            near=(float(near[0]), float(near[1]))
            if isinstance(near, list) and len(near) == 2
            else None,
            time_of_day=str(data["time_of_day"])
            if data.get("time_of_day") in TIMES_OF_DAY
            else None,
            childcare=bool(data.get("childcare")),
            within_weeks=int(weeks) if isinstance(weeks, int) else None,
        )


def eligible_types(age_band: str | None) -> frozenset[str]:
    """Course types open to a person: the youth course only under 27."""
    types = set(COURSE_TYPES)
    if age_band == "27_plus":
        types.discard("youth")
    return frozenset(types)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))


def matches(course: CourseView, filters: Filters, types: frozenset[str], today: date) -> bool:
    """Whether a course is open to the person and fits their filters."""
    if course.status != ACTIVE or course.type not in types or course.starts_on < today:
        return False
    if filters.district and course.district.casefold() != filters.district.casefold():
        return False
    if filters.near is not None:
        if course.latitude is None or course.longitude is None:
            return False
        if distance_km(filters.near, (course.latitude, course.longitude)) > RADIUS_KM:
            return False
    if filters.time_of_day:
        first, last = TIMES_OF_DAY[filters.time_of_day]
        if not first <= course.time_from < last:
            return False
    if filters.childcare and not course.childcare:
        return False
    return not (
        filters.within_weeks is not None
        and course.starts_on > today + timedelta(weeks=filters.within_weeks)
    )


def find(
    courses: tuple[CourseView, ...], filters: Filters, types: frozenset[str], today: date
) -> list[CourseView]:
    """Matching courses: nearest first when a location is given, else soonest first."""
    found = [c for c in courses if matches(c, filters, types, today)]
    if filters.near is not None:
        near = filters.near
        return sorted(
            found, key=lambda c: distance_km(near, (c.latitude or 0.0, c.longitude or 0.0))
        )
    return sorted(found, key=lambda c: (c.starts_on, c.time_from, c.id))
