"""Logs without secrets, webhook settings, the flood guard and retried replies."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram import retry
from bot.runtime.config import ConfigError, load_settings
from bot.runtime.flood import FloodGuard, Verdict
from bot.runtime.logs import JsonFormatter, Redactor

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "webhook-secret-0123456789abcdef"


def _logger(secrets: tuple[str, ...]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor(secrets))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"test.ops.{id(stream)}")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_secrets_never_reach_a_log_line() -> None:
    logger, stream = _logger((TOKEN, SECRET, "pgpass"))
    logger.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    logger.info("secret %s in an f-string too: " + SECRET, "x")
    logger.info("another bot's token 987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    try:
        raise ValueError(f"connect to postgresql://bot:pgpass@db/x with {TOKEN}")
    except ValueError:
        logger.exception("failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4  # one line each, the traceback inside the JSON object
    entries = [json.loads(line) for line in lines]
    text = stream.getvalue()
    assert TOKEN not in text and SECRET not in text and "pgpass" not in text
    assert "ZZHdqTcvCH1vGWJ" not in text
    assert "***" in entries[0]["msg"] and "ValueError" in entries[3]["exc"]


def test_update_fields_are_kept_and_nothing_else() -> None:
    logger, stream = _logger(())
    logger.info("update answered", extra={"event": "update", "ms": 12.5, "user_text": "Hallo"})
    entry = json.loads(stream.getvalue())
    assert entry["event"] == "update" and entry["ms"] == 12.5
    assert "user_text" not in entry


def test_webhook_settings_are_checked_without_echoing_the_secret() -> None:
    base = {"BOT_TOKEN": TOKEN}
    ok = load_settings(
        {**base, "WEBHOOK_URL": "https://bot.example.org/tg", "WEBHOOK_SECRET": SECRET}, None
    )
    assert ok.webhook_url == "https://bot.example.org/tg" and ok.webhook_secret == SECRET
    assert SECRET not in repr(ok) and TOKEN not in repr(ok)
    assert set(ok.secrets) == {TOKEN, SECRET}
    with pytest.raises(ConfigError) as bad:
        load_settings({**base, "WEBHOOK_URL": "http://bot.example.org/tg"}, None)
    assert any("WEBHOOK_URL" in p for p in bad.value.problems)
    assert any("WEBHOOK_SECRET: required" in p for p in bad.value.problems)
    short = "short secret!"
    with pytest.raises(ConfigError) as weak:
        load_settings({**base, "WEBHOOK_URL": "https://x.org/", "WEBHOOK_SECRET": short}, None)
    assert not any(short in p for p in weak.value.problems)
    with pytest.raises(ConfigError):
        load_settings({"FLOOD_LIMIT": "many", "HEALTH_PORT": "99999", "LOG_FORMAT": "xml"}, None)
    assert load_settings({}, None).webhook_url is None  # polling stays the default


def test_flood_guard_warns_once_then_lets_the_user_in_again() -> None:
    now = [0.0]
    guard = FloodGuard(limit=3, seconds=10, clock=lambda: now[0])
    assert [guard.check(1) for _ in range(3)] == [Verdict.OK] * 3
    assert guard.check(1) is Verdict.WARN
    assert guard.check(1) is Verdict.DROP and guard.check(2) is Verdict.OK  # others unaffected
    now[0] = 10.5
    assert guard.check(1) is Verdict.OK
    now[0] = 5000.0
    for user in range(2000):  # the sweep forgets quiet users
        guard.check(10_000 + user)
    assert len(guard._seen) <= 2000


async def _counting(errors: list[Exception]) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    calls = [0]

    async def call() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return "sent"

    return call, calls


async def test_replies_are_retried_on_transient_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(retry.asyncio, "sleep", no_sleep)
    call, calls = await _counting([RetryAfter(3), NetworkError("Bad Gateway"), TimedOut()])
    assert await retry.with_retries(call, "sendMessage") == "sent"
    assert calls == [4] and waits[0] == 3.0 and len(waits) == 3
    call, calls = await _counting([BadRequest("chat not found")])
    with pytest.raises(BadRequest):  # not transient: no retry
        await retry.with_retries(call, "sendMessage")
    assert calls == [1]
    call, calls = await _counting([NetworkError("x")] * (retry.ATTEMPTS + 1))
    with pytest.raises(NetworkError):
        await retry.with_retries(call, "sendMessage")
    assert calls == [retry.ATTEMPTS]
