"""Scheduled work besides the outbox dispatcher: the daily purge of inactive users."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import ContextTypes

from bot.app.conversation import Wegweiser

log = logging.getLogger(__name__)
PURGE_INTERVAL = timedelta(days=1)


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Erase users who have not written for ``INACTIVITY_DAYS`` (PTB JobQueue, daily)."""
    from bot.channels.telegram.app import (
        APP_KEY,  # bot.channels.telegram.app schedules this job: import it late
    )

    core: Wegweiser = context.application.bot_data[APP_KEY]
    try:
        count = await core.purge_inactive()
    except Exception:  # tomorrow's run tries again; nothing was half-deleted (one transaction each)
        log.exception("purge of inactive users failed")
        return
    log.info("purge: %d inactive users erased", count, extra={"event": "purge"})
