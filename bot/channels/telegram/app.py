"""The python-telegram-bot Application: wiring, the router of every update, start-up set-up,
the outbox dispatcher beside it, polling."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, TypeHandler

from bot.app.conversation import Wegweiser
from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.context import CONTEXT_TYPES, App, BotData, Context
from bot.channels.telegram.convert import update_kind
from bot.channels.telegram.group import on_desk_update, other_group_notice
from bot.channels.telegram.jobs import PURGE_INTERVAL, purge_job
from bot.channels.telegram.membership import Membership
from bot.channels.telegram.private import CHANNEL, on_private_update
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.retry import with_retries
from bot.channels.telegram.texts import COMMANDS, DESCRIPTION, SHORT_DESCRIPTION
from bot.channels.telegram.transport import TelegramDesk, TelegramTransport
from bot.core.messages import Msg
from bot.core.rules.timing import QuietHours, SendWindow
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.delivery.ports import ChannelPort
from bot.delivery.threads import CaseThreads
from bot.i18n.catalogs import client_codes
from bot.runtime.config import Settings
from bot.runtime.flood import FloodGuard

log = logging.getLogger(__name__)
UPDATE_CONCURRENCY = 64
# Requests the outbox keeps in flight at most: enough to fill Telegram's budget while each
# request takes its round trip, well inside the outbox's own connection pool.
MAX_OUTBOX_IN_FLIGHT = 64


def is_group(address: str) -> bool:
    """Telegram's group and channel chats have negative ids."""
    return address.startswith("-")


async def on_update(update: Update, context: Context) -> None:
    """Every update goes through here: private chats to the conversation, the counsellors'
    group to the desk, other groups politely aside."""
    started = time.monotonic()
    trace: dict[str, object] = {
        "event": "update",
        "kind": update_kind(update),
        "outcome": "ignored",
    }
    try:
        await _route(update, context, trace)
    except Exception:
        trace["outcome"] = "error"
        raise
    finally:
        trace["ms"] = round((time.monotonic() - started) * 1000, 1)
        log.info("update %s", trace["outcome"], extra=trace)


async def _route(update: Update, context: Context, trace: dict[str, object]) -> None:
    chat, user = update.effective_chat, update.effective_user
    query = update.callback_query
    if query is not None and query.message is None and user is not None and not user.is_bot:
        # A button on a message sent in inline mode (which this bot does not use): there is
        # no chat to answer in, but the spinner on the user's screen must still stop.
        trace["outcome"] = "inline"
        await _stop_spinner(update)
        return
    if update.edited_message is not None or chat is None or user is None or user.is_bot:
        return  # edits, channel posts and service updates need no answer
    data = context.bot_data
    trace["chat"] = chat.type
    if chat.id == data.core.settings.counsellor_chat_id:
        trace["outcome"] = "counsellors"
        if await on_desk_update(update, context):
            data.dispatcher.wake()
        return
    # The button's spinner is stopped while the step is worked out, not before.
    spinner = asyncio.create_task(_stop_spinner(update))
    try:
        if chat.type != "private":
            trace["outcome"] = "group"
            await other_group_notice(update, context)
        elif await on_private_update(update, context, chat, user, trace):
            data.dispatcher.wake()
    finally:
        await spinner


async def _stop_spinner(update: Update) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await with_retries(query.answer, "answerCallbackQuery")
    except TelegramError as exc:  # an old query can no longer be answered; not fatal
        log.info("callback answer failed: %s", exc)


async def on_error(update: object, context: Context) -> None:
    """Log errors without update contents (they may hold personal data)."""
    log.error("error while handling an update: %r", context.error, exc_info=context.error)


async def publish_commands(application: App) -> None:
    """Set the command menu and descriptions in every language."""
    core = application.bot_data.core
    bot = application.bot
    published: list[tuple[str | None, str]] = [(None, core.settings.default_language)]
    for lang in core.catalogs.languages:
        published += [(code, lang) for code in client_codes(lang)]
    for code, text_lang in published:
        commands = [BotCommand(name, core.text(Msg(desc), text_lang)) for name, desc in COMMANDS]
        await bot.set_my_commands(commands, language_code=code)
        city = {"city": Msg(core.content.name)}
        description = core.text(Msg(DESCRIPTION, city), text_lang)
        await bot.set_my_description(description, language_code=code)
        short = core.text(Msg(SHORT_DESCRIPTION, city), text_lang)
        await bot.set_my_short_description(short, language_code=code)


def kick_dispatcher(application: App) -> None:
    """Send what was just queued now, instead of at the dispatcher's next look."""
    application.bot_data.dispatcher.wake()


def start_dispatcher(application: App) -> None:
    """Run the outbox dispatcher beside the Application until :func:`stop_dispatcher`."""
    data = application.bot_data
    data.dispatch_stop = asyncio.Event()
    data.dispatch_task = asyncio.create_task(data.dispatcher.serve(data.dispatch_stop))


async def stop_dispatcher(application: App) -> None:
    """Stop taking rows; the requests in flight finish (their rows are safe either way)."""
    data = application.bot_data
    stopping, task = data.dispatch_stop, data.dispatch_task
    data.dispatch_stop = data.dispatch_task = None
    if stopping is None or task is None:
        return
    stopping.set()
    try:
        await asyncio.wait_for(task, timeout=5.0)
    except TimeoutError:
        log.warning("outbox: requests in flight did not finish; they go out after a restart")
    except Exception:
        log.exception("outbox dispatcher ended with an error")


def build_application(
    settings: Settings, core: Wegweiser, others: Sequence[ChannelPort] = ()
) -> App:
    """The Application for ``core``, talking to ``settings.telegram_api_url``; its outbox
    dispatcher also delivers for the ``others`` channels served by this process (the web
    chat), each within its own limits."""
    if not settings.bot_token:
        raise ValueError("BOT_TOKEN is required for Telegram")
    # The outbox has its own connections: a wave of reminders never makes a newcomer's reply
    # wait for a free connection, and a small pool is quick to pick from.
    concurrency = min(MAX_OUTBOX_IN_FLIGHT, max(4, settings.messages_per_second))
    outbox_bot = Bot(
        settings.bot_token,
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
        request=AiohttpRequest(concurrency + 4, pool_timeout=10.0),
    )

    async def post_init(application: App) -> None:
        await core.load_content()
        await publish_commands(application)
        await with_retries(outbox_bot.initialize, "getMe")
        await application.bot_data.dispatcher.recover()
        start_dispatcher(application)
        assert application.job_queue is not None
        application.job_queue.run_repeating(purge_job, interval=PURGE_INTERVAL, first=60)

    async def post_shutdown(application: App) -> None:
        await outbox_bot.shutdown()
        await core.db.dispose()

    application: App = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(PerChatUpdateProcessor(UPDATE_CONCURRENCY))
        # Each update in hand may hold two requests (spinner and reply); admin and group
        # work needs a few more. A full pool would turn replies into pool timeouts.
        .request(AiohttpRequest(2 * UPDATE_CONCURRENCY + 8, pool_timeout=10.0))
        .get_updates_request(AiohttpRequest(1))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    transport = TelegramTransport(outbox_bot)
    port = ChannelPort(
        name=CHANNEL,
        transport=transport,
        desk=TelegramDesk(transport, CaseThreads(core.db)),
        per_second=settings.messages_per_second,
        is_group=is_group,
    )
    composer = Composer(
        core.db,
        core.renderer,
        lambda: core.content,
        {CHANNEL: port, **{other.name: other for other in others}},
        clock=core.clock,
        tz=settings.timezone,
    )
    limits = Limits(per_second=port.per_second, is_group=port.is_group)
    channel_limits = {
        other.name: Limits(per_second=other.per_second, private_interval=other.per_chat_interval)
        for other in others
    }
    data: BotData = application.bot_data
    data.core = core
    data.outbox_bot = outbox_bot
    data.dispatcher = Dispatcher(
        core.db,
        composer,
        core.clock,
        limits,
        concurrency=concurrency,
        window=SendWindow(QuietHours.parse(settings.quiet_hours), ZoneInfo(settings.timezone)),
        channel_limits=channel_limits,
    )
    data.members = Membership()
    data.flood = FloodGuard(settings.flood_messages, settings.flood_seconds)
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application


async def start_polling(application: App, *, timeout: int = 10) -> None:
    """Start ``application`` inside a running event loop (tests, benchmarks)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=timeout, allowed_updates=Update.ALL_TYPES
    )


async def stop_polling(application: App) -> None:
    """Stop what :func:`start_polling` started."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await stop_dispatcher(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
