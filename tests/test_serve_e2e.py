"""Service mode in-process: webhook with Telegram's secret-token header, and /health."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from bot.channels.telegram.serve import serve, webhook_path
from bot.delivery.dispatcher import Dispatcher
from bot.runtime.config import Settings
from bot.runtime.health import Health
from bot.runtime.web import HealthServer
from bot.storage.db import Database
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.tgclient import User

pytestmark = pytest.mark.e2e
SECRET = "s3cret-Token_for-the-webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[None]:
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(settings, stopping))
    try:
        yield
    finally:
        stopping.set()
        await asyncio.wait_for(task, 15)


def update_from(user_id: int, update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "X"},
            "from": {"id": user_id, "is_bot": False, "first_name": "X", "language_code": "de"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def test_webhook_path() -> None:
    assert webhook_path("https://bot.example.org/telegram/hook") == "telegram/hook"
    assert webhook_path("https://bot.example.org") == ""


async def test_webhook_answers_with_secret_and_refuses_without(
    fake: FakeBotApi, db_url: str
) -> None:
    health_port = free_port()
    url = f"http://127.0.0.1:{health_port}/tg"  # one port: webhook, /health and console
    settings = settings_for(
        db_url,
        BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.url,
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        HEALTH_PORT=str(health_port),
        CONSOLE_URL=f"http://127.0.0.1:{health_port}",
    )
    async with serving(settings):
        await fake.await_for(lambda: bool(fake.calls_for("setWebhook")), 30)
        call = fake.calls_for("setWebhook")[-1]
        assert call.params["url"] == url and call.params["secret_token"] == SECRET
        # The fake pushes updates to the webhook with the header, as Telegram does.
        user = User(fake, 7600, language_code="de")
        assert await user.say("/start", timeout=30)
        async with httpx.AsyncClient() as client:
            forged = update_from(7601, 990001, "/start")
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-" + SECRET}):
                response = await client.post(url, json=forged, headers=headers)
                assert response.status_code == 403
            broken = await client.post(
                url, content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert broken.status_code == 400
            health = await client.get(f"http://127.0.0.1:{health_port}/health")
            assert health.status_code == 200
            report = health.json()
            assert report["status"] == "ok" and report["database"]["ok"]
            assert report["dispatcher"]["ok"] and report["database"]["outbox"]["overdue"] == 0
            assert (await client.get(f"http://127.0.0.1:{health_port}/other")).status_code == 404
            # The web console shares the port (CONSOLE_URL set): it asks to sign in.
            console = await client.get(f"http://127.0.0.1:{health_port}/console/")
            assert console.status_code == 401 and "/console" in console.text
        await user.say("/help")  # a later update, so the forged ones had time to be handled
        assert fake.message_count(7601) == 0  # refused requests are not processed


class _Idle:
    async def __call__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("nothing to send")


async def test_health_is_503_when_the_database_is_unreachable() -> None:
    db = Database("postgresql://postgres@127.0.0.1:1/nowhere")
    dispatcher = Dispatcher(db, _Idle(), lambda: FIXED_NOW)  # type: ignore[arg-type]
    server = HealthServer(Health(db, dispatcher, lambda: FIXED_NOW), "127.0.0.1", 0)
    port = await server.start()
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/health")
        assert response.status_code == 503
        body = response.json()
        assert body["database"] == {"ok": False, "error": body["database"]["error"]}
        assert body["status"] == "unhealthy"
    finally:
        await server.stop()
        await db.dispose()


async def test_health_is_503_when_the_dispatcher_is_stuck(db_url: str) -> None:
    db = Database(db_url)
    dispatcher = Dispatcher(db, _Idle(), lambda: FIXED_NOW)  # type: ignore[arg-type]
    health = Health(db, dispatcher, lambda: FIXED_NOW, started=1.0)  # started long ago
    try:
        healthy, body = await health.report()
        assert not healthy and body["database"]["ok"] and not body["dispatcher"]["ok"]
        await dispatcher.run_once()
        healthy, body = await health.report()
        assert healthy and body["dispatcher"]["last_run_seconds_ago"] < 5
    finally:
        await db.dispose()
