"""Who is writing: an anonymous session in an HttpOnly cookie, no account. The database keeps
only a hash of the cookie's value, so reading the database does not let anyone in."""

from __future__ import annotations

import hashlib
import re
import secrets

from bot.core.address import Address
from bot.i18n.catalogs import LANGUAGES, suggest_language

CHANNEL = "web"
COOKIE = "wegweiser_chat"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_TAG = re.compile(r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?")


def new_token() -> str:
    """A new session's cookie value (256 random bits)."""
    return secrets.token_urlsafe(32)


def valid(token: str | None) -> bool:
    """Whether ``token`` looks like one of ours (anything else starts a new session)."""
    return token is not None and _TOKEN.fullmatch(token) is not None


def reader(token: str) -> Address:
    """The address of the session with cookie value ``token``."""
    return Address(CHANNEL, hashlib.sha256(token.encode("ascii")).hexdigest())


def preferred_language(
    accept_language: str | None, available: tuple[str, ...] = LANGUAGES
) -> str | None:
    """The browser's most preferred language the bot speaks, from ``Accept-Language``."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        match = _TAG.fullmatch(part)
        if match is None or match.group(1) == "*":
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if weight > 0:
            ranked.append((-weight, position, match.group(1)))
    for _weight, _position, tag in sorted(ranked):
        found = suggest_language(tag, available)
        if found is not None:
            return found
    return None
