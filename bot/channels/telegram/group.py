"""Groups: the counsellors' group works on cases (members only; strangers are refused and
audited by the app); any other group gets a polite "write to me directly"."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.app.desk import DeskMessage, Verdict
from bot.channels.telegram.context import Context
from bot.channels.telegram.retry import with_retries
from bot.channels.telegram.texts import PRIVATE_ONLY
from bot.core import buttons as callbacks
from bot.core.actions import CaseAction
from bot.core.messages import N_, Msg
from bot.i18n.catalogs import suggest_language

log = logging.getLogger(__name__)
REFUSED = N_("Only counsellors of this group can do this.")
DONE = N_("Done.")
NOT_POSSIBLE = N_("This is not possible for this case any more.")
TOASTS = {Verdict.DONE: DONE, Verdict.NOT_POSSIBLE: NOT_POSSIBLE, Verdict.REFUSED: REFUSED}
DESK_LANGUAGE = "de"


async def on_desk_update(update: Update, context: Context) -> bool:
    """An update from the counsellors' group; returns whether anything was queued."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        return False
    data = context.bot_data
    member = await data.members.is_member(context.bot, chat.id, user.id)
    query = update.callback_query
    if query is not None:
        return await _button(update, context, user.id, member)
    message = update.message
    if message is None or message.text is None:
        return False
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    desk_message = DeskMessage(
        chat.id, message.message_thread_id, reply_to, message.message_id, message.text
    )
    return await data.core.desk.message(desk_message, actor_id=user.id, member=member)


async def _button(update: Update, context: Context, user_id: int, member: bool) -> bool:
    query = update.callback_query
    assert query is not None
    core = context.bot_data.core
    action = callbacks.read(query.data)
    verdict = (
        await core.desk.button(action, actor_id=user_id, member=member)
        if isinstance(action, CaseAction)
        else (Verdict.NOT_POSSIBLE if member else Verdict.REFUSED)
    )
    toast = TOASTS[verdict]
    try:
        await query.answer(core.text(Msg(toast), DESK_LANGUAGE), show_alert=toast == REFUSED)
    except TelegramError as exc:
        log.info("callback answer failed: %s", exc)
    return verdict is Verdict.DONE


async def other_group_notice(update: Update, context: Context) -> None:
    """Someone addressed the bot with a command in a group: it only talks in private."""
    message = update.message
    if message is None or not (message.text or "").startswith("/"):
        return
    if update.effective_chat is None:
        return
    core = context.bot_data.core
    user = update.effective_user
    lang = suggest_language(user.language_code if user else None) or core.settings.default_language
    chat_id = update.effective_chat.id
    await with_retries(
        lambda: context.bot.send_message(chat_id, core.text(Msg(PRIVATE_ONLY), lang)),
        "sendMessage",
    )
