"""The python-telegram-bot Application: wiring of handlers, start-up set-up, polling."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from zoneinfo import ZoneInfo

from telegram import Bot, BotCommand, Chat, InputFile, Update
from telegram import User as TgUser
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.app import admin
from bot.app.conversation import Answer, Wegweiser
from bot.channels.telegram.convert import to_event, update_kind
from bot.channels.telegram.counsellors import Membership, on_group_update
from bot.channels.telegram.flood import FloodGuard, Verdict
from bot.channels.telegram.jobs import PURGE_INTERVAL, purge_job
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.render import html_text, keyboard, split_text
from bot.channels.telegram.retry import with_retries
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.texts import (
    COMMANDS,
    DESCRIPTION,
    PRIVATE_ONLY,
    SHORT_DESCRIPTION,
    SLOW_DOWN,
    SORRY,
    STOPPED,
)
from bot.core.events import CommandIn
from bot.core.ids import parse_id
from bot.core.messages import N_, Msg, Term
from bot.core.rules.timing import QuietHours
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.i18n.catalogs import suggest_language
from bot.runtime.config import Settings
from bot.storage.outbox import SendWindow

log = logging.getLogger(__name__)
APP_KEY = "wegweiser"
DISPATCHER_KEY = "dispatcher"
DISPATCH_TASK_KEY = "dispatch-task"
DISPATCH_STOP_KEY = "dispatch-stop"
MEMBERS_KEY = "members"
FLOOD_KEY = "flood"
# Requests the outbox keeps in flight at most: enough to fill Telegram's budget while each
# request takes its round trip, well inside the connection pool.
MAX_OUTBOX_IN_FLIGHT = 64
UPDATE_CONCURRENCY = 64
ADMIN_COMMANDS = frozenset(
    {
        "capacity",
        "close",
        "reopen",
        "course_list",
        "course_add",
        "course_cancel",
        "faq_list",
        "faq_status",
        "faq_set",
        "faq_question",
        "faq_add",
        "faq_unanswered",
    }
)


def _core(context: ContextTypes.DEFAULT_TYPE) -> Wegweiser:
    core: Wegweiser = context.application.bot_data[APP_KEY]
    return core


async def send_answer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, answer: Answer) -> None:
    """Send each reply; the keyboard goes with the last piece of its reply."""
    for reply in answer.replies:
        if reply.attachment is not None:
            name, data = reply.attachment
            document = partial(context.bot.send_document, chat_id, InputFile(data, filename=name))
            await with_retries(document, "sendDocument")
        pieces = split_text(html_text(reply))
        markup = keyboard(reply, answer.version)
        for i, piece in enumerate(pieces):
            message = partial(
                context.bot.send_message,
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if i == len(pieces) - 1 else None,
                disable_web_page_preview=True,
            )
            await with_retries(message, "sendMessage")


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every update goes through here: private chats to the flows, the counsellors' group to
    casework, other groups politely aside."""
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


async def _route(
    update: Update, context: ContextTypes.DEFAULT_TYPE, trace: dict[str, object]
) -> None:
    chat, user = update.effective_chat, update.effective_user
    if update.edited_message is not None or chat is None or user is None or user.is_bot:
        return  # edits, channel posts and service updates need no answer
    core = _core(context)
    trace["chat"] = chat.type
    if chat.id == core.settings.counsellor_chat_id:
        members: Membership = context.application.bot_data[MEMBERS_KEY]
        trace["outcome"] = "counsellors"
        if await on_group_update(update, context, core, members):
            kick_dispatcher(context.application)
        return
    # The button's spinner is stopped while the step is worked out, not before.
    spinner = asyncio.create_task(_stop_spinner(update))
    try:
        await _answer(update, context, core, chat, user, trace)
    finally:
        await spinner


async def _stop_spinner(update: Update) -> None:
    if update.callback_query is None:
        return
    query = update.callback_query
    try:
        await with_retries(query.answer, "answerCallbackQuery")
    except TelegramError as exc:  # an old query can no longer be answered; not fatal
        log.info("callback answer failed: %s", exc)


async def _answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    core: Wegweiser,
    chat: Chat,
    user: TgUser,
    trace: dict[str, object],
) -> None:
    if chat.type != "private":
        trace["outcome"] = "group"
        await _group_notice(update, context, core)
        return
    flood: FloodGuard = context.application.bot_data[FLOOD_KEY]
    verdict = flood.check(user.id)
    if verdict is not Verdict.OK:
        trace["outcome"] = "flood"
        if verdict is Verdict.WARN:
            lang = await core.language_of(user.id, user.language_code)
            await with_retries(
                lambda: context.bot.send_message(chat.id, core.text(Msg(SLOW_DOWN), lang)),
                "sendMessage",
            )
        return
    query = update.callback_query
    if query is not None and (query.data or "").startswith("u:"):
        await _stop_reminders(update, context, core, user.id)
        return
    event = to_event(update)
    if event is None:
        return
    if (
        isinstance(event, CommandIn)
        and event.name in ADMIN_COMMANDS
        and user.id in core.settings.admin_ids
    ):
        await _admin(context, core, chat.id, user, event)
        return
    try:
        answer = await core.handle(
            user.id, event, update_id=update.update_id, client_language=user.language_code
        )
    except Exception as exc:
        # Nothing was saved (the transaction rolled back); the user may simply try again.
        trace["outcome"] = "failed"
        log.warning("update failed: %s", type(exc).__name__, exc_info=True, extra=trace)
        lang = suggest_language(user.language_code) or core.settings.default_language
        await with_retries(
            lambda: context.bot.send_message(chat.id, core.text(Msg(SORRY), lang)), "sendMessage"
        )
        return
    trace["step"], trace["outcome"] = answer.step, "answered"
    if answer.queued:
        kick_dispatcher(context.application)
    try:
        await send_answer(context, chat.id, answer)
    except Forbidden:
        trace["outcome"] = "blocked"


async def _group_notice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, core: Wegweiser
) -> None:
    message = update.message
    addressed = message is not None and (message.text or "").startswith("/")
    if (
        not addressed
        or update.effective_chat is None
        or update.effective_chat.id == core.settings.counsellor_chat_id
    ):
        return
    user = update.effective_user
    lang = suggest_language(user.language_code if user else None) or core.settings.default_language
    chat_id = update.effective_chat.id
    await with_retries(
        lambda: context.bot.send_message(chat_id, core.text(Msg(PRIVATE_ONLY), lang)),
        "sendMessage",
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log errors without update contents (they may hold personal data)."""
    log.error("error while handling an update: %r", context.error, exc_info=context.error)


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Set the command menu and descriptions in every language."""
    core: Wegweiser = application.bot_data[APP_KEY]
    bot = application.bot
    for lang in (None, *core.catalogs.languages):
        text_lang = lang or core.settings.default_language
        commands = [BotCommand(name, core.text(Msg(desc), text_lang)) for name, desc in COMMANDS]
        await bot.set_my_commands(commands, language_code=lang)
        await bot.set_my_description(core.text(Msg(DESCRIPTION), text_lang), language_code=lang)
        await bot.set_my_short_description(
            core.text(Msg(SHORT_DESCRIPTION), text_lang), language_code=lang
        )


async def _stop_reminders(
    update: Update, context: ContextTypes.DEFAULT_TYPE, core: Wegweiser, user_id: int
) -> None:
    """The "stop these" button under a course message."""
    query = update.callback_query
    assert query is not None
    _u, kind, ident = ((query.data or "") + "::").split(":")[:3]
    course_id = parse_id(ident)
    if kind not in ("c", "m") or course_id is None:
        return
    lang = await core.stop_following(user_id, kind, course_id)
    if query.message is not None:
        try:
            await context.bot.edit_message_reply_markup(
                query.message.chat.id, query.message.message_id, reply_markup=None
            )
        except TelegramError as exc:
            log.info("could not remove the stop button: %s", exc)
    await context.bot.send_message(
        query.message.chat.id if query.message else user_id, core.text(Msg(STOPPED), lang)
    )


async def _admin(
    context: ContextTypes.DEFAULT_TYPE,
    core: Wegweiser,
    chat_id: int,
    user: TgUser,
    event: CommandIn,
) -> None:
    lang = suggest_language(user.language_code) or core.settings.default_language
    try:
        if event.name.startswith("faq_"):
            result, changed = await admin.faq(
                core.db,
                event.name,
                event.args,
                actor_id=user.id,
                now=core.clock(),
                languages=core.catalogs.languages,
                admins=core.settings.admin_ids,
            )
            if changed:
                await core.reload_faq()
            kick_dispatcher(context.application)
        elif event.name.startswith("course_"):
            result = await admin.courses(
                core.db, core.catalogue, event.name, event.args, actor_id=user.id, now=core.clock()
            )
        else:
            result = await admin.run(
                core.db,
                core.content,
                [event.name, *event.args.split()],
                actor_id=user.id,
                now=core.clock(),
            )
    except admin.AdminError as exc:
        result = str(exc)
    text = core.text(Msg(N_("Admin: {result}"), {"result": Term(result)}), lang)
    for piece in split_text(text):  # results and errors may echo long input
        await context.bot.send_message(chat_id, piece)


def kick_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Send what was just queued now, instead of at the dispatcher's next look."""
    dispatcher: Dispatcher = application.bot_data[DISPATCHER_KEY]
    dispatcher.wake()


def start_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Run the outbox dispatcher beside the Application until :func:`stop_dispatcher`."""
    dispatcher: Dispatcher = application.bot_data[DISPATCHER_KEY]
    stopping = asyncio.Event()
    application.bot_data[DISPATCH_STOP_KEY] = stopping
    application.bot_data[DISPATCH_TASK_KEY] = asyncio.create_task(dispatcher.serve(stopping))


async def stop_dispatcher(application: Application) -> None:  # type: ignore[type-arg]
    """Stop taking rows; the requests in flight finish (their rows are safe either way)."""
    stopping: asyncio.Event | None = application.bot_data.pop(DISPATCH_STOP_KEY, None)
    task: asyncio.Task[None] | None = application.bot_data.pop(DISPATCH_TASK_KEY, None)
    if stopping is None or task is None:
        return
    stopping.set()
    try:
        await asyncio.wait_for(task, timeout=5.0)
    except TimeoutError:
        log.warning("outbox: requests in flight did not finish; they go out after a restart")
    except Exception:
        log.exception("outbox dispatcher ended with an error")


def build_application(settings: Settings, core: Wegweiser) -> Application:  # type: ignore[type-arg]
    """The Application for ``core``, talking to ``settings.telegram_api_url``."""
    if not settings.bot_token:
        raise ValueError("BOT_TOKEN is required for Telegram")

    # The outbox has its own connections: a wave of reminders never makes a newcomer's reply
    # wait for a free connection, and a small pool is quick to pick from.
    concurrency = min(MAX_OUTBOX_IN_FLIGHT, max(4, settings.messages_per_second))
    outbox_bot = Bot(
        settings.bot_token,
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
        request=HTTPXRequest(connection_pool_size=concurrency + 4, pool_timeout=10.0),
    )

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        await core.load_content()
        await publish_commands(application)
        await with_retries(outbox_bot.initialize, "getMe")
        dispatcher: Dispatcher = application.bot_data[DISPATCHER_KEY]
        await dispatcher.recover()
        start_dispatcher(application)
        assert application.job_queue is not None
        application.job_queue.run_repeating(purge_job, interval=PURGE_INTERVAL, first=60)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        await outbox_bot.shutdown()
        await core.db.dispose()

    application = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(UPDATE_CONCURRENCY))
        # Each update in hand may hold two requests (spinner and reply); admin and group
        # work needs a few more. A full pool would turn replies into pool timeouts.
        .connection_pool_size(2 * UPDATE_CONCURRENCY + 8)
        .pool_timeout(10.0)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[APP_KEY] = core
    composer = Composer(
        core.db,
        core.renderer,
        lambda: core.content,
        TelegramTransport(outbox_bot),
        clock=core.clock,
        tz=settings.timezone,
    )
    rate = settings.messages_per_second
    application.bot_data[DISPATCHER_KEY] = Dispatcher(
        core.db,
        composer,
        core.clock,
        Limits(per_second=rate),
        concurrency=concurrency,
        window=SendWindow(QuietHours.parse(settings.quiet_hours), ZoneInfo(settings.timezone)),
    )
    application.bot_data[MEMBERS_KEY] = Membership()
    application.bot_data[FLOOD_KEY] = FloodGuard(settings.flood_messages, settings.flood_seconds)
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application


async def start_polling(application: Application, *, timeout: int = 10) -> None:  # type: ignore[type-arg]
    """Start ``application`` inside a running event loop (tests, benchmarks)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=timeout, allowed_updates=Update.ALL_TYPES
    )


async def stop_polling(application: Application) -> None:  # type: ignore[type-arg]
    """Stop what :func:`start_polling` started."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await stop_dispatcher(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
