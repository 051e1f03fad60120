"""The web console in a real browser: Debian's headless Chromium driven by Playwright, at phone
and laptop width, in German and English. Screenshots go to build/screenshots/ (look at them)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import select

from bot.app.console import ConsoleAccess
from bot.app.conversation import Wegweiser
from bot.channels.console.web import console_routes
from bot.runtime.web import WebServer, web_app
from bot.storage import faq as faq_store
from bot.storage.db import Database
from bot.storage.models import CourseRow
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.test_booking_e2e import running
from tests.test_serve_e2e import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
SAMPLE_PLAN = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("WEGWEISER_REQUIRE_BROWSER"),
        reason="Chromium is not installed (apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture()
async def served(db_url: str) -> AsyncIterator[tuple[Wegweiser, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    core = Wegweiser(
        settings_for(db_url, CONSOLE_URL=url), Database(db_url), clock=lambda: FIXED_NOW
    )
    await core.load_content()
    await core.reload_faq()
    server = WebServer(web_app(console_routes(core)), "127.0.0.1", port)
    await server.start()
    try:
        yield core, url
    finally:
        await server.stop()
        await core.db.dispose()


@pytest.fixture()
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()


async def sign_in(core: Wegweiser, page: Page, url: str, role: str = "admin") -> None:
    token = await ConsoleAccess(core.db, core.clock).issue_link(4711, role)  # type: ignore[arg-type]
    await page.goto(f"{url}/console/signin?token={token}")
    await page.get_by_role("button").first.click()
    await page.wait_for_url(f"{url}/console/")


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=True)


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_translator_signs_in_on_a_phone_and_fixes_an_arabic_answer(
    served: tuple[Wegweiser, str], browser: Browser
) -> None:
    core, url = served
    context = await browser.new_context(viewport=PHONE, locale="de-DE")
    page = await context.new_page()
    token = await ConsoleAccess(core.db, core.clock).issue_link(4711, "counsellor")
    await page.goto(f"{url}/console/signin?token={token}")
    await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    await shot(page, "phone-signin-de")
    await page.get_by_role("button", name="Jetzt anmelden").click()
    await expect(page.get_by_role("heading", name="FAQ-Übersetzungen")).to_be_visible()
    await no_sideways_scroll(page)  # the wide matrix scrolls inside its own box
    await shot(page, "phone-matrix-de")

    await page.goto(f"{url}/console/faq/course-cost/ar")
    answer = page.get_by_label("Antwort")
    assert await answer.get_attribute("dir") == "rtl"
    await expect(page.get_by_text("Deutscher Ausgangstext")).to_be_visible()
    await answer.fill("<b>نص</b>")
    await expect(page.locator("#checks")).to_contain_text("keine HTML-Tags")
    await shot(page, "phone-editor-ar-check")
    new = "يكلف الدرس الواحد 2.29 يورو. اسألوا مركز الاستشارة عن الإعفاء."
    await answer.fill(new)
    await expect(page.locator("#checks .bad")).to_have_count(0)
    await page.get_by_role("button", name="Als geprüft speichern").click()
    await expect(page.get_by_role("status")).to_contain_text("Gespeichert")
    await no_sideways_scroll(page)
    await shot(page, "phone-editor-ar-saved")
    assert core.faq is not None
    saved = core.faq.answer("course-cost", "ar")
    assert saved is not None and saved.text == new and not saved.machine
    await context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_an_admin_works_by_keyboard_on_a_laptop_in_english(
    served: tuple[Wegweiser, str], browser: Browser
) -> None:
    core, url = served
    context = await browser.new_context(viewport=LAPTOP, locale="en-GB")
    page = await context.new_page()
    await sign_in(core, page, url)
    await expect(page.get_by_role("heading", name="FAQ translations")).to_be_visible()
    await page.get_by_role("link", name="machine-made, not reviewed").first.click()
    await shot(page, "laptop-matrix-en")
    # Keyboard only: tab to the first cell of the matrix and open it with Enter.
    cell = page.get_by_role("link", name="course-cost, Türkçe: machine-made, not reviewed")
    await cell.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{url}/console/faq/course-cost/tr")
    await page.get_by_role("button", name="Mark reviewed as it is").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Marked as reviewed")
    await expect(page.get_by_text("reviewed and current")).to_be_visible()
    await shot(page, "laptop-editor-tr-reviewed")

    await page.get_by_role("link", name="Course plans").click()
    await page.get_by_label("Course plan (CSV)").set_input_files(str(SAMPLE_PLAN))
    await page.get_by_role("button", name="Show what changes").click()
    preview = page.get_by_role("heading", name="Preview: what courses.sample.csv would change")
    await expect(preview).to_be_visible()
    await shot(page, "laptop-courses-preview")
    await page.get_by_role("button", name="Apply this plan").click()
    await expect(page.get_by_role("status")).to_contain_text("The plan is applied")

    await page.get_by_role("link", name="Facts").click()
    await expect(page.get_by_role("heading", name="Facts")).to_be_visible()
    await page.get_by_role("link", name="point.jmd.address").click()
    await page.get_by_label("Source (where a person can check it)").fill("jmd website, by phone")
    await page.get_by_label("As of (when the source was read)").fill("2099-01-01")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("future")
    # What was typed stays in the form; only the date needs correcting.
    source = page.get_by_label("Source (where a person can check it)")
    await expect(source).to_have_value("jmd website, by phone")
    await page.get_by_label("As of (when the source was read)").fill("2026-11-20")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved")
    await shot(page, "laptop-fact-saved")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Signed out")).to_be_visible()
    await page.goto(f"{url}/console/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_an_admin_signs_in_from_telegram_and_runs_the_desk_on_a_phone(
    fake: FakeBotApi, db_url: str, browser: Browser
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    admin = 9100
    async with running(fake, db_url, ADMIN_IDS=str(admin), CONSOLE_URL=url) as bot:
        core = bot.core
        async with core.db.transaction() as session:  # a question with HTML in it
            await faq_store.remember_unanswered(
                session, "de", "<script>alert(1)</script> Kita?", core.clock(), None
            )
        server = WebServer(web_app(console_routes(core)), "127.0.0.1", port)
        await server.start()
        try:
            fake.send_command(admin, "/console", language_code="de")
            (message,) = await fake.await_messages(admin, 1)
            link = str(message["text"]).split()[-1]
            context = await browser.new_context(viewport=PHONE, locale="de-DE")
            page = await context.new_page()
            alerts: list[str] = []
            page.on("dialog", lambda dialog: alerts.append(dialog.message))
            await page.goto(link)
            await page.get_by_role("button", name="Jetzt anmelden").click()
            await expect(page.get_by_role("heading", name="FAQ-Übersetzungen")).to_be_visible()

            await page.get_by_role("link", name="Unbeantwortete Fragen").click()
            await expect(page.get_by_text("<script>alert(1)</script> Kita?")).to_be_visible()
            assert alerts == []  # shown as text, never run

            await page.get_by_role("link", name="Termine").click()
            await page.get_by_label("Grund (z. B. Teamtag)").first.fill("Teamtag")
            await page.get_by_role("button", name="Diesen Tag schließen").first.click()
            await expect(page.get_by_role("status")).to_contain_text("closed")
            await expect(page.get_by_text("geschlossen: Teamtag").first).to_be_visible()
            await no_sideways_scroll(page)
            await shot(page, "phone-appointments-de")

            await page.get_by_role("link", name="Kurspläne").click()
            bad = SAMPLE_PLAN.read_text(encoding="utf-8").replace(",", ";", 2)
            await page.get_by_label("Kursplan (CSV)").set_input_files(
                files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
            )
            await page.get_by_role("button", name="Zeigen, was sich ändert").click()
            await expect(page.get_by_role("alert")).to_contain_text("Nichts importiert")
            await shot(page, "phone-courses-bad-de")
            async with core.db.sessions() as session:
                assert not (await session.execute(select(CourseRow))).scalars().all()

            await page.get_by_role("link", name="Statistik").click()
            await expect(page.get_by_role("heading", name="Statistik")).to_be_visible()
            await no_sideways_scroll(page)
            await shot(page, "phone-stats-de")
            await context.close()
        finally:
            await server.stop()
