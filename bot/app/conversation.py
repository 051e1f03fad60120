"""The application core: one event of one user in, rendered replies out, state saved.

Channels (Telegram, terminal) call :meth:`Wegweiser.handle`. It loads the user's state, runs the
flow engine, carries out the flow's effects (booking, cancelling, handing to a counsellor,
erasing), saves the new state and writes any later messages to the outbox, all in one
transaction, and renders the replies in the user's language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import stats
from bot.app.appointments import Appointments, profile
from bot.app.casework import Casework
from bot.app.checkins import Checkins
from bot.app.content import content_from_db, load_files_into_db
from bot.app.courses import Catalogue, ReminderPlan
from bot.app.desk import Desk
from bot.app.privacy import mydata_reply
from bot.app.stats import milestones
from bot.app.uow import UnitOfWork, reading, unit_of_work
from bot.content.model import Content
from bot.core.actions import StopCourse, StopNews
from bot.core.address import Address
from bot.core.events import CheckinIn, CommandIn, Event, TextIn
from bot.core.faq.snapshot import FaqSnapshot
from bot.core.messages import Msg, Reply
from bot.core.rules.timing import QuietHours
from bot.core.state import State
from bot.flows.base import (
    Book,
    Cancel,
    CheckinAnswered,
    CheckinConsent,
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
from bot.storage import checkins as checkin_store
from bot.storage import faq as faq_store
from bot.storage import identities, transcripts
from bot.storage.cases import audit, open_case_of
from bot.storage.courses import upcoming
from bot.storage.db import Database
from bot.storage.models import CourseRow, User
from bot.storage.personal import collect, forget, inactive_users, nothing_stored
from bot.storage.transcripts import Entry, NewEntry
from bot.storage.users import load_conversation, save_conversation

Clock = Callable[[], datetime]
# What a channel keeps of an answer in the reader's transcript.
Keep = Callable[["Answer"], Sequence[NewEntry]]


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
        erased: Whether the user was just erased (/delete): the channel forgets them too.
        kept: What was added to the reader's transcript (see ``keep`` of :meth:`handle`).
    """

    lang: str
    replies: tuple[Rendered, ...]
    step: str
    version: int
    queued: bool = False
    erased: bool = False
    kept: tuple[Entry, ...] = ()


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
    if isinstance(event, CheckinIn):  # an answer may lead to booking or the courses
        needs |= {"booking", "case", "courses"}
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
        pack = [settings.content_dir / settings.city] if settings.city else None
        self.catalogs = catalogs or Catalogs(packs=pack)
        self.renderer = Renderer(self.catalogs, settings.timezone)
        self.clock = clock
        self.appointments = Appointments(settings.timezone)
        self._content: Content | None = None
        self.checkins = Checkins(settings.timezone, lambda: self.content)
        self.casework = Casework(settings.desk, self.checkins)
        self.desk = Desk(db, self.casework, clock)
        self.catalogue = Catalogue(
            ReminderPlan(
                days_before=settings.course_reminder_days,
                quiet=QuietHours.parse(settings.quiet_hours),
                tz=ZoneInfo(settings.timezone),
            )
        )
        self.faq: FaqSnapshot | None = None

    async def load_content(self, *, from_files: bool = True) -> Content:
        """Load the content files into the database (if changed) and use the stored copy."""
        if from_files:
            await load_files_into_db(
                self.db, self.settings.city, self.clock(), self.settings.content_dir
            )
        content = await content_from_db(self.db, self.settings.city)
        if content is None:
            raise RuntimeError(f"no content stored for {self.settings.city}")
        self._content = content
        async with self.db.transaction() as session:
            await faq_store.seed(
                session, self.clock(), self.settings.content_dir / self.settings.city
            )
        await self.reload_faq()
        return content

    async def reload_faq(self) -> None:
        """Read the FAQ into memory again (after admins changed it)."""
        async with self.db.sessions() as session:
            self.faq = await faq_store.snapshot(session)

    @property
    def loaded(self) -> bool:
        """Whether :meth:`load_content` has run (channels answer only then)."""
        return self._content is not None

    @property
    def content(self) -> Content:
        """The content in use; :meth:`load_content` must have run."""
        if self._content is None:
            raise RuntimeError("content not loaded")
        return self._content

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work on this bot's database, clock and counsellors' desk."""
        return unit_of_work(self.db, self.clock, self.settings.desk)

    async def _ctx(
        self,
        uow: UnitOfWork,
        user_id: int,
        state: State,
        needs: frozenset[str],
        client_language: str | None,
    ) -> Ctx:
        now = uow.now
        ctx = Ctx(
            content=self.content,
            today=now.astimezone(ZoneInfo(self.settings.timezone)).date(),
            languages=self.catalogs.languages,
            suggested=suggest_language(client_language, self.catalogs.languages),
            now=now,
            tz=self.settings.timezone,
            counselling_available=self.casework.available,
            faq=self.faq,
            inactivity_days=self.settings.inactivity_days,
            machine_notice=self.settings.machine_notice,
        )
        if not state.consent:
            return ctx
        session = uow.session
        if needs & {"booking", "courses"}:
            ctx = replace(ctx, checkins=await checkin_store.wanted(session, user_id))
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
        address: Address,
        event: Event,
        *,
        update_id: int | None = None,
        client_language: str | None = None,
        keep: Keep | None = None,
    ) -> Answer:
        """Apply one event of the user at ``address`` and return what to say.

        An update that was already applied (``update_id`` not newer than the last one of this
        identity) changes nothing and shows the current step again. With ``keep`` (a channel
        that shows the conversation again, such as the web chat) what ``keep`` makes of the
        answer is added to the reader's transcript in the same transaction: a reply is kept
        exactly when its step is saved.
        """
        faq = self.faq
        if isinstance(event, TextIn) and faq is not None:
            lang = await self.language_of(address, client_language)
            if not faq.ready(event.text, lang):
                # The first question in a language builds its FAQ index: in a thread and
                # before the transaction, so neither the event loop nor a row lock waits.
                await asyncio.to_thread(faq.prepare, event.text, lang)
        erased = False
        async with self.unit() as uow:
            known = await identities.resolve(uow.session, address, uow.now, lock=uow.lock)
            user_id = known.user_id
            state, _has_state = await load_conversation(uow.session, user_id, lock=False)
            needs = data_needs(state, event)
            ctx = await self._ctx(uow, user_id, state, needs, client_language)
            seen = known.last_update_id
            if update_id is not None and seen is not None and update_id <= seen:
                outcome = Outcome(state, tuple(prompt(state, ctx)))
            else:
                outcome = handle(state, event, ctx)
                more = data_needs(outcome.state, None) - needs
                if more:  # the next step needs data this one did not: decide again with it
                    needs |= more
                    ctx = await self._ctx(uow, user_id, state, needs, client_language)
                    outcome = handle(state, event, ctx)
                lang = outcome.state.lang or state.lang or self.settings.default_language
                step = _Step(uow, user_id, lang, update_id, client_language, outcome, known.new)
                for effect in outcome.effects:
                    await self._effects[type(effect)](self, step, effect)
                if step.reprompt:
                    fresh = await self._ctx(uow, user_id, step.outcome.state, needs, None)
                    after = step.outcome
                    step.outcome = Outcome(
                        after.state,
                        after.replies + tuple(prompt(after.state, fresh)),
                        after.effects,
                    )
                outcome = step.outcome
                counted = milestones(state, outcome.state, started=known.new)
                await stats.record(uow.session, uow.now, counted + step.counted, lang)
                erased = step.erased
                if not erased:
                    await save_conversation(uow.session, user_id, outcome.state, uow.now)
                    await identities.note_update(uow.session, address, update_id, uow.now)
            if keep is not None and not erased:
                # Rendered inside the transaction only when it is kept with the step.
                answer = self._answer(state, outcome, ctx, uow.queued, erased)
                entries = keep(answer)
                ids = await transcripts.add(uow.session, address, entries, uow.now)
                kept = tuple(
                    Entry(i, uow.now, e.author, e.payload, e.file[0] if e.file else None)
                    for i, e in zip(ids, entries, strict=True)
                )
                return replace(answer, kept=kept)
            queued = uow.queued
        return self._answer(state, outcome, ctx, queued, erased)

    def _answer(
        self, before: State, outcome: Outcome, ctx: Ctx, queued: bool, erased: bool
    ) -> Answer:
        lang = outcome.state.lang or before.lang or ctx.suggested or self.settings.default_language
        rendered = tuple(self.renderer.reply(r, lang) for r in outcome.replies)
        return Answer(lang, rendered, outcome.state.step, outcome.state.version, queued, erased)

    # The flows' effects, each carried out in the update's unit of work.

    async def _note(self, step: _Step, event: str, booking_id: int | None = None) -> None:
        case = await self.casework.note(
            step.uow.session,
            user_id=step.user_id,
            event=event,
            lang=step.lang,
            profile=profile(step.outcome.state.answers, step.lang),
            now=step.uow.now,
            booking_id=booking_id,
        )
        step.uow.queued |= case is not None

    async def _erase_effect(self, step: _Step, _effect: Erase) -> None:
        step.uow.queued |= await self.erase(step.uow.session, step.user_id, step.uow.now)
        step.erased = True

    async def _export(self, step: _Step, _effect: Export) -> None:
        # Someone who writes for the first time has nothing stored yet (this very message is
        # only being saved now).
        data = nothing_stored() if step.new else await collect(step.uow.session, step.user_id)
        export = mydata_reply(
            data,
            self.content,
            inactivity_days=self.settings.inactivity_days,
            tz=ZoneInfo(self.settings.timezone),
            now=step.uow.now,
        )
        step.add_replies(export)
        step.reprompt = True

    async def _book(self, step: _Step, effect: Book) -> None:
        uow = step.uow
        result, booking = await self.appointments.book(
            uow.session,
            self.content,
            user_id=step.user_id,
            effect=effect,
            language=step.lang,
            now=uow.now,
        )
        if booking is not None:
            await self._note(step, "rescheduled" if effect.replaces else "booked", booking.id)
            uow.queued = True
            await self.checkins.visit(uow.session, step.user_id, booking, uow.now)
            if not effect.replaces:
                step.counted.append(("booking", effect.point))
        state = step.outcome.state
        needs = data_needs(state, None)
        fresh = await self._ctx(uow, step.user_id, state, needs, step.client_language)
        after = handle(state, result, fresh)
        step.outcome = Outcome(
            after.state, step.outcome.replies + after.replies, step.outcome.effects
        )

    async def _cancel(self, step: _Step, effect: Cancel) -> None:
        booking = await booking_repo.get_booking(step.uow.session, effect.booking_id)
        if booking is not None and booking.user_id == step.user_id:
            await self.appointments.end(step.uow.session, booking, "cancelled", step.uow.now)
            await self._note(step, "cancelled", booking.id)
            step.uow.queued = True
        step.reprompt = True

    async def _follow(self, step: _Step, effect: Follow) -> None:
        session, now = step.uow.session, step.uow.now
        if effect.follow:
            followed = await self.catalogue.follow(
                session,
                user_id=step.user_id,
                course_id=effect.course_id,
                language=step.lang,
                now=now,
            )
            step.counted.append(("follow", None))
            course = await session.get(CourseRow, effect.course_id) if followed else None
            if course is not None:
                step.uow.queued |= await self.checkins.course(session, step.user_id, course, now)
        else:
            await self.catalogue.unfollow(session, user_id=step.user_id, course_id=effect.course_id)
        step.reprompt = True

    async def _follow_news(self, step: _Step, effect: FollowNews) -> None:
        session = step.uow.session
        if effect.filters is None:
            await self.catalogue.unfollow_matches(session, user_id=step.user_id)
        else:
            await self.catalogue.follow_matches(
                session,
                user_id=step.user_id,
                filters=dict(effect.filters),
                language=step.lang,
                now=step.uow.now,
            )
            wish = effect.filters
            parts = (wish.get("district"), wish.get("time_of_day"), wish.get("childcare"))
            step.counted.append(("wish", "/".join("–" if p is None else str(p) for p in parts)))
        step.reprompt = True

    async def _unanswered(self, step: _Step, effect: Unanswered) -> None:
        # Without consent the question is kept, but not linked to the asker.
        asker = step.user_id if step.outcome.state.consent else None
        await faq_store.remember_unanswered(
            step.uow.session, step.lang, effect.text, step.uow.now, asker
        )
        step.counted.append(("unanswered", None))

    async def _open_case(self, step: _Step, effect: OpenCase) -> None:
        await self._note(step, effect.reason)

    async def _checkin_consent(self, step: _Step, effect: CheckinConsent) -> None:
        uow = step.uow
        uow.queued |= await self.checkins.consent(uow.session, step.user_id, effect.yes, uow.now)
        step.counted.append(("checkins", "yes" if effect.yes else "no"))
        step.reprompt |= effect.then_prompt

    async def _checkin_answered(self, step: _Step, effect: CheckinAnswered) -> None:
        uow = step.uow
        row = await self.checkins.answered(
            uow.session, step.user_id, effect.checkin_id, effect.answer, uow.now
        )
        if row is not None:
            step.counted.append(("checkin", f"{row.kind}:{effect.answer}"))

    async def _relay(self, step: _Step, effect: Relay) -> None:
        step.uow.queued |= await self.casework.relay_from_user(
            step.uow.session,
            user_id=step.user_id,
            text=effect.text,
            lang=step.lang,
            now=step.uow.now,
            update_id=step.update_id,
        )

    _effects: ClassVar[dict[type, Callable[[Any, _Step, Any], Awaitable[None]]]] = {
        Erase: _erase_effect,
        Export: _export,
        Book: _book,
        Cancel: _cancel,
        Follow: _follow,
        FollowNews: _follow_news,
        Unanswered: _unanswered,
        OpenCase: _open_case,
        Relay: _relay,
        CheckinConsent: _checkin_consent,
        CheckinAnswered: _checkin_answered,
    }

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
                # Lock the user as an update would, then check again: they may just have written.
                query = select(User.last_seen_at).where(User.id == user_id)
                if not self.db.is_sqlite:
                    query = query.with_for_update()
                seen = await session.scalar(query)
                if seen is None or seen >= cutoff:
                    continue
                await self.erase(session, user_id, now)
                erased += 1
        async with self.db.transaction() as session:
            await self.checkins.forget_old(session, now)
        if erased:
            async with self.db.transaction() as session:
                detail = f"{erased} users, {self.settings.inactivity_days} days"
                await audit(
                    session, actor_id=0, role="system", action="purge", now=now, detail=detail
                )
        return erased

    async def stop_following(self, address: Address, action: StopCourse | StopNews) -> str:
        """The "stop these" button of a course message; returns the user's language."""
        async with self.unit() as uow:
            known = await identities.find(uow.session, address)
            if known is None:
                return self.settings.default_language
            await identities.note_update(uow.session, address, None, uow.now)
            await uow.session.execute(
                update(User).where(User.id == known.user_id).values(last_seen_at=uow.now)
            )
            if isinstance(action, StopNews):
                await self.catalogue.unfollow_matches(uow.session, user_id=known.user_id)
            else:
                await self.catalogue.unfollow(
                    uow.session, user_id=known.user_id, course_id=action.course_id
                )
            state, _has_state = await load_conversation(uow.session, known.user_id, lock=False)
        return state.lang or self.settings.default_language

    async def _state_of(self, session: AsyncSession, address: Address) -> tuple[int | None, State]:
        known = await identities.find(session, address)
        if known is None:
            return None, State()
        state, _has_state = await load_conversation(session, known.user_id, lock=False)
        return known.user_id, state

    async def current(self, address: Address, *, client_language: str | None = None) -> Answer:
        """The current step of a user, shown again without changing anything."""
        async with reading(self.db, self.clock, self.settings.desk) as uow:
            user_id, state = await self._state_of(uow.session, address)
            needs = data_needs(state, None)
            ctx = await self._ctx(uow, user_id or 0, state, needs, client_language)
        lang = state.lang or ctx.suggested or self.settings.default_language
        replies = tuple(self.renderer.reply(r, lang) for r in prompt(state, ctx))
        return Answer(lang, replies, state.step, state.version)

    async def language_of(self, address: Address, client_language: str | None = None) -> str:
        """The language a user chose, else the one their client suggests, else the default."""
        async with self.db.sessions() as session:
            _user_id, state = await self._state_of(session, address)
        return state.lang or suggest_language(client_language) or self.settings.default_language

    def text(self, msg: Msg, lang: str) -> str:
        """One message in ``lang``, for channel texts outside the flows."""
        return self.renderer.text(msg, lang)


@dataclass
class _Step:
    """One update in the making: what the effects read and change."""

    uow: UnitOfWork
    user_id: int
    lang: str
    update_id: int | None
    client_language: str | None
    outcome: Outcome
    new: bool = False
    reprompt: bool = False
    erased: bool = False
    counted: list[tuple[str, str | None]] = field(default_factory=list)  # for the statistics

    def add_replies(self, *replies: Reply) -> None:
        self.outcome = Outcome(
            self.outcome.state, (*self.outcome.replies, *replies), self.outcome.effects
        )
