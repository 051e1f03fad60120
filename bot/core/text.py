"""Long texts in pieces that fit a channel's limit, cut where a reader expects a break.

The limit counts the text as the channel will send it: ``measure`` says how long a piece
becomes (for HTML, after escaping: "&" becomes five characters). Pieces are cut at a line
break or a space in the second half of a piece, else hard.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

# Room for a relay's heading ("Your counsellor:", "Case #12, message in fa:") in any channel
# (Telegram allows 4,096 characters after escaping).
PIECE_LIMIT = 3800


def escaped_length(text: str) -> int:
    """The length of ``text`` once HTML-escaped."""
    return len(escape(text, quote=False))


def split(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """``text`` in order, in pieces each at most ``limit`` long as ``measure`` counts."""
    pieces: list[str] = []
    rest = text
    while measure(rest) > limit:
        size, cut = 0, 0
        for i, char in enumerate(rest):
            size += measure(char)
            if size > limit:
                cut = i
                break
        for separator in ("\n", " "):
            at = rest.rfind(separator, cut // 2, cut)
            if at > 0:
                cut = at + 1
                break
        pieces.append(rest[: max(cut, 1)])
        rest = rest[max(cut, 1) :]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def split_for_relay(text: str, limit: int = PIECE_LIMIT) -> list[str]:
    """A relayed text in pieces that each fit one message of any channel."""
    return split(text, limit, escaped_length)
