"""The counsellors' group: case buttons, relayed answers, /close. Members only, all audited."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.app.casework import ACTIONS
from bot.app.conversation import Wegweiser
from bot.core.ids import parse_id
from bot.core.messages import N_, Msg
from bot.storage.cases import audit, case_for_group_message
from bot.storage.models import CaseRow

log = logging.getLogger(__name__)
MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})
MEMBERSHIP_TTL = 300.0
REFUSED = N_("Only counsellors of this group can do this.")
DONE = N_("Done.")
NOT_POSSIBLE = N_("This is not possible for this case any more.")


class Membership:
    """Who belongs to the counsellors' group, asked from Telegram and kept for a few minutes."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[bool, float]] = {}

    async def is_member(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int
    ) -> bool:
        cached = self._cache.get(user_id)
        if cached is not None and time.monotonic() - cached[1] < MEMBERSHIP_TTL:
            return cached[0]
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return False
        ok = member.status in MEMBER_STATUSES or (
            member.status == "restricted" and bool(getattr(member, "is_member", False))
        )
        self._cache[user_id] = (ok, time.monotonic())
        return ok


async def on_group_update(
    update: Update, context: ContextTypes.DEFAULT_TYPE, core: Wegweiser, members: Membership
) -> bool:
    """Handle an update from the counsellors' group; returns whether anything was queued."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        return False
    is_member = await members.is_member(context, chat.id, user.id)
    query = update.callback_query
    if query is not None:
        return await _button(update, context, core, chat.id, user.id, is_member)
    message = update.message
    if message is None or message.text is None:
        return False
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    async with core.db.transaction() as session:
        case = await case_for_group_message(session, chat.id, message.message_thread_id, reply_to)
        if case is None:
            return False
        now = core.clock()
        if not is_member:
            await audit(
                session,
                actor_id=user.id,
                role="stranger",
                action="refused-message",
                now=now,
                case_id=case.id,
            )
            return False
        if message.text.strip().split("@")[0] == "/close":
            done = await core.casework.act(
                session, case=case, actor_id=user.id, action="close", now=now
            )
            return done
        if message.text.startswith("/"):
            return False
        return await core.casework.relay_from_counsellor(
            session,
            case=case,
            actor_id=user.id,
            text=message.text,
            message_id=message.message_id,
            now=now,
        )


async def _button(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    core: Wegweiser,
    chat_id: int,
    user_id: int,
    is_member: bool,
) -> bool:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    toast = REFUSED
    done = False
    case_id = parse_id(parts[1]) if len(parts) == 3 else None
    if case_id is not None and parts[0] == "c" and parts[2] in ACTIONS:
        async with core.db.transaction() as session:
            case = await session.get(CaseRow, case_id)
            now = core.clock()
            if not is_member:
                await audit(
                    session,
                    actor_id=user_id,
                    role="stranger",
                    action="refused-button",
                    now=now,
                    case_id=case.id if case else None,
                    detail=parts[2],
                )
            elif case is not None:
                done = await core.casework.act(
                    session, case=case, actor_id=user_id, action=parts[2], now=now
                )
                toast = DONE if done else NOT_POSSIBLE
            else:
                toast = NOT_POSSIBLE
    try:
        await query.answer(core.text(Msg(toast), "de"), show_alert=toast == REFUSED)
    except TelegramError as exc:
        log.info("callback answer failed: %s", exc)
    return done
