"""Roles, table-driven: every admin command (``ADMIN_COMMANDS``) and every counsellor action
(each case button in ``ACTIONS``, ``/close`` in a topic, a relayed message). A stranger is
refused and nothing changes (the database, the outbox, the newcomer's chat); refusals are
audited where the code audits them (the counsellors' group). The authorised role succeeds.
Text relayed between newcomer and counsellor arrives literally: it is HTML-escaped, and the
fake's parse-mode validation passes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app.admin import COMMANDS as ADMIN_COMMANDS
from bot.app.casework import ACTIONS, USER_TOLD
from bot.app.conversation import Wegweiser
from bot.channels.telegram.group import DONE, REFUSED
from bot.core.messages import N_, Msg, When
from bot.i18n.bidi import strip_controls
from bot.storage.models import AuditRow, Base, BookingRow, CaseRow, OutboxRow
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import Bot, book, running
from tests.tgclient import User

pytestmark = pytest.mark.e2e

ADMIN = 9100
STRANGER = 9200
GROUP = -1005550000
NEWCOMER = 8800
# The stranger's own conversation changes (the flows answer the unknown command, and a new
# conversation is counted, without an id, for the statistics); nothing
# else may.
OWN_STATE = frozenset({"users", "identities", "conversations", "stats_events"})
SAMPLE_COURSE = (
    (Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv")
    .read_text(encoding="utf-8")
    .splitlines()[1]
)
HTML = "<b>x</b> & <script>alert(1)</script> &amp; &lt;"


@dataclass(frozen=True)
class AdminRow:
    """One admin command: what to send, what the answer says, what it does."""

    text: str
    reply: str
    changes: bool  # changes stored state (besides the audit log)
    audited: bool
    setup: tuple[str, ...] = ()


ADMIN_TABLE: dict[str, AdminRow] = {
    "capacity": AdminRow("/capacity mbe 0", "capacity of mbe is now 0", True, True),
    "close": AdminRow("/close jmd 2026-11-23 Teamtag", "jmd is closed on 2026-11-23", True, True),
    "reopen": AdminRow(
        "/reopen jmd 2026-11-23",
        "jmd is open again on 2026-11-23",
        True,
        True,
        setup=("/close jmd 2026-11-23",),
    ),
    "course_list": AdminRow(
        "/course_list Sprachschule", "IK-2026-12", False, False, (f"/course_add {SAMPLE_COURSE}",)
    ),
    "course_add": AdminRow(f"/course_add {SAMPLE_COURSE}", "1 added", True, True),
    "course_cancel": AdminRow(
        "/course_cancel 1", "course 1 cancelled", True, True, (f"/course_add {SAMPLE_COURSE}",)
    ),
    "faq_list": AdminRow("/faq_list", "who-decides-eligibility", False, True),
    "faq_status": AdminRow("/faq_status who-decides-eligibility", "de:", False, True),
    "faq_set": AdminRow(
        "/faq_set who-decides-eligibility en The Jobcenter or the BAMF decides.",
        "answer of who-decides-eligibility in en saved",
        True,
        True,
    ),
    "faq_question": AdminRow(
        "/faq_question who-decides-eligibility de Wer entscheidet über meinen Kurs?",
        "question added to who-decides-eligibility (de)",
        True,
        True,
    ),
    "faq_add": AdminRow(
        "/faq_add test-entry eligibility Das ist eine neue Antwort.",
        "entry test-entry added",
        True,
        True,
    ),
    "faq_unanswered": AdminRow(
        "/faq_unanswered", "qwrtzp", False, True, setup=("qwrtzp blorf vmxk",)
    ),
    "checkins": AdminRow("/checkins off no_course", "no_course off", True, True),
}


def test_the_admin_table_covers_every_admin_command() -> None:
    assert set(ADMIN_TABLE) == set(ADMIN_COMMANDS)


async def snapshot(core: Wegweiser, skip: frozenset[str] = OWN_STATE) -> dict[str, list[str]]:
    """Every stored row, table by table (except ``skip``)."""
    tables: dict[str, list[str]] = {}
    async with core.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in skip:
                rows = (await session.execute(select(table))).all()
                tables[table.name] = sorted(repr(tuple(row)) for row in rows)
    return tables


async def audit_rows(core: Wegweiser) -> list[tuple[Any, ...]]:
    async with core.db.sessions() as session:
        rows = (await session.execute(select(AuditRow).order_by(AuditRow.id))).scalars()
        return [(a.actor_id, a.role, a.action, a.case_id, a.detail) for a in rows]


async def admin_says(fake: FakeBotApi, text: str) -> str:
    before = fake.message_count(ADMIN)
    if text.startswith("/"):
        fake.send_command(ADMIN, text, language_code="en")
    else:
        fake.send_text(ADMIN, text, language_code="en")
    messages = await fake.await_messages(ADMIN, before + 1)
    return "\n".join(str(m["text"]) for m in messages[before:])


# Every command on SQLite; on PostgreSQL those that write through a different SQL path (upserts,
# conditional updates). The roles are decided before any storage, the same on both.
ON_POSTGRES = ("capacity", "close", "course_add", "faq_set")


@pytest.mark.parametrize(
    ("db_url", "name"),
    [("sqlite", n) for n in sorted(ADMIN_COMMANDS)] + [("postgres", n) for n in ON_POSTGRES],
    indirect=["db_url"],
)
async def test_admin_command_is_refused_to_strangers_and_done_for_admins(
    fake: FakeBotApi, db_url: str, name: str
) -> None:
    row = ADMIN_TABLE[name]
    async with running(fake, db_url, ADMIN_IDS=str(ADMIN)) as bot:
        for text in row.setup:
            await admin_says(fake, text)
        before = await snapshot(bot.core)

        # A stranger's command is an unknown command to the flows: nothing is done.
        stranger = User(fake, STRANGER, language_code="en")
        answer = "\n".join(str(m["text"]) for m in await stranger.say(row.text))
        assert f"/{name}" in answer and "Admin:" not in answer
        assert await snapshot(bot.core) == before

        # The admin's command is carried out and answered.
        reply = await admin_says(fake, row.text)
        assert reply.startswith("Admin:") and row.reply in reply, reply
        after = await snapshot(bot.core)
        audited = len(before.pop("audit_log"))
        after.pop("audit_log")
        assert (after != before) == row.changes
        new = [a[:3] for a in (await audit_rows(bot.core))[audited:]]
        assert new == ([(ADMIN, "admin", name)] if row.audited else [])


async def test_an_admin_answer_echoing_long_input_arrives_in_pieces(
    fake: FakeBotApi, db_url: str
) -> None:
    async with running(fake, db_url, ADMIN_IDS=str(ADMIN)):
        fake.send_command(ADMIN, "/faq_status " + "z" * 5000, language_code="en")
        answer = await fake.await_messages(ADMIN, 2)
    assert str(answer[0]["text"]).startswith("Admin: unknown entry 'zzz")
    assert all(len(str(m["text"])) <= 4096 for m in answer)


# ------------------------------------------------------------------------ counsellors' group


@dataclass(frozen=True)
class Role:
    user_id: int
    status: str
    fields: tuple[tuple[str, Any], ...] = ()


# Not a member, in every way Telegram can say so; a member, in every way.
STRANGERS = (
    Role(6601, "left"),
    Role(6602, "kicked", (("until_date", 0),)),
    Role(6603, "restricted", (("is_member", False),)),
)
COUNSELLORS = (
    Role(7701, "member"),
    Role(7702, "administrator"),
    Role(7703, "creator"),
    Role(7704, "restricted", (("is_member", True),)),
)


@dataclass(frozen=True)
class Effect:
    """What a counsellor's action does."""

    booking: str = "active"
    confirmed: bool = False
    case: str = "open"
    told: str | None = None  # the message the newcomer gets (msgid), "relay" for the text


ACTS: dict[str, Effect] = {
    "button:confirm": Effect(confirmed=True, told="Your appointment on {when} is confirmed."),
    "button:propose": Effect(told=USER_TOLD["propose"]),
    "button:attended": Effect(booking="attended"),
    "button:noshow": Effect(booking="no_show"),
    "button:checkin": Effect(),
    "button:close": Effect(case="closed", told=USER_TOLD["close"]),
    "/close": Effect(case="closed", told=USER_TOLD["close"]),
    "relay": Effect(told="relay"),
}


def test_the_counsellor_table_covers_every_action() -> None:
    assert {a.removeprefix("button:") for a in ACTS if a.startswith("button:")} == set(ACTIONS)


@pytest.fixture()
async def group_bot(fake: FakeBotApi, db_url: str) -> AsyncIterator[Bot]:
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLORS[0].user_id, message_thread_id=1)
    for role in (*STRANGERS, *COUNSELLORS):
        fake.set_chat_member(GROUP, role.user_id, status=role.status, **dict(role.fields))
    async with running(fake, db_url, COUNSELLOR_CHAT_ID=str(GROUP)) as started:
        yield started


async def state(core: Wegweiser) -> dict[str, list[str]]:
    """Bookings, cases and the outbox: what a counsellor's action may change."""
    tables = await snapshot(core)
    return {k: tables[k] for k in ("bookings", "cases", "outbox", "case_messages")}


async def settled(fake: FakeBotApi, user_id: int) -> None:
    """Wait until the group's earlier updates are handled: a press in the same chat is
    answered only after them (one chat's updates run in order)."""
    anchor = fake.sent_messages(GROUP)[-1]
    queued = fake.press_button(
        GROUP, int(anchor["message_id"]), "settled", user_id=user_id, strict=False
    )
    query_id = str(queued["callback_query"]["id"])
    await fake.await_for(lambda: fake.callback_answer(query_id) is not None)


async def act(fake: FakeBotApi, name: str, role: Role, thread: int, summary: dict[str, Any]) -> str:
    """Do ``name`` as ``role``; returns the toast of a button (or "")."""
    if name.startswith("button:"):
        data = next(d for _l, d in fake.buttons(summary) if d.endswith(name.split(":")[1]))
        queued = fake.press_button(
            GROUP, int(summary["message_id"]), data, user_id=role.user_id, language_code="de"
        )
        query_id = str(queued["callback_query"]["id"])
        await fake.await_for(lambda: fake.callback_answer(query_id) is not None)
        answer = fake.callback_answer(query_id)
        assert answer is not None
        return f"{answer.get('text')}|{bool(answer.get('show_alert'))}"
    if name == "/close":
        fake.send_command(GROUP, "/close", user_id=role.user_id, message_thread_id=thread)
    else:
        fake.send_text(GROUP, HTML, user_id=role.user_id, message_thread_id=thread)
    await settled(fake, role.user_id)
    return ""


@pytest.mark.parametrize("index", range(len(ACTS)), ids=list(ACTS))
async def test_counsellor_action_is_refused_to_strangers_and_done_for_members(
    fake: FakeBotApi, group_bot: Bot, index: int
) -> None:
    name, effect = list(ACTS.items())[index]
    stranger, member = STRANGERS[index % len(STRANGERS)], COUNSELLORS[index % len(COUNSELLORS)]
    core = group_bot.core
    newcomer = User(fake, NEWCOMER, language_code="de")
    await book(newcomer, "de")
    await fake.await_for(lambda: len(fake.topics(GROUP)) == 1)
    thread = int(fake.topics(GROUP)[0]["message_thread_id"])
    await fake.await_for(lambda: any(fake.buttons(m) for m in fake.sent_messages(GROUP)))
    summary = next(m for m in fake.sent_messages(GROUP) if fake.buttons(m))
    case_id = int(fake.buttons(summary)[0][1].split(":")[1])
    action = name.removeprefix("button:") if name.startswith("button:") else "close"
    # The request that posted the summary still marks it sent and links it to the case;
    # pausing the dispatcher waits until it is done.
    async with group_bot.app.bot_data.dispatcher.paused():
        pass

    # The stranger is refused; nothing changes, nothing reaches the newcomer; it is audited.
    before, seen = await state(core), fake.message_count(NEWCOMER)
    audit_before = await audit_rows(core)
    toast = await act(fake, name, stranger, thread, summary)
    if name.startswith("button:"):
        assert toast == f"{core.text(Msg(REFUSED), 'de')}|True"
    assert await state(core) == before
    refusal = "refused-button" if name.startswith("button:") else "refused-message"
    detail = action if name.startswith("button:") else None
    assert (await audit_rows(core))[len(audit_before) :] == [
        (stranger.user_id, "stranger", refusal, case_id, detail)
    ]
    assert fake.message_count(NEWCOMER) == seen  # and nothing is queued for later (outbox)

    # A member of the group does it.
    toast = await act(fake, name, member, thread, summary)
    if name.startswith("button:"):
        assert toast == f"{core.text(Msg(DONE), 'de')}|False"
    if effect.told is not None:
        await fake.await_messages(NEWCOMER, seen + 1)
        told = str(fake.sent_messages(NEWCOMER)[-1]["text"])
        if effect.told == "relay":
            assert HTML in told  # literally, as the counsellor typed it
            assert strip_controls(core.text(Msg(N_("Your counsellor:")), "de")) in told
        elif "{when}" in effect.told:
            async with core.db.sessions() as session:
                start = (await session.execute(select(BookingRow))).scalar_one().starts_at
            when = When(start.replace(tzinfo=UTC))
            assert told == core.text(Msg(effect.told, {"when": when}), "de")
        else:
            assert told == core.text(Msg(effect.told), "de")
    async with core.db.sessions() as session:
        booking = (await session.execute(select(BookingRow))).scalar_one()
        case = await session.get(CaseRow, case_id)
        relays = (
            await session.execute(select(OutboxRow).where(OutboxRow.kind == "relay_to_user"))
        ).all()
    assert case is not None
    assert (booking.status, booking.confirmed_at is not None, case.status) == (
        effect.booking,
        effect.confirmed,
        effect.case,
    )
    assert len(relays) == (1 if effect.told == "relay" else 0)
    done = "relay" if name == "relay" else action
    assert (await audit_rows(core))[-1] == (member.user_id, "counsellor", done, case_id, None)
    if effect.case == "closed":
        await fake.await_for(lambda: bool(fake.topics(GROUP)[0].get("closed")))


async def test_relayed_text_is_escaped_both_ways(fake: FakeBotApi, group_bot: Bot) -> None:
    newcomer = User(fake, NEWCOMER, language_code="uk")
    await newcomer.say("/start")
    for key in ("uk", "agree", "buergergeld", "27_plus", "person"):
        await newcomer.press(key)
    await fake.await_for(lambda: len(fake.topics(GROUP)) == 1)
    thread = int(fake.topics(GROUP)[0]["message_thread_id"])
    await fake.await_for(lambda: len(fake.sent_messages(GROUP)) >= 1)

    # Newcomer to group: the text arrives as typed, the markup as escaped HTML.
    in_group = len(fake.sent_messages(GROUP))
    await newcomer.say_raw(HTML)
    await fake.await_for(lambda: len(fake.sent_messages(GROUP)) > in_group)
    note = fake.sent_messages(GROUP)[-1]
    assert HTML in str(note["text"])
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;" in str(note["raw_text"])
    assert "&amp;amp; &amp;lt;" in str(note["raw_text"])

    # Counsellor to newcomer: the same.
    seen = fake.message_count(NEWCOMER)
    fake.send_text(GROUP, HTML, user_id=COUNSELLORS[0].user_id, message_thread_id=thread)
    await fake.await_messages(NEWCOMER, seen + 1)
    relayed = fake.sent_messages(NEWCOMER)[-1]
    assert HTML in str(relayed["text"])
    assert "&lt;script&gt;" in str(relayed["raw_text"])
    assert fake.violations == []


# ------------------------------------------------------------------------ web console sign-in


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_console_links_go_to_admins_and_counsellors_only(
    fake: FakeBotApi, db_url: str
) -> None:
    from bot.app.console import ConsoleAccess

    counsellor, stranger = 7701, STRANGER
    fake.set_chat_member(GROUP, counsellor, status="member")
    fake.set_chat_member(GROUP, stranger, status="left")
    env = {"ADMIN_IDS": str(ADMIN), "COUNSELLOR_CHAT_ID": str(GROUP)}
    async with running(fake, db_url, CONSOLE_URL="https://c.example.org", **env) as bot:
        fake.send_command(stranger, "/console", language_code="en")
        answer = "\n".join(str(m["text"]) for m in await fake.await_messages(stranger, 1))
        assert "/console" in answer and "c.example.org" not in answer  # an unknown command
        access = ConsoleAccess(bot.core.db, bot.core.clock)
        for user_id, role in ((ADMIN, "admin"), (counsellor, "counsellor")):
            fake.send_command(user_id, "/console", language_code="de")
            (message,) = await fake.await_messages(user_id, 1)
            link = str(message["text"]).split()[-1]
            assert link.startswith("https://c.example.org/console/signin?token=")
            assert message.get("link_preview_options", {}).get("is_disabled") is True
            signed = await access.redeem(link.split("token=")[1])
            assert signed is not None and signed.staff.role == role
            assert signed.staff.actor_id == user_id
            assert await access.redeem(link.split("token=")[1]) is None  # once
    async with running(fake, db_url, **env):
        fake.send_command(ADMIN, "/console", language_code="en")
        (*_, off) = await fake.await_messages(ADMIN, 2)
        assert "CONSOLE_URL" in str(off["text"])
