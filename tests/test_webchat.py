"""The web chat over HTTP (no browser): sessions in a cookie, the conversation kept and shown
again, checks on every post (origin, type, size, rate), files only for their session,
messages from the outbox in the transcript and on open pages, /delete."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.app.conversation import Wegweiser
from bot.app.transcript import Transcript
from bot.channels.web.chat import MAX_BODY, MAX_TEXT, WebChat
from bot.channels.web.hub import Hub
from bot.channels.web.session import COOKIE, preferred_language, reader
from bot.channels.web.transport import web_port
from bot.core.messages import Msg
from bot.delivery.compose import Composer
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.flows.checkins import THANKS_WENT
from bot.i18n.bidi import strip_controls
from bot.runtime.config import ConfigError
from bot.runtime.web import web_app
from bot.storage.db import Database
from bot.storage.models import Identity, TranscriptRow
from tests.conftest import settings_for
from tests.test_booking_e2e import MovableClock
from tests.webclient import WebUser, keys, text

URL = "http://chat.test"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class Served:
    def __init__(self, core: Wegweiser, chat: WebChat, clock: MovableClock) -> None:
        self.core, self.chat, self.clock = core, chat, clock
        self.app = web_app(chat.routes())
        self.users: list[WebUser] = []

    def user(self, accept_language: str | None = "en", ip: str = "10.0.0.1") -> WebUser:
        user = WebUser(URL, accept_language=accept_language)
        transport = httpx.ASGITransport(app=self.app, client=(ip, 5000))
        user.http = httpx.AsyncClient(
            transport=transport, base_url=URL, headers=user.http.headers, timeout=20.0
        )
        self.users.append(user)
        return user

    def dispatcher(self) -> Dispatcher:
        """The outbox dispatcher of the web chat alone, on the test's clock."""
        port = web_port(Transcript(self.core.db, self.core.clock), self.chat.hub)
        composer = Composer(
            self.core.db,
            self.core.renderer,
            lambda: self.core.content,
            {"web": port},
            clock=self.clock,
            tz=self.core.settings.timezone,
        )
        limits = Limits(per_second=100, private_interval=0.0)
        return Dispatcher(self.core.db, composer, self.clock, limits)

    async def rows(self, model: type) -> int:
        async with self.core.db.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def serving(db_url: str, **env: str) -> AsyncIterator[Served]:
    clock = MovableClock()
    core = Wegweiser(settings_for(db_url, WEB_CHAT="on", **env), Database(db_url), clock=clock)
    await core.load_content()
    chat = WebChat(core, Hub(), origins=core.settings.web_chat_origins, clock=lambda: 0.0)
    served = Served(core, chat, clock)
    try:
        yield served
    finally:
        for user in served.users:
            await user.close()
        await core.db.dispose()


@pytest.fixture()
async def web(db_url: str) -> AsyncIterator[Served]:
    async for served in serving(db_url):
        yield served


async def to_result(user: WebUser, lang: str = "en") -> list[dict[str, object]]:
    await user.open()
    await user.choose_language(lang)
    for key in ("agree", "new_arrival", "no", "27_plus"):
        shown = await user.press(key)
    return shown


@SQLITE_ONLY
async def test_a_new_visitor_gets_the_first_step_in_their_browsers_language(web: Served) -> None:
    user = web.user(accept_language="ar-SY,ar;q=0.9,en;q=0.5")
    page = await user.http.get("/chat/")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/chat" in cookie
    body = (await user.http.get("/chat/api/messages")).json()
    assert body["ui"]["dir"] == "rtl" and body["messages"] == []
    assert keys(body["prompt"][-1])[0] == "ar"
    # Looking stores nothing: no user, no transcript, until the visitor writes.
    assert await web.rows(Identity) == 0 and await web.rows(TranscriptRow) == 0


@SQLITE_ONLY
async def test_the_page_is_small_and_loads_nothing_from_elsewhere(web: Served) -> None:
    user = web.user()
    page = (await user.http.get("/chat/")).text
    sizes = 0
    for name in ("chat.js", "chat.css", "widget.js"):
        asset = await user.http.get(f"/chat/static/{name}")
        assert asset.status_code == 200
        sizes += len(asset.content)
        assert "http://" not in asset.text.replace("https://bot.example", "")
    assert sizes < 100_000
    assert "https://" not in page and "http://" not in page
    assert 'role="log"' in page and 'aria-live="polite"' in page
    assert (await user.http.get("/chat/static/../chat.py")).status_code == 404


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_the_conversation_is_kept_and_shown_again_after_a_reload(web: Served) -> None:
    user = web.user()
    result = await to_result(user)
    assert "book" in keys(result[-1])
    # A reload (same cookie): everything the reader said and was told, in order.
    again = web.user()
    again.http.cookies = user.http.cookies
    body = await again.open()
    assert body["prompt"] == []
    shown = body["messages"]
    assert [m["from"] for m in shown[:2]] == ["user", "bot"]
    assert shown[-1]["body"] == result[-1]["body"]
    ids = [m["id"] for m in shown]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # The transcript can be read from a point on (what a page that was open missed).
    newer = (await again.http.get(f"/chat/api/messages?after={ids[-3]}")).json()["messages"]
    assert [m["id"] for m in newer] == ids[-2:]
    # Someone else sees nothing of it.
    stranger = web.user()
    assert (await stranger.open())["messages"] == []


@SQLITE_ONLY
async def test_posts_from_elsewhere_or_not_json_are_refused(web: Served) -> None:
    user = web.user()
    await user.open()
    _label, data = user.button("en")
    wrong = await user.http.post(
        "/chat/api/send", json={"press": data}, headers={"Origin": "https://evil.example"}
    )
    assert wrong.status_code == 403
    del user.http.headers["Origin"]
    assert (await user.http.post("/chat/api/send", json={"press": data})).status_code == 403
    user.http.headers["Origin"] = URL
    form = await user.http.post("/chat/api/send", data={"text": "hallo"})
    assert form.status_code == 415
    big = await user.http.post(
        "/chat/api/send",
        content=json.dumps({"text": "x" * MAX_BODY}),
        headers={"Content-Type": "application/json"},
    )
    assert big.status_code == 413
    assert (
        await user.http.post(
            "/chat/api/send", content=b"{nope", headers={"Content-Type": "application/json"}
        )
    ).status_code == 400
    assert (await user.http.post("/chat/api/send", json={"text": "   "})).status_code == 400
    assert (await user.http.post("/chat/api/send", json=["text"])).status_code == 400
    assert await web.rows(Identity) == 0


@SQLITE_ONLY
async def test_bad_input_gets_a_translated_answer_and_loses_nothing(web: Served) -> None:
    user = web.user(accept_language="tr")
    await user.open()
    await user.choose_language("tr")
    await user.press("agree")
    stored = await web.rows(TranscriptRow)
    too_long = await user.post({"text": "ç" * (MAX_TEXT + 1)})
    expected = web.core.text(
        Msg(
            "Your message is too long. Please write at most {limit} characters.",
            {"limit": MAX_TEXT},
        ),
        "tr",
    )
    assert too_long["retry"] is True and too_long["messages"][0]["body"] == expected
    assert expected != "Your message is too long. Please write at most 4,096 characters."
    assert await web.rows(TranscriptRow) == stored  # nothing half-kept; the page keeps the text
    # A forged or stale button gets the current step again, in Turkish.
    forged = await user.post({"press": "999:nothing", "label": "?"})
    assert forged["messages"][-1]["buttons"] and forged["ui"]["lang"] == "tr"
    # A typed command works as on Telegram.
    helped = await user.say("/help")
    assert "/start" in strip_controls(text(helped[0]))


@SQLITE_ONLY
async def test_rate_limits_per_session_and_per_address(db_url: str) -> None:
    async for web in serving(db_url, FLOOD_LIMIT="3/60"):
        user = web.user(accept_language="uk")
        await user.open()
        for _ in range(3):
            await user.say("/help")
        slowed = await user.post({"text": "/help"}, status=429)
        assert slowed["messages"][0]["body"] == web.core.text(
            Msg(
                "You are sending a lot of messages very fast. Please wait a moment, then write "
                "again. I read your messages one after another."
            ),
            "uk",
        )
        # Other sessions from the same address share its larger allowance (5 × 3 posts).
        for _ in range(3):
            other = web.user(accept_language="uk")
            await other.open()
            for _ in range(3):
                await other.say("/help")
        last = web.user(accept_language="uk")
        await last.open()
        await last.say("/help")
        await last.say("/help")
        await last.post({"text": "/help"}, status=429)
        elsewhere = web.user(accept_language="uk", ip="10.0.0.2")
        await elsewhere.open()
        await elsewhere.say("/help")


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_reminders_reach_the_transcript_and_the_open_page(web: Served) -> None:
    user = web.user()
    await to_result(user)
    await user.press("book")
    days = await user.press("mbe")
    day = next(k for k in keys(days[-1]) if k.startswith("d"))
    times = await user.press(day)
    slot = next(k for k in keys(times[-1]) if k.startswith("s"))
    booked = await user.press(slot)
    assert any(m["file"] and m["file"].endswith(".ics") for m in booked)
    calendar = next(m for m in booked if m["file"])
    ics = await user.http.get(f"/chat/api/file/{calendar['id']}")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in ics.content

    # The outbox delivers to the web chat like to Telegram; an open page is woken at once.
    dispatcher = web.dispatcher()
    address = reader(user.http.cookies[COOKIE])
    before = (await user.open())["messages"][-1]["id"]
    stream = web.chat._stream(address, before)
    assert await anext(stream) == "retry: 3000\n\n"
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)
    web.clock.now += timedelta(days=1)  # past the day-before reminder, before the visit
    await dispatcher.run_once()
    event = await asyncio.wait_for(waiting, 5)
    await stream.aclose()
    pushed = json.loads(event.split("data: ", 1)[1])
    assert event.startswith(f"id: {pushed['id']}\n") and pushed["id"] > before
    assert pushed["from"] == "bot" and "MBE" in strip_controls(text(pushed))
    # A page that was closed finds it on its next load.
    assert (await user.open())["messages"][-1]["id"] == pushed["id"]


@SQLITE_ONLY
async def test_mydata_is_a_download_for_this_session_only(web: Served) -> None:
    user = web.user()
    await to_result(user)
    exported = await user.say("/mydata")
    message = next(m for m in exported if m["file"])
    download = await user.http.get(f"/chat/api/file/{message['id']}")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    data = download.json()
    assert data["identities"][0]["channel"] == "web"
    assert any(
        m.get("body") == "/mydata" or m.get("from") == "user" for m in data["web_chat_transcript"]
    )
    stranger = web.user()
    await stranger.open()
    assert (await stranger.http.get(f"/chat/api/file/{message['id']}")).status_code == 404


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_delete_erases_the_transcript_and_starts_a_new_session(web: Served) -> None:
    user = web.user()
    await to_result(user)
    old = user.http.cookies[COOKIE]
    await user.say("/delete")
    label, data = user.button("erase")
    response = await user.http.post("/chat/api/send", json={"press": data, "label": label})
    assert response.status_code == 200
    assert response.json()["messages"]  # the confirmation is shown, not kept
    assert await web.rows(TranscriptRow) == 0 and await web.rows(Identity) == 0
    new = response.cookies.get(COOKIE)
    assert new and new != old
    # The old cookie leads nowhere.
    old_session = web.user()
    old_session.http.cookies.set(COOKIE, old, domain="chat.test", path="/chat")
    assert (await old_session.open())["messages"] == []


@SQLITE_ONLY
async def test_embedding_is_allowed_only_on_the_configured_sites(db_url: str) -> None:
    async for web in serving(
        db_url, WEB_CHAT_ORIGINS="https://www.stuttgart.de, https://integration.example"
    ):
        user = web.user()
        page = await user.http.get("/chat/?embed=1")
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'self' https://www.stuttgart.de https://integration.example" in csp
        cookie = page.headers["set-cookie"]
        assert "SameSite=none" in cookie and "Secure" in cookie and "Partitioned" in cookie
        assert 'class="embed"' in page.text
        widget = await user.http.get("/chat/widget.js")
        assert widget.headers["content-type"].startswith("text/javascript")
        assert "/?embed=1" in widget.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-SY,ar;q=0.9,en;q=0.8", "ar"),
        ("de-DE", "de"),
        ("xx, fa-AF;q=0.9, en;q=0.8", "prs"),
        ("fa-IR, en;q=0.8", "fa"),
        ("en;q=0.2, uk;q=0.9", "uk"),
        ("hr-HR", "bs"),
        ("*", None),
        ("ja, zh;q=0.5", None),
        ("en;q=0, tr;q=0.1", "tr"),
        (";;;,", None),
        ("", None),
    ],
)
def test_the_browsers_language_is_read_from_accept_language(
    header: str, expected: str | None
) -> None:
    assert preferred_language(header) == expected


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"WEB_CHAT": "yes"}, "WEB_CHAT: on or off"),
        ({"WEB_CHAT": "on", "HEALTH_PORT": "0"}, "WEB_CHAT: the web chat needs"),
        ({"WEB_CHAT_ORIGINS": "http://www.stuttgart.de"}, "WEB_CHAT_ORIGINS"),
        ({"WEB_CHAT_ORIGINS": "https://www.stuttgart.de/chat"}, "WEB_CHAT_ORIGINS"),
    ],
)
def test_web_chat_settings_are_checked(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings_for("sqlite+aiosqlite:///:memory:", **env)
    assert problem in str(error.value)


@SQLITE_ONLY
async def test_check_ins_reach_the_web_chat_and_are_answered_there(web: Served) -> None:
    user = web.user(accept_language="fa")
    await to_result(user, "fa")
    await user.press("book")
    days = await user.press("mbe")
    times = await user.press(next(k for k in keys(days[-1]) if k.startswith("d")))
    await user.press(next(k for k in keys(times[-1]) if k.startswith("s")))
    await user.press("ci_yes")
    dispatcher = web.dispatcher()
    web.clock.now += timedelta(days=3)  # the day after the visit, past 10:00
    await dispatcher.run_once()
    shown = (await user.open())["messages"]
    checkin = next(m for m in shown if any(d.startswith("k:") for _l, d in m["buttons"]))
    label, data = next((lbl, d) for lbl, d in checkin["buttons"] if d.endswith(":went"))
    answered = await user.post({"press": data, "label": label})
    thanks = web.core.text(Msg(THANKS_WENT), "fa")
    assert [m["body"] for m in answered["messages"] if m["from"] == "bot"] == [thanks]
