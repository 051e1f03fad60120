"""A course as the providers describe it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Final, Literal

from bot.core.messages import N_

# Course types and their names for newcomers (English source texts, translated when shown).
COURSE_TYPES: dict[str, str] = {
    "general": N_("General integration course"),
    "youth": N_("Youth integration course (under 27)"),
    "parents": N_("Integration course for parents"),
    "women": N_("Integration course for women"),
    "literacy": N_("Literacy course"),
    "second_script": N_("Course for second-script learners"),
    "intensive": N_("Intensive course"),
    "support": N_("Support course"),
    "mama_lernt_deutsch": N_("Mama lernt Deutsch (city course for mothers)"),
    "city": N_("Other city course"),
}
WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
CourseStatus = Literal["active", "cancelled", "archived"]
ACTIVE: Final = "active"
CANCELLED: Final = "cancelled"
ARCHIVED: Final = "archived"


@dataclass(frozen=True)
class Course:
    """One course of a provider's plan (a CSV row, validated)."""

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
    target_group: str
    childcare: bool
    free_places: int | None
    registration: str
    cancelled: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """Provider and provider's code: the course's identity across imports."""
        return (self.provider, self.code)

    def fingerprint(self) -> str:
        """A hash of everything the provider said, to see whether a re-import changed it."""
        data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def weekdays_text(self) -> str:
        """Weekdays as stored: German two-letter abbreviations."""
        return ",".join(WEEKDAYS_DE[d] for d in self.weekdays)
