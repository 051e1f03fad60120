"""Which routes into a course apply to a person, and where they get first counselling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.content.model import Content, CounsellingPoint, Note, Route

# Inclusive age ranges of the two bands the bot asks for. Counselling starts at 12 (JMD).
AGE_BANDS: dict[str, tuple[int, int]] = {"under_27": (12, 26), "27_plus": (27, 120)}


@dataclass(frozen=True)
class Decision:
    """The routes that apply, in the order to follow them, and how they relate."""

    routes: tuple[Route, ...]
    together: Note | None


def decide(content: Content, answers: Mapping[str, str]) -> Decision:
    """Apply the first content rule whose conditions all match ``answers``.

    Raises:
        LookupError: if no rule matches (content checks make sure every status has one).
    """
    for rule in content.rules:
        if all(answers.get(key) == value for key, value in rule.when.items()):
            return Decision(tuple(content.routes[r] for r in rule.routes), rule.together)
    raise LookupError(f"no rule for {dict(answers)}")


def _fits(point: CounsellingPoint, band: str) -> bool:
    low, high = AGE_BANDS[band]
    return point.serves_age(low) and point.serves_age(high)


def counselling(content: Content, decision: Decision, band: str) -> tuple[CounsellingPoint, ...]:
    """In-person points that serve this age band for the decided routes, in route order."""
    seen: dict[str, CounsellingPoint] = {}
    for route in decision.routes:
        for key in route.counselling:
            point = content.points[key]
            if not point.online and _fits(point, band):
                seen.setdefault(key, point)
    return tuple(seen.values())


def online_counselling(content: Content, band: str) -> tuple[CounsellingPoint, ...]:
    """Online counselling services for this age band."""
    return tuple(p for p in content.points.values() if p.online and _fits(p, band))
