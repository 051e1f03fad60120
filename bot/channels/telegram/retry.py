"""Direct replies survive Telegram's hiccups: 429 waits as told, 5xx and network errors back off.

The outbox covers later messages; an answer to what the user just did is sent at once, inside
the chat's turn, and retried here. A faulted call that Telegram never received (429, 5xx,
refused or dropped connection) is safe to repeat. A read timeout is ambiguous: Telegram may
have delivered the message, so a retry after a timeout can, rarely, show it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.channels.telegram.transport import retry_seconds

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 8
# Backoff after a 5xx or network error: 0.2, 0.4, 0.8 ... capped at 5 s.
FIRST_BACKOFF, MAX_BACKOFF = 0.2, 5.0
# A 429 asking for longer than this is not waited for inside the user's turn.
MAX_RETRY_AFTER = 30.0


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> T:
    """``await call()``, repeated on transient errors; the last error is raised."""
    backoff = FIRST_BACKOFF
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == ATTEMPTS or wait > MAX_RETRY_AFTER:
                raise
            log.info("%s: 429, retry in %.1f s", what, wait, extra={"method": what, "status": 429})
            await asyncio.sleep(wait)
        except BadRequest:
            raise  # a NetworkError subclass in PTB, but repeating it cannot help
        except NetworkError as exc:  # 5xx, refused or dropped connections, timeouts
            if attempt == ATTEMPTS:
                raise
            log.info("%s: %s, retry %d", what, type(exc).__name__, attempt, extra={"method": what})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
    raise AssertionError("unreachable")
