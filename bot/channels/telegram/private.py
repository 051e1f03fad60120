"""Private chats: a newcomer's update becomes an event for the conversation, its answer becomes
Telegram messages. Admins' commands go to the admin command table; "stop" buttons under
course messages to the app."""

from __future__ import annotations

import logging
from functools import partial

from telegram import Chat, InputFile, LinkPreviewOptions, Update
from telegram import User as TgUser
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.app.admin import AdminContext, AdminError, execute
from bot.app.console import ConsoleAccess, Role
from bot.app.conversation import Answer, Wegweiser
from bot.channels.telegram.context import Context
from bot.channels.telegram.convert import to_event
from bot.channels.telegram.render import html_pieces, keyboard
from bot.channels.telegram.retry import with_retries
from bot.channels.telegram.texts import CONSOLE_LINK, CONSOLE_OFF, SLOW_DOWN, SORRY, STOPPED
from bot.core import buttons as callbacks
from bot.core.actions import CaseAction, StopCourse, StopNews
from bot.core.address import Address
from bot.core.events import CommandIn, InvalidChoiceIn
from bot.core.messages import N_, Msg, Term
from bot.i18n.catalogs import suggest_language
from bot.runtime.flood import Verdict

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def address(chat: Chat) -> Address:
    """A Telegram chat as the app knows it."""
    return Address(CHANNEL, str(chat.id))


async def send_answer(context: Context, chat_id: int, answer: Answer) -> None:
    """Send each reply; the keyboard goes with the last piece of its reply."""
    for reply in answer.replies:
        if reply.attachment is not None:
            name, data = reply.attachment
            document = partial(context.bot.send_document, chat_id, InputFile(data, filename=name))
            await with_retries(document, "sendDocument")
        pieces = html_pieces(reply.body, reply.title)
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


async def on_private_update(
    update: Update, context: Context, chat: Chat, user: TgUser, trace: dict[str, object]
) -> bool:
    """Answer a newcomer (or an admin); returns whether the outbox got new messages."""
    data = context.bot_data
    core = data.core
    verdict = data.flood.check(user.id)
    if verdict is not Verdict.OK:
        trace["outcome"] = "flood"
        if verdict is Verdict.WARN:
            lang = await core.language_of(address(chat), user.language_code)
            await with_retries(
                lambda: context.bot.send_message(chat.id, core.text(Msg(SLOW_DOWN), lang)),
                "sendMessage",
            )
        return False
    query = update.callback_query
    pressed = callbacks.read(query.data) if query is not None else None
    if isinstance(pressed, StopCourse | StopNews):
        await _stop(update, context, chat, pressed)
        return False
    event = to_event(update)
    if isinstance(pressed, CaseAction):
        event = InvalidChoiceIn()  # a counsellor's button has no place in a private chat
    if event is None:
        return False
    if isinstance(event, CommandIn) and event.name in _admin_names(core) and _is_admin(core, user):
        await _admin(context, core, chat.id, user, event)
        return True
    if isinstance(event, CommandIn) and event.name == "console":
        role = await _staff_role(context, core, user)
        if role is not None:
            await _console_link(context, core, chat.id, user, role)
            return False
    try:
        answer = await core.handle(
            address(chat), event, update_id=update.update_id, client_language=user.language_code
        )
    except Exception as exc:
        # Nothing was saved (the transaction rolled back); the user may simply try again.
        trace["outcome"] = "failed"
        log.warning("update failed: %s", type(exc).__name__, exc_info=True, extra=trace)
        lang = suggest_language(user.language_code) or core.settings.default_language
        await with_retries(
            lambda: context.bot.send_message(chat.id, core.text(Msg(SORRY), lang)), "sendMessage"
        )
        return False
    trace["step"], trace["outcome"] = answer.step, "answered"
    try:
        await send_answer(context, chat.id, answer)
    except Forbidden:
        trace["outcome"] = "blocked"
    return answer.queued


def _admin_names(core: Wegweiser) -> frozenset[str]:
    from bot.app.admin import COMMANDS

    return frozenset(COMMANDS)


def _is_admin(core: Wegweiser, user: TgUser) -> bool:
    return user.id in core.settings.admin_ids


async def _staff_role(context: Context, core: Wegweiser, user: TgUser) -> Role | None:
    """Admins by ``ADMIN_IDS``; counsellors by membership of the counsellors' group, asked now.
    Anyone else gets the usual answer to an unknown command."""
    if _is_admin(core, user):
        return "admin"
    group = core.settings.counsellor_chat_id
    if group is not None and await context.bot_data.members.is_member(context.bot, group, user.id):
        return "counsellor"
    return None


async def _console_link(
    context: Context, core: Wegweiser, chat_id: int, user: TgUser, role: Role
) -> None:
    """A one-time sign-in link to the web console (no preview: the link is for one person)."""
    lang = suggest_language(user.language_code) or core.settings.default_language
    if not core.settings.console_url:
        text = core.text(Msg(CONSOLE_OFF), lang)
    else:
        token = await ConsoleAccess(core.db, core.clock).issue_link(user.id, role)
        link = f"{core.settings.console_url}/console/signin?token={token}"
        text = core.text(Msg(CONSOLE_LINK, {"link": Term(link)}), lang)
    await with_retries(
        lambda: context.bot.send_message(
            chat_id, text, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
        "sendMessage",
    )


async def _stop(
    update: Update, context: Context, chat: Chat, action: StopCourse | StopNews
) -> None:
    """The "stop these" button under a course message."""
    query = update.callback_query
    assert query is not None
    core = context.bot_data.core
    lang = await core.stop_following(address(chat), action)
    if query.message is not None:
        try:
            await context.bot.edit_message_reply_markup(
                query.message.chat.id, query.message.message_id, reply_markup=None
            )
        except TelegramError as exc:
            log.info("could not remove the stop button: %s", exc)
    await context.bot.send_message(chat.id, core.text(Msg(STOPPED), lang))


async def _admin(
    context: Context, core: Wegweiser, chat_id: int, user: TgUser, event: CommandIn
) -> None:
    lang = suggest_language(user.language_code) or core.settings.default_language
    admins = tuple(Address(CHANNEL, str(a)) for a in sorted(core.settings.admin_ids))
    ctx = AdminContext(
        db=core.db,
        content=core.content,
        catalogue=core.catalogue,
        now=core.clock(),
        languages=core.catalogs.languages,
        actor_id=user.id,
        admins=admins,
    )
    try:
        result = await execute(ctx, event.name, event.args)
        if result.faq_changed:
            await core.reload_faq()
        text = result.text
    except AdminError as exc:
        text = str(exc)
    reply = core.text(Msg(N_("Admin: {result}"), {"result": Term(text)}), lang)
    for piece in html_pieces(reply):  # results and errors may echo long input
        await context.bot.send_message(chat_id, piece, parse_mode=ParseMode.HTML)
