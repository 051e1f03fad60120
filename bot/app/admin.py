"""What city admins change without a release: capacity and closures of counselling points,
single courses, the FAQ. ONE table of commands (:data:`COMMANDS`): name, usage, role and what
it does, used by the command line (``python -m bot admin ...``, ``slots ...``) and by every
channel's admin commands alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from bot.app.courses import Catalogue
from bot.app.outbox import Outbox
from bot.content.model import CHECKIN_KINDS, Content
from bot.core.address import Address
from bot.core.courses.csvfile import COLUMNS, CourseFileError, read_courses
from bot.core.faq.snapshot import FaqError
from bot.core.ids import parse_id
from bot.core.messages import N_, Msg, Term
from bot.delivery.intents import ToUser
from bot.storage import bookings as repo
from bot.storage import checkins as checkin_store
from bot.storage import faq as faq_store
from bot.storage.cases import audit
from bot.storage.db import Database
from bot.storage.models import CourseRow

USAGE = (
    "usage: capacity POINT N | close POINT YYYY-MM-DD [reason] | reopen POINT YYYY-MM-DD | "
    "course_list [text] | course_add CSV-ROW | course_cancel ID"
)


class AdminError(ValueError):
    """A command that cannot be carried out; the message says why (English, for logs/CLI)."""


def _point(content: Content, key: str) -> str:
    point = content.points.get(key)
    if point is None or point.booking is None:
        bookable = ", ".join(k for k, p in content.points.items() if p.booking is not None)
        raise AdminError(f"unknown point '{key}' (bookable: {bookable})")
    return key


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AdminError(f"'{text}' is not a date like 2026-12-24") from None


async def courses(
    db: Database, catalogue: Catalogue, action: str, rest: str, *, actor_id: int, now: datetime
) -> str:
    """``course_list [text]``, ``course_add ROW`` (a CSV row, columns as in docs/courses.md,
    separated by ``;``; adds or edits by provider and code) or ``course_cancel ID``."""
    async with db.transaction() as session:
        if action == "course_list":
            rows = (
                await session.execute(select(CourseRow).order_by(CourseRow.starts_on).limit(200))
            ).scalars()
            found = [
                f"#{r.id} {r.status} {r.starts_on} {r.provider} / {r.code} ({r.type})"
                for r in rows
                if rest.casefold() in f"{r.provider} {r.code} {r.district}".casefold()
            ]
            return "\n".join(found[:30]) or "no courses"
        if action == "course_add":
            try:
                parsed = read_courses(f"{';'.join(COLUMNS)}\n{rest}\n")
            except CourseFileError as exc:
                raise AdminError(
                    "; ".join(str(e).replace("line 2, ", "") for e in exc.errors)
                ) from None
            report = await catalogue.import_courses(
                session, parsed, source=f"telegram:{actor_id}", now=now, complete=False
            )
            result = str(report)
        elif action == "course_cancel" and parse_id(rest.strip().lstrip("#")) is not None:
            if not await catalogue.cancel(session, int(rest.strip().lstrip("#")), now):
                raise AdminError("no active course with that id (see course_list)")
            result = f"course {rest.strip()} cancelled"
        else:
            raise AdminError(USAGE)
        await audit(
            session, actor_id=actor_id, role="admin", action=action, now=now, detail=rest[:200]
        )
    return result


async def run(
    db: Database, content: Content, args: list[str], *, actor_id: int, now: datetime
) -> str:
    """Carry out ``capacity POINT N``, ``close POINT DAY [REASON]`` or ``reopen POINT DAY``.

    Returns a short English confirmation; raises :class:`AdminError` on bad input.
    """
    if not args:
        raise AdminError(USAGE)
    action, rest = args[0], args[1:]
    async with db.transaction() as session:
        if action == "capacity" and len(rest) == 2:
            point = _point(content, rest[0])
            if not rest[1].isascii() or not rest[1].isdigit() or int(rest[1]) > 50:
                raise AdminError("capacity must be a number from 0 to 50")
            await repo.set_capacity(session, point, int(rest[1]), actor_id, now)
            result = f"capacity of {point} is now {int(rest[1])}"
        elif action == "close" and len(rest) >= 2:
            point, day = _point(content, rest[0]), _day(rest[1])
            reason = " ".join(rest[2:])[:200] or "closed"
            await repo.close_day(session, point, day, reason, actor_id)
            result = f"{point} is closed on {day}"
        elif action == "reopen" and len(rest) == 2:
            point, day = _point(content, rest[0]), _day(rest[1])
            await repo.reopen_day(session, point, day)
            result = f"{point} is open again on {day} (unless a holiday or a content closure)"
        else:
            raise AdminError(USAGE)
        await audit(
            session,
            actor_id=actor_id,
            role="admin",
            action=action,
            now=now,
            detail=" ".join(args)[:200],
        )
    return result


FAQ_USAGE = (
    "usage: faq_list | faq_status SLUG | faq_set SLUG LANG TEXT | faq_question SLUG LANG TEXT | "
    "faq_add SLUG CATEGORY GERMAN-TEXT | faq_unanswered"
)
SOURCE_CHANGED = N_(
    "The German answer of the FAQ entry {slug} changed. These translations are now outdated: "
    "{languages}"
)


async def faq(
    db: Database,
    action: str,
    rest: str,
    *,
    actor_id: int,
    now: datetime,
    languages: tuple[str, ...],
    admins: Sequence[Address],
) -> tuple[str, bool]:
    """The FAQ admin commands; returns (reply, whether the FAQ changed)."""
    words = rest.split(maxsplit=2)
    changed = False
    async with db.transaction() as session:
        try:
            if action == "faq_list":
                matrix = await faq_store.status(session, languages)
                marks = {"current": "+", "outdated": "!", "missing": "-", "machine": "m"}
                lines = [
                    f"{slug}: " + "".join(marks[matrix[slug][lang]] for lang in languages)
                    for slug in matrix
                ]
                result = (
                    f"languages {' '.join(languages)}; + ok, m machine, ! outdated, - missing\n"
                    + "\n".join(lines)
                )
            elif action == "faq_status" and len(words) == 1:
                matrix = await faq_store.status(session, languages)
                if words[0] not in matrix:
                    raise AdminError(f"unknown entry '{words[0]}'")
                result = ", ".join(f"{lang}: {state}" for lang, state in matrix[words[0]].items())
            elif action == "faq_set" and len(words) == 3:
                slug, lang, text = words
                if lang not in languages:
                    raise AdminError(f"unknown language '{lang}'")
                outdated = await faq_store.set_answer(session, slug, lang, text, now)
                changed = True
                result = f"answer of {slug} in {lang} saved"
                if outdated:
                    result += f"; outdated now: {', '.join(outdated)}"
                    note = Msg(
                        SOURCE_CHANGED,
                        {"slug": Term(slug), "languages": Term(", ".join(outdated))},
                    )
                    for admin in admins:
                        await Outbox(session).to_address(
                            admin,
                            ToUser(note, "de"),
                            key=f"faq-outdated:{slug}:{now.isoformat()}:{admin}",
                            now=now,
                        )
            elif action == "faq_question" and len(words) == 3:
                await faq_store.add_example(session, words[0], words[1], words[2])
                changed = True
                result = f"question added to {words[0]} ({words[1]})"
            elif action == "faq_add" and len(words) == 3:
                await faq_store.add_entry(session, words[0], words[1], words[2], now)
                changed = True
                result = f"entry {words[0]} added; add questions with faq_question"
            elif action == "faq_unanswered":
                rows = await faq_store.latest_unanswered(session)
                result = (
                    "\n".join(f"{r.created_at:%Y-%m-%d} {r.lang}: {r.text}" for r in rows) or "none"
                )
            else:
                raise AdminError(FAQ_USAGE)
        except FaqError as exc:
            raise AdminError(str(exc)) from None
        await audit(
            session,
            actor_id=actor_id,
            role="admin",
            action=action,
            now=now,
            detail=" ".join(words[:2])[:200],
        )
    return result, changed


@dataclass(frozen=True)
class AdminContext:
    """What an admin command may use, and who runs it."""

    db: Database
    content: Content
    catalogue: Catalogue
    now: datetime
    languages: tuple[str, ...]
    actor_id: int
    # Who hears of FAQ changes: the admins, where their channel reaches them.
    admins: Sequence[Address] = field(default_factory=tuple)


@dataclass(frozen=True)
class Result:
    """An admin command's answer (English, short), and whether the FAQ changed."""

    text: str
    faq_changed: bool = False


@dataclass(frozen=True)
class AdminCommand:
    """One admin command: its name, how to call it, and what it does."""

    name: str
    usage: str
    run: Callable[[AdminContext, str], Awaitable[Result]]
    role: str = "admin"


def _slots(name: str) -> Callable[[AdminContext, str], Awaitable[Result]]:
    async def go(ctx: AdminContext, args: str) -> Result:
        words = [name, *args.split()]
        return Result(await run(ctx.db, ctx.content, words, actor_id=ctx.actor_id, now=ctx.now))

    return go


def _courses(name: str) -> Callable[[AdminContext, str], Awaitable[Result]]:
    async def go(ctx: AdminContext, args: str) -> Result:
        text = await courses(ctx.db, ctx.catalogue, name, args, actor_id=ctx.actor_id, now=ctx.now)
        return Result(text)

    return go


def _faq(name: str) -> Callable[[AdminContext, str], Awaitable[Result]]:
    async def go(ctx: AdminContext, args: str) -> Result:
        text, changed = await faq(
            ctx.db,
            name,
            args,
            actor_id=ctx.actor_id,
            now=ctx.now,
            languages=ctx.languages,
            admins=ctx.admins,
        )
        return Result(text, changed)

    return go


async def _checkins(ctx: AdminContext, args: str) -> Result:
    """``checkins``: which check-ins are on; ``checkins off KIND`` / ``on KIND`` switches one
    (planned ones of a kind switched off are dropped when they fall due)."""
    words = args.split()
    if words and (
        len(words) != 2 or words[0] not in ("on", "off") or words[1] not in CHECKIN_KINDS
    ):
        raise AdminError(f"usage: checkins [on|off KIND]; kinds: {', '.join(CHECKIN_KINDS)}")
    async with ctx.db.transaction() as session:
        if words:
            await checkin_store.switch(session, words[1], words[0] == "on", ctx.actor_id, ctx.now)
            await audit(
                session,
                actor_id=ctx.actor_id,
                role="admin",
                action="checkins",
                now=ctx.now,
                detail=f"{words[1]} {words[0]}",
            )
        off = await checkin_store.switched_off(session)
    states = []
    for kind in CHECKIN_KINDS:
        rule = ctx.content.checkins.get(kind)
        if rule is None or not rule.enabled:
            states.append(f"{kind} off (content)")
        else:
            states.append(f"{kind} {'off' if kind in off else 'on'}")
    return Result("check-ins: " + ", ".join(states))


COMMANDS: dict[str, AdminCommand] = {
    command.name: command
    for command in (
        AdminCommand("capacity", "capacity POINT N", _slots("capacity")),
        AdminCommand("close", "close POINT YYYY-MM-DD [reason]", _slots("close")),
        AdminCommand("reopen", "reopen POINT YYYY-MM-DD", _slots("reopen")),
        AdminCommand("course_list", "course_list [text]", _courses("course_list")),
        AdminCommand("course_add", "course_add CSV-ROW", _courses("course_add")),
        AdminCommand("course_cancel", "course_cancel ID", _courses("course_cancel")),
        AdminCommand("faq_list", "faq_list", _faq("faq_list")),
        AdminCommand("faq_status", "faq_status SLUG", _faq("faq_status")),
        AdminCommand("faq_set", "faq_set SLUG LANG TEXT", _faq("faq_set")),
        AdminCommand("faq_question", "faq_question SLUG LANG TEXT", _faq("faq_question")),
        AdminCommand("faq_add", "faq_add SLUG CATEGORY GERMAN-TEXT", _faq("faq_add")),
        AdminCommand("faq_unanswered", "faq_unanswered", _faq("faq_unanswered")),
        AdminCommand("checkins", "checkins [on|off KIND]", _checkins),
    )
}


async def execute(ctx: AdminContext, name: str, args: str) -> Result:
    """Carry out admin command ``name``; raises :class:`AdminError` with the reason."""
    command = COMMANDS.get(name)
    if command is None:
        raise AdminError("unknown command; " + ", ".join(c.usage for c in COMMANDS.values()))
    return await command.run(ctx, args)
