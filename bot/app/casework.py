"""Cases: a newcomer handed to the counsellors' group, and what counsellors do with it.

Every message to the group or to the newcomer goes through the outbox, written in the same
transaction as the change that causes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import stats
from bot.app.checkins import Checkins
from bot.app.outbox import Outbox
from bot.core.actions import CASE_VERBS
from bot.core.address import Address
from bot.core.messages import N_, Msg, When
from bot.core.text import split_for_relay
from bot.delivery.intents import CaseClosed, CaseNote, RelayToDesk, RelayToUser, ToUser
from bot.storage import bookings as booking_repo
from bot.storage.cases import CLOSED, audit, open_case, open_case_of
from bot.storage.models import CaseRow
from bot.storage.users import as_utc

# What counsellors can do with a case, by callback action.
ACTIONS = CASE_VERBS
USER_TOLD = {
    "confirm": N_("Your appointment is confirmed. See /appointments."),
    "propose": N_(
        "Your counsellor asks you to choose another time. Please use /appointments to change it."
    ),
    "close": N_("Your counsellor has closed this conversation. Send /start to begin again."),
}


def _key(*parts: object) -> str:
    return ":".join(str(p) for p in parts)


async def tell_user(
    session: AsyncSession, *, user_id: int, msg: Msg, lang: str, key: str, now: datetime
) -> None:
    """A message to the newcomer, rendered in their language when it is sent."""
    await Outbox(session).to_user(user_id, ToUser(msg, lang), key=key, now=now)


class Casework:
    """Cases on one counsellors' desk (``None``: no desk configured, nothing is sent)."""

    def __init__(self, desk: Address | None, checkins: Checkins | None = None) -> None:
        self.desk = desk
        self.checkins = checkins

    @property
    def available(self) -> bool:
        """Whether counsellors can be reached here."""
        return self.desk is not None

    async def note(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        event: str,
        lang: str,
        profile: Mapping[str, str],
        now: datetime,
        booking_id: int | None = None,
    ) -> CaseRow | None:
        """Open (or reuse) the user's case and tell the group what happened."""
        if self.desk is None:
            return None
        reason = "booking" if booking_id is not None else "person"
        case, created = await open_case(
            session, user_id=user_id, reason=reason, language=lang, now=now, booking_id=booking_id
        )
        await Outbox(session, self.desk).to_desk(
            CaseNote(case.id, "opened" if created else event, booking_id, dict(profile)),
            key=_key("case", case.id, event, booking_id, now.isoformat()),
            now=now,
        )
        return case

    async def relay_from_user(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        text: str,
        lang: str,
        now: datetime,
        update_id: int | None,
    ) -> bool:
        """Pass the newcomer's text to their case's topic; False if no case is open."""
        if self.desk is None:
            return False
        case = await open_case_of(session, user_id)
        if case is None:
            return False
        key = _key("relay-in", case.id, update_id if update_id is not None else now.isoformat())
        outbox = Outbox(session, self.desk)
        for n, piece in enumerate(split_for_relay(text)):
            # One second apart: the dispatcher sends them in order, one tick each.
            await outbox.to_desk(
                RelayToDesk(case.id, piece, lang),
                key=key if n == 0 else f"{key}:{n}",
                now=now,
                due_at=now + timedelta(seconds=n),
            )
        return True

    async def relay_from_counsellor(
        self,
        session: AsyncSession,
        *,
        case: CaseRow,
        actor_id: int,
        text: str,
        message_id: int,
        now: datetime,
    ) -> bool:
        """Pass a counsellor's text to the newcomer, as "your counsellor"."""
        if case.status == CLOSED or case.user_id is None:
            return False
        key = _key("relay-out", case.id, message_id)
        outbox = Outbox(session)
        for n, piece in enumerate(split_for_relay(text)):
            await outbox.to_user(
                case.user_id,
                RelayToUser(piece, case.language),
                key=key if n == 0 else f"{key}:{n}",
                now=now,
                due_at=now + timedelta(seconds=n),
            )
        await audit(
            session, actor_id=actor_id, role="counsellor", action="relay", now=now, case_id=case.id
        )
        return True

    async def close_erased(
        self, session: AsyncSession, *, case_ids: list[int], now: datetime
    ) -> bool:
        """Close the topics of cases whose newcomer deleted their data; True if any."""
        if self.desk is None:
            return False
        outbox = Outbox(session, self.desk)
        for case_id in case_ids:
            await outbox.to_desk(CaseClosed(case_id), key=_key("closed", case_id), now=now)
        return bool(case_ids)

    async def act(
        self, session: AsyncSession, *, case: CaseRow, actor_id: int, action: str, now: datetime
    ) -> bool:
        """Apply a counsellor's button on a case; False if it does not apply (any more)."""
        if action not in ACTIONS or case.status == CLOSED:
            return False
        booking = (
            await booking_repo.get_booking(session, case.booking_id) if case.booking_id else None
        )
        if action in ("confirm", "propose", "attended", "noshow") and (
            booking is None or booking.status != booking_repo.ACTIVE
        ):
            return False
        assert case.user_id is not None or action == "close"
        if action == "confirm" and booking is not None:
            booking.confirmed_at = now
        elif action in ("attended", "noshow") and booking is not None:
            from bot.app.appointments import drop_reminders

            ended: Literal["attended", "no_show"] = (
                "attended" if action == "attended" else "no_show"
            )
            await booking_repo.end_booking(session, booking, ended, now)
            await drop_reminders(session, booking.id)
            if action == "noshow" and self.checkins is not None and case.user_id is not None:
                await self.checkins.noshow(session, case.user_id, booking.id, now)
            await stats.record(session, now, [(ended, booking.point)], case.language)
        elif action == "checkin":
            if self.checkins is None or case.user_id is None:
                return False
            if await self.checkins.by_counsellor(session, case.user_id, now) is None:
                return False
        elif action == "close":
            case.status, case.closed_at = CLOSED, now
            await Outbox(session, self.desk).to_desk(
                CaseClosed(case.id), key=_key("closed", case.id), now=now
            )
        if action in USER_TOLD and case.user_id is not None:
            msg = Msg(USER_TOLD[action])
            if action == "confirm" and booking is not None:
                msg = Msg(
                    N_("Your appointment on {when} is confirmed."),
                    {"when": When(as_utc(booking.starts_at))},
                )
            await tell_user(
                session,
                user_id=case.user_id,
                msg=msg,
                lang=case.language,
                key=_key("told", case.id, action, now.isoformat()),
                now=now,
            )
        await audit(
            session, actor_id=actor_id, role="counsellor", action=action, now=now, case_id=case.id
        )
        return True
