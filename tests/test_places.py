"""Places people can find: visiting hours and the nearest stop are content with a source; only
confirmed ones are shown, in the reader's weekday names; the booking confirmation carries them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.content.model import Content
from bot.content.parse import ContentError, parse_content, read_city
from bot.core.messages import Lines
from bot.flows.guidance import visit_lines
from bot.i18n.bidi import strip_controls
from bot.i18n.catalogs import Catalogs
from bot.i18n.render import Renderer


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return read_city("stuttgart")


def _shown(content: Content, key: str, lang: str, catalogs: Catalogs) -> str:
    authority = content.authorities[key]
    lines = visit_lines(authority.details, authority.opening)
    return strip_controls(Renderer(catalogs).text(Lines(tuple(lines)), lang)) if lines else ""


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Mon–Wed 08:30–13:00, Thu 13:00–18:00, and Fri 08:30–12:00"),
        ("de", "Mo.–Mi. 08:30–13:00, Do. 13:00–18:00 und Fr. 08:30–12:00"),
    ],
)
def test_confirmed_visiting_hours_are_shown_in_the_readers_day_names(
    content: Content, catalogs: Catalogs, lang: str, expected: str
) -> None:
    shown = _shown(content, "auslaenderbehoerde", lang, catalogs)
    assert expected in shown
    # The stop there is only inferred (no source): not shown.
    assert "Rathaus" not in shown


def test_unconfirmed_hours_and_stops_are_not_shown(content: Content, catalogs: Catalogs) -> None:
    mbe = content.points["mbe"]
    assert mbe.opening is not None and not mbe.opening.showable
    assert mbe.details["stop"].value and not mbe.details["stop"].showable
    assert visit_lines(mbe.details, mbe.opening) == []


def test_a_confirmed_stop_is_shown(raw: dict[str, Any], catalogs: Catalogs) -> None:
    changed = copy.deepcopy(raw)
    changed["authority"]["auslaenderbehoerde"]["stop"]["confirmed"] = True
    content = parse_content(changed, "stuttgart")
    assert "Rathaus (Stadtbahn)" in _shown(content, "auslaenderbehoerde", "en", catalogs)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"weekdays": [7], "opens": "08:00", "closes": "12:00"}, "weekdays must be numbers"),
        ({"weekdays": [], "opens": "08:00", "closes": "12:00"}, "weekdays must be numbers"),
        ({"weekdays": [1], "opens": "8 Uhr", "closes": "12:00"}, "HH:MM"),
        ({"weekdays": [1], "opens": "12:00", "closes": "08:00"}, "closes must be after opens"),
    ],
)
def test_broken_visiting_hours_are_refused_with_where(
    raw: dict[str, Any], window: dict[str, Any], message: str
) -> None:
    changed = copy.deepcopy(raw)
    changed["authority"]["auslaenderbehoerde"]["opening"]["windows"] = [window]
    with pytest.raises(ContentError, match=f"auslaenderbehoerde.opening.*{message}"):
        parse_content(changed, "stuttgart")


def test_hours_without_a_source_are_refused(raw: dict[str, Any]) -> None:
    changed = copy.deepcopy(raw)
    changed["authority"]["auslaenderbehoerde"]["opening"].pop("source")
    with pytest.raises(ContentError, match="missing 'source'"):
        parse_content(changed, "stuttgart")
