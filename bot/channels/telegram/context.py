"""What the Telegram handlers share, typed: PTB's ``bot_data`` is this object, not a dict."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.app.conversation import Wegweiser
from bot.channels.telegram.membership import Membership
from bot.delivery.dispatcher import Dispatcher
from bot.runtime.flood import FloodGuard


class BotData:
    """The bot's shared parts; set once by ``build_application``."""

    core: Wegweiser
    dispatcher: Dispatcher
    members: Membership
    flood: FloodGuard
    outbox_bot: Bot
    dispatch_task: asyncio.Task[None] | None = None
    dispatch_stop: asyncio.Event | None = None


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
App = Application[
    ExtBot[None],
    Context,
    dict[Any, Any],
    dict[Any, Any],
    BotData,
    JobQueue[Any],
]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
