"""Content files: checked references, provenance on every fact, the admin report."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from bot.app.content import jsonable
from bot.content.check import report
from bot.content.model import Content
from bot.content.parse import ContentError, parse_content, read_city


@pytest.fixture()
def raw() -> dict[str, Any]:
    return copy.deepcopy(jsonable(read_city("stuttgart")))


def test_every_status_is_decided_and_every_route_is_complete(content: Content) -> None:
    assert set(content.statuses) == {
        "new_arrival",
        "spaetaussiedler",
        "long_resident",
        "buergergeld",
        "eu_citizen",
        "asylum",
        "ukraine",
    }
    for route in content.routes.values():
        assert route.bring and route.means and route.provenance.source


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["route"]["new_arrival"].update(authority="nowhere"), "unknown authority"),
        (
            lambda r: r["route"]["asylum"]["counselling"].append("ghost"),
            "unknown counselling point",
        ),
        (
            lambda r: r["rule"].append({"when": {"status": "x"}, "routes": ["asylum"]}),
            "unknown status",
        ),
        (lambda r: r["route"]["asylum"].pop("as_of"), "missing 'as_of'"),
        (lambda r: r["authority"]["bva"].update(confirmed="yes"), "'confirmed' must be bool"),
        (lambda r: r["cost"]["free"].update(text="{unknown_fact}"), "unknown fact"),
        (lambda r: r["triage"][-1].pop("no"), "needs a 'no' status"),
        (
            lambda r: r["route"]["buergergeld"]["note"][1].pop("until"),
            "names the planned date",
        ),
        (
            lambda r: r["route"]["buergergeld"]["note"][1].pop("after"),
            "'until' and 'after' go together",
        ),
    ],
)
def test_broken_content_is_refused_with_where(
    raw: dict[str, Any], mutate: Any, message: str
) -> None:
    mutate(raw)
    with pytest.raises(ContentError, match=message):
        parse_content(raw, "stuttgart")


def test_report_lists_unconfirmed_and_stale_facts(content: Content) -> None:
    lines = report(content, today=date(2026, 11, 21), max_age_days=365)
    text = "\n".join(lines)
    assert "TO BE CONFIRMED: point.clearingstelle.address" in text
    assert "TO BE CONFIRMED: authority.auslaenderbehoerde.address" not in text
    assert "TO BE CONFIRMED: fact.grundsicherung_start" in text
    assert "TO BE CONFIRMED: rule #1 precedence" in text
    # Confirmed in April 2025: not "to be confirmed", but stale after a year.
    phone = [line for line in lines if "auslaenderbehoerde.phone " in line]
    assert phone and phone[0].startswith("STALE (599 days old)")
    fresh = report(content, today=date(2025, 5, 1), max_age_days=365)
    assert not any("auslaenderbehoerde.phone " in line for line in fresh)
    # A planned date that has passed asks whether the plan is in force.
    assert "PLANNED DATE PASSED: fact.grundsicherung_start" in text
    assert not any("PLANNED DATE PASSED" in line for line in fresh)
