"""The application core: one event of one user in, rendered replies out, state saved.

Channels (Telegram, terminal) call :meth:`Wegweiser.handle`. It loads the user's state, runs the
flow engine, carries out the flow's effects (booking, cancelling, handing to a counsellor,
erasing), saves the new state and writes any later messages to the outbox, all in one
transaction, and renders the replies in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.appointments import Appointments, profile
from bot.app.casework import Casework
from bot.app.content import content_from_db, load_files_into_db
from bot.app.courses import Catalogue, ReminderPlan
from bot.app.privacy import mydata_reply
from bot.content.model import Content
from bot.core.events import CommandIn, Event, TextIn
from bot.core.faq.snapshot import FaqSnapshot
from bot.core.messages import Msg
from bot.core.rules.timing import QuietHours
from bot.core.state import State
from bot.flows.base import (
    Book,
    Cancel,
    Ctx,
    Erase,
    Export,
    Follow,
    FollowNews,
    OpenCase,
    Outcome,
    Relay,
    Unanswered,
)
from bot.flows.courses import COURSE_STEPS
from bot.flows.engine import BOOKING_STEPS, handle, prompt
from bot.i18n.catalogs import Catalogs, suggest_language
from bot.i18n.render import Rendered, Renderer
from bot.runtime.config import Settings
from bot.storage import bookings as booking_repo
from bot.storage import faq as faq_store
from bot.storage.cases import audit, open_case_of
from bot.storage.courses import upcoming
from bot.storage.db import Database
from bot.storage.models import User
from bot.storage.personal import collect, forget, inactive_users
from bot.storage.users import load_conversation, save_conversation

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Answer:
    """What to send back: rendered replies in the user's language.

    Attributes:
        lang: The language of the replies.
        replies: The replies, in order.
        step: The user's step now.
        version: The state version (buttons carry it).
        queued: Whether messages were written to the outbox (send them soon).
    """

    lang: str
    replies: tuple[Rendered, ...]
    step: str
    version: int
    queued: bool = False


def data_needs(state: State, event: Event | None) -> frozenset[str]:
    """What a step needs from the database besides the state (kept small: every update pays)."""
    needs = set()
    command = event.name if isinstance(event, CommandIn) else None
    if state.step in BOOKING_STEPS or command == "appointments":
        needs.add("booking")
    if isinstance(event, TextIn) or state.step in ("result", "menu"):
        needs.add("case")
    if state.step in COURSE_STEPS or command == "reminders":
        needs.add("courses")
    return frozenset(needs)


class Wegweiser:
    """The bot without any channel."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        catalogs: Catalogs | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.db = db
        self.catalogs = catalogs or Catalogs()
        self.renderer = Renderer(self.catalogs, settings.timezone)
        self.clock = clock
        self.appointments = Appointments(settings.timezone)
        self.casework = Casework(settings.counsellor_chat_id)
        self.catalogue = Catalogue(
            ReminderPlan(
                days_before=settings.course_reminder_days,
                quiet=QuietHours.parse(settings.quiet_hours),
                tz=ZoneInfo(settings.timezone),
            )
        )
        self._content: Content | None = None
        self.faq: FaqSnapshot | None = None

    async def load_content(self, *, from_files: bool = True) -> Content:
        """Load the content files into the database (if changed) and use the stored copy."""
        if from_files:
            await load_files_into_db(self.db, self.settings.city, self.clock())
        content = await content_from_db(self.db, self.settings.city)
        if content is None:
            raise RuntimeError(f"no content stored for {self.settings.city}")
        self._content = content
        async with self.db.transaction() as session:
            await faq_store.seed(session, self.clock(), self.settings.city)
        await self.reload_faq()
        return content

    async def reload_faq(self) -> None:
        """Read the FAQ into memory again (after admins changed it)."""
        async with self.db.sessions() as session:
            self.faq = await faq_store.snapshot(session)

    @property
    def content(self) -> Content:
        """The content in use; :meth:`load_content` must have run."""
        if self._content is None:
            raise RuntimeError("content not loaded")
        return self._content

    async def _ctx(
        self,
        session: AsyncSession,
        user_id: int,
        state: State,
        needs: frozenset[str],
        client_language: str | None,
    ) -> Ctx:
        now = self.clock()
        ctx = Ctx(
            content=self.content,
            today=now.astimezone(ZoneInfo(self.settings.timezone)).date(),
            languages=self.catalogs.languages,
            suggested=suggest_language(client_language, self.catalogs.languages),
            now=now,
            tz=self.settings.timezone,
            counselling_available=self.settings.counsellor_chat_id is not None,
            faq=self.faq,
            inactivity_days=self.settings.inactivity_days,
        )
        if not state.consent:
            return ctx
        if "booking" in needs:
            ctx = replace(
                ctx,
                bookings=await booking_repo.active_bookings(session, user_id),
                free=await self.appointments.availability(session, self.content, now),
            )
        if "case" in needs:
            ctx = replace(ctx, open_case=await open_case_of(session, user_id) is not None)
        if "courses" in needs:
            followed, news = await self.catalogue.followed(session, user_id)
            ctx = replace(
                ctx,
                courses=await upcoming(session, ctx.today),
                followed=followed,
                wants_news=news,
            )
        return ctx

    async def handle(
        self,
        user_id: int,
        event: Event,
        *,
        update_id: int | None = None,
        client_language: str | None = None,
    ) -> Answer:
        """Apply one event of one user and return what to say.

        A Telegram update that was already applied (``update_id`` not newer than the last one)
        changes nothing and shows the current step again.
        """
        async with self.db.transaction() as session:
            state, last, _known = await load_conversation(
                session, user_id, lock=not self.db.is_sqlite
            )
            needs = data_needs(state, event)
            ctx = await self._ctx(session, user_id, state, needs, client_language)
            queued = False
            if update_id is not None and last is not None and update_id <= last:
                outcome = Outcome(state, tuple(prompt(state, ctx)))
            else:
                outcome = handle(state, event, ctx)
                more = data_needs(outcome.state, None) - needs
                if more:  # the next step needs data this one did not: decide again with it
                    needs |= more
                    ctx = await self._ctx(session, user_id, state, needs, client_language)
                    outcome = handle(state, event, ctx)
                lang = outcome.state.lang or state.lang or self.settings.default_language
                outcome, queued = await self._apply(
                    session, user_id, outcome, lang, update_id, client_language
                )
                if not any(isinstance(e, Erase) for e in outcome.effects):
                    await save_conversation(
                        session, user_id, outcome.state, update_id, self.clock()
                    )
        lang = outcome.state.lang or state.lang or ctx.suggested or self.settings.default_language
        rendered = tuple(self.renderer.reply(r, lang) for r in outcome.replies)
        return Answer(lang, rendered, outcome.state.step, outcome.state.version, queued)

    async def _apply(
        self,
        session: AsyncSession,
        user_id: int,
        outcome: Outcome,
        lang: str,
        update_id: int | None,
        client_language: str | None,
    ) -> tuple[Outcome, bool]:
        """Carry out the flow's effects in the open transaction; returns the final outcome."""
        now = self.clock()
        queued = False
        reprompt = False
        about = profile(outcome.state.answers, lang)
        needs = data_needs(outcome.state, None)

        async def note(event: str, booking_id: int | None = None) -> bool:
            case = await self.casework.note(
                session,
                user_id=user_id,
                event=event,
                lang=lang,
                profile=about,
                now=now,
                booking_id=booking_id,
            )
            return case is not None

        for effect in outcome.effects:
            if isinstance(effect, Erase):
                queued = await self.erase(session, user_id, now) or queued
            elif isinstance(effect, Export):
                data = await collect(session, user_id)
                export = mydata_reply(
                    data,
                    self.content,
                    inactivity_days=self.settings.inactivity_days,
                    tz=ZoneInfo(self.settings.timezone),
                    now=now,
                )
                outcome = Outcome(outcome.state, (*outcome.replies, export), outcome.effects)
                reprompt = True
            elif isinstance(effect, Book):
                result, booking = await self.appointments.book(
                    session, self.content, user_id=user_id, effect=effect, language=lang, now=now
                )
                if booking is not None:
                    await note("rescheduled" if effect.replaces else "booked", booking.id)
                    queued = True
                fresh = await self._ctx(session, user_id, outcome.state, needs, client_language)
                after = handle(outcome.state, result, fresh)
                outcome = Outcome(after.state, outcome.replies + after.replies, outcome.effects)
            elif isinstance(effect, Cancel):
                booking = await booking_repo.get_booking(session, effect.booking_id)
                if booking is not None and booking.user_id == user_id:
                    await self.appointments.end(session, booking, "cancelled", now)
                    await note("cancelled", booking.id)
                    queued = True
                reprompt = True
            elif isinstance(effect, Follow):
                if effect.follow:
                    await self.catalogue.follow(
                        session, user_id=user_id, course_id=effect.course_id, language=lang, now=now
                    )
                else:
                    await self.catalogue.unfollow(
                        session, user_id=user_id, course_id=effect.course_id
                    )
                reprompt = True
            elif isinstance(effect, FollowNews):
                if effect.filters is None:
                    await self.catalogue.unfollow_matches(session, user_id=user_id)
                else:
                    await self.catalogue.follow_matches(
                        session,
                        user_id=user_id,
                        filters=dict(effect.filters),
                        language=lang,
                        now=now,
                    )
                reprompt = True
            elif isinstance(effect, Unanswered):
                await faq_store.remember_unanswered(session, lang, effect.text, now)
            elif isinstance(effect, OpenCase):
                queued = await note("person") or queued
            elif isinstance(effect, Relay):
                queued = (
                    await self.casework.relay_from_user(
                        session,
                        user_id=user_id,
                        text=effect.text,
                        lang=lang,
                        now=now,
                        update_id=update_id,
                    )
                    or queued
                )
        if reprompt:
            fresh = await self._ctx(session, user_id, outcome.state, needs, client_language)
            replies = outcome.replies + tuple(prompt(outcome.state, fresh))
            outcome = Outcome(outcome.state, replies, outcome.effects)
        return outcome, queued

    async def erase(self, session: AsyncSession, user_id: int, now: datetime) -> bool:
        """Delete everything about the user (see :func:`bot.storage.personal.forget`).

        Seats of active bookings are freed first; bookings stay only as anonymous counts.
        Returns whether the counsellors' group was told that open cases ended.
        """
        for view in await booking_repo.active_bookings(session, user_id):
            booking = await booking_repo.get_booking(session, view.id)
            if booking is not None:
                await self.appointments.end(session, booking, "cancelled", now)
        open_cases = await forget(session, user_id, now)
        return await self.casework.close_erased(session, case_ids=open_cases, now=now)

    async def purge_inactive(self, now: datetime | None = None) -> int:
        """Erase, as /delete does but without a message, every user who has not written for
        ``INACTIVITY_DAYS``; returns how many. Each user goes in a transaction of their own."""
        now = now or self.clock()
        cutoff = now - timedelta(days=self.settings.inactivity_days)
        async with self.db.sessions() as session:
            candidates = await inactive_users(session, cutoff)
        erased = 0
        for user_id in candidates:
            async with self.db.transaction() as session:
                # Lock the conversation as an update would, then check again: they may just
                # have written.
                await load_conversation(session, user_id, lock=not self.db.is_sqlite)
                seen = await session.scalar(select(User.last_seen_at).where(User.id == user_id))
                if seen is None or seen >= cutoff:
                    continue
                await self.erase(session, user_id, now)
                erased += 1
        if erased:
            async with self.db.transaction() as session:
                detail = f"{erased} users, {self.settings.inactivity_days} days"
                await audit(
                    session, actor_id=0, role="system", action="purge", now=now, detail=detail
                )
        return erased

    async def stop_following(self, user_id: int, kind: str, course_id: int) -> str:
        """The "stop these" button of a course message; returns the user's language."""
        async with self.db.transaction() as session:
            await session.execute(
                update(User).where(User.id == user_id).values(last_seen_at=self.clock())
            )
            if kind == "m":
                await self.catalogue.unfollow_matches(session, user_id=user_id)
            else:
                await self.catalogue.unfollow(session, user_id=user_id, course_id=course_id)
            state, _last, _known = await load_conversation(session, user_id, lock=False)
        return state.lang or self.settings.default_language

    async def current(self, user_id: int, *, client_language: str | None = None) -> Answer:
        """The current step of a user, shown again without changing anything."""
        async with self.db.sessions() as session:
            state, _last, _known = await load_conversation(session, user_id, lock=False)
            ctx = await self._ctx(session, user_id, state, data_needs(state, None), client_language)
        lang = state.lang or ctx.suggested or self.settings.default_language
        replies = tuple(self.renderer.reply(r, lang) for r in prompt(state, ctx))
        return Answer(lang, replies, state.step, state.version)

    async def language_of(self, user_id: int, client_language: str | None = None) -> str:
        """The language a user chose, else the one their client suggests, else the default."""
        async with self.db.sessions() as session:
            state, _last, _known = await load_conversation(session, user_id, lock=False)
        return state.lang or suggest_language(client_language) or self.settings.default_language

    def text(self, msg: Msg, lang: str) -> str:
        """One message in ``lang``, for channel texts outside the flows."""
        return self.renderer.text(msg, lang)
