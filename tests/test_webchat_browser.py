"""The web chat in a real browser (Debian's headless Chromium, Playwright) at phone width, in
English and Arabic: the journey, a booking, a counsellor's reply from the Telegram group
arriving live, and a reload that finds the conversation and a reminder that came meanwhile.
The whole bot runs: the Telegram Application against the fake Bot API, the outbox, the web
chat on the same ASGI app. Screenshots go to build/screenshots/ (look at them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select

from bot.app.conversation import Wegweiser
from bot.channels.telegram.app import start_polling, stop_polling
from bot.channels.telegram.serve import assemble
from bot.channels.web.chat import WebChat
from bot.i18n.bidi import strip_controls
from bot.runtime.web import WebServer, web_app
from bot.storage.db import Database
from bot.storage.models import TranscriptRow
from tests.conftest import settings_for
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import COUNSELLOR, GROUP, MovableClock, group_texts
from tests.test_console_browser import PHONE, SHOTS, browser, no_sideways_scroll
from tests.test_console_browser import pytestmark as browser_marks
from tests.test_serve_e2e import free_port

pytestmark = browser_marks
__all__ = ["browser"]  # the browser fixture, shared with the console's tests


@dataclass
class Running:
    core: Wegweiser
    chat: WebChat
    clock: MovableClock
    url: str
    wake: Callable[[], None]


@pytest.fixture()
async def running(fake: FakeBotApi, db_url: str) -> AsyncIterator[Running]:
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLOR, message_thread_id=1, language_code="de")
    settings = settings_for(
        db_url,
        BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.url,
        COUNSELLOR_CHAT_ID=str(GROUP),
        WEB_CHAT="on",
    )
    clock = MovableClock()
    core = Wegweiser(settings, Database(db_url), clock=clock)
    application, chat = assemble(settings, core)
    assert chat is not None
    port = free_port()
    server = WebServer(web_app(chat.routes()), "127.0.0.1", port)
    await start_polling(application, timeout=1)
    await server.start()
    try:
        yield Running(
            core, chat, clock, f"http://127.0.0.1:{port}", application.bot_data.dispatcher.wake
        )
    finally:
        chat.close()
        await server.stop()
        await stop_polling(application)


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"webchat-{name}.png"))


async def press(page: Page, key: str) -> None:
    """Press the newest button for option ``key`` and wait for the answer."""
    count = await page.locator("#log .msg").count()
    await page.locator(f'#log button[data-press$=":{key}"]').last.click()
    await expect(page.locator("#log .msg")).not_to_have_count(count)
    await expect(page.locator("#log .pending")).to_have_count(0)


async def press_first(page: Page, prefix: str) -> None:
    """Press the first option of the newest message whose key starts with ``prefix``."""
    data = (
        await page.locator("#log .msg.bot")
        .last.locator("button[data-press]")
        .evaluate_all(
            "(bs, p) => bs.map(b => b.dataset.press).filter(d => d.split(':')[1].startsWith(p))",
            prefix,
        )
    )
    assert data, prefix
    await press(page, data[0].split(":", 1)[1])


async def transcript_rows(core: Wegweiser) -> int:
    async with core.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TranscriptRow)) or 0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("lang", "locale", "counsellor_heading"),
    [("en", "en-GB", "Your counsellor:"), ("ar", "ar-SY", None)],
)
async def test_a_newcomer_without_telegram_books_and_hears_from_a_counsellor(
    fake: FakeBotApi,
    running: Running,
    browser: Browser,
    lang: str,
    locale: str,
    counsellor_heading: str | None,
) -> None:
    core = running.core
    context = await browser.new_context(viewport=PHONE, locale=locale, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{running.url}/chat/")
    await expect(page.locator("#chat[data-ready]")).to_have_count(1)
    direction = "rtl" if lang == "ar" else "ltr"
    assert await page.evaluate("document.documentElement.dir") == direction
    assert await page.evaluate("document.documentElement.lang") == lang
    # The browser's language comes first in the menu.
    first = page.locator("#log button[data-press]").first
    assert (await first.get_attribute("data-press") or "").endswith(f":{lang}")
    await shot(page, f"{lang}-1-languages")

    await press(page, lang)
    await press(page, "agree")
    for key in ("new_arrival", "no", "27_plus"):
        await press(page, key)
    result = page.locator("#log .msg.bot").last
    await expect(result.locator('button[data-press$=":book"]')).to_be_visible()
    await no_sideways_scroll(page)
    # Tap targets a finger can hit.
    for box in await result.locator("button").evaluate_all(
        "bs => bs.map(b => b.getBoundingClientRect().height)"
    ):
        assert box >= 44
    await shot(page, f"{lang}-2-result")

    # Booking: counselling service, a day, a time.
    await press(page, "book")
    await press(page, "mbe")
    await press_first(page, "d")
    await press_first(page, "s")
    download = page.locator("#log a.file").last
    await expect(download).to_be_visible()
    assert (await download.get_attribute("download") or "").endswith(".ics")
    await shot(page, f"{lang}-3-booked")

    # The case reaches the counsellors' Telegram group; a counsellor answers in the topic and
    # the answer appears on the open page by itself.
    await fake.await_for(lambda: len(fake.topics(GROUP)) >= 1, 20)
    thread = fake.topics(GROUP)[-1]["message_thread_id"]
    await fake.await_for(lambda: bool(group_texts(fake, thread)), 20)
    summary = strip_controls(str(group_texts(fake, thread)[0]["text"]))
    assert f"({lang})" in summary or lang in summary
    fake.send_text(
        GROUP, "Bitte bringen Sie Ihren Pass mit.", user_id=COUNSELLOR, message_thread_id=thread
    )
    relayed = page.locator("#log .msg.bot", has_text="Bitte bringen Sie Ihren Pass mit.")
    await expect(relayed).to_have_count(1, timeout=15_000)
    if counsellor_heading is not None:
        await expect(relayed).to_contain_text(counsellor_heading)
    await shot(page, f"{lang}-4-counsellor")

    # The page is closed; the day-before reminder falls due meanwhile.
    await page.close()
    rows = await transcript_rows(core)
    running.clock.now += timedelta(days=1)
    running.wake()
    for _ in range(200):
        if await transcript_rows(core) > rows:
            break
        await asyncio.sleep(0.05)
    assert await transcript_rows(core) > rows

    # Back on the page: the conversation is there, with the reminder at the end.
    page = await context.new_page()
    await page.goto(f"{running.url}/chat/")
    await expect(page.locator("#chat[data-ready]")).to_have_count(1)
    await expect(page.locator("#log .msg.user").first).to_be_visible()
    assert await page.locator("#log .msg").count() >= 12
    await expect(
        page.locator("#log .msg", has_text="Bitte bringen Sie Ihren Pass mit.")
    ).to_have_count(1)
    last = strip_controls(await page.locator("#log .msg").last.inner_text())
    assert "/appointments" in last and "MBE" in last
    await page.locator("#log .msg").last.scroll_into_view_if_needed()
    await no_sideways_scroll(page)
    await shot(page, f"{lang}-5-reloaded-with-reminder")
    await context.close()
