"""Long relayed texts are split into messages within Telegram's limit, nothing lost."""

from __future__ import annotations

import random
from html import escape

import pytest

from bot.core.text import PIECE_LIMIT, split_for_relay


@pytest.mark.parametrize(
    "text",
    [
        "",
        "kurz",
        "a" * PIECE_LIMIT,
        "&" * 4000,  # 20,000 characters once escaped
        ("Bitte bringen Sie Ihren Pass mit. " * 300).strip(),
        "\n".join(f"Zeile <b>{i}</b> & mehr" for i in range(400)),
        "".join(random.Random(7).choice("ab &<>\n\u200fشسی") for _ in range(20_000)),
    ],
)
def test_pieces_fit_and_join_to_the_text(text: str) -> None:
    pieces = split_for_relay(text)
    assert "".join(pieces) == text
    assert all(len(escape(p, quote=False)) <= PIECE_LIMIT for p in pieces)
    assert all(pieces) or pieces == [""]


def test_pieces_end_at_a_space_or_line_break_where_there_is_one() -> None:
    text = ("word " * 2000).strip()
    pieces = split_for_relay(text)
    assert len(pieces) > 1 and all(p.endswith(" ") for p in pieces[:-1])
