"""Scheduled work besides the outbox dispatcher: the daily purge of inactive users."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.channels.telegram.context import Context

log = logging.getLogger(__name__)
PURGE_INTERVAL = timedelta(days=1)


async def purge_job(context: Context) -> None:
    """Erase users who have not written for ``INACTIVITY_DAYS`` (PTB JobQueue, daily)."""
    try:
        count = await context.bot_data.core.purge_inactive()
    except Exception:  # tomorrow's run tries again; nothing was half-deleted (one transaction each)
        log.exception("purge of inactive users failed")
        return
    log.info("purge: %d inactive users erased", count, extra={"event": "purge"})
