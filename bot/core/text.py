"""Long relayed texts become several messages, each within Telegram's 4,096 characters.

The limit counts the text as sent, after HTML escaping ("&" becomes five characters), and the
relay adds a heading; pieces are cut at a line break or a space where one is near.
"""

from __future__ import annotations

from html import escape

# Room for the heading ("Your counsellor:", "Case #12, message in fa:") within 4,096.
PIECE_LIMIT = 3800


def _escaped_length(text: str) -> int:
    return len(escape(text, quote=False))


def split_for_relay(text: str, limit: int = PIECE_LIMIT) -> list[str]:
    """``text`` in order, in pieces whose escaped length is at most ``limit``."""
    pieces: list[str] = []
    rest = text
    while _escaped_length(rest) > limit:
        size, cut = 0, 0
        for i, char in enumerate(rest):
            size += _escaped_length(char)
            if size > limit:
                cut = i
                break
        # Prefer a line break, then a space, in the second half of the piece.
        for separator in ("\n", " "):
            at = rest.rfind(separator, cut // 2, cut)
            if at > 0:
                cut = at + 1
                break
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces
