"""Who belongs to the counsellors' group, asked from Telegram and kept for a few minutes."""

from __future__ import annotations

import time

from telegram import Bot
from telegram.error import TelegramError

MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})
MEMBERSHIP_TTL = 300.0


class Membership:
    """Who belongs to the counsellors' group, asked from Telegram and kept for a few minutes."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[bool, float]] = {}

    async def is_member(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        cached = self._cache.get(user_id)
        if cached is not None and time.monotonic() - cached[1] < MEMBERSHIP_TTL:
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return False
        ok = member.status in MEMBER_STATUSES or (
            member.status == "restricted" and bool(getattr(member, "is_member", False))
        )
        self._cache[user_id] = (ok, time.monotonic())
        return ok
