"""Web chat under load: many sessions walk the journey at once over HTTP.

The bot runs as its own process (``python -m bot run`` with ``WEB_CHAT=on``, Telegram against
the local fake Bot API, so the same process serves both channels). Each simulated reader has
its own cookie jar and address (``X-Forwarded-For``, as behind the TLS proxy), loads the page
and the conversation, then presses language, consent, the status questions and the age band as
fast as the bot answers (all eight paths). Latency = one POST's round trip: the answer comes
in the response (the same messages also reach the page's event stream).

    python bench/webchat_load.py [--sessions 200] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.journey_latency import (  # noqa: E402
    LANGS,
    PATHS,
    bench_database,
    pct,
    start_process,
)
from tests.fakeapi import FakeBotApi  # noqa: E402
from tests.test_serve_e2e import free_port  # noqa: E402

TIMEOUT = 60.0


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    page_loads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0


async def reader(url: str, index: int, load: Load) -> None:
    lang = LANGS[index % len(LANGS)]
    headers = {
        "Origin": url,
        "Accept-Language": lang,
        "X-Forwarded-For": f"10.{index // 250}.{index % 250}.1",
    }
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=TIMEOUT) as http:
        started = time.monotonic()
        page = await http.get("/chat/")
        body = (await http.get("/chat/api/messages")).json()
        load.page_loads.append(time.monotonic() - started)
        if page.status_code != 200:
            load.errors.append(f"reader {index}: page {page.status_code}")
            return
        shown = body["prompt"]
        for key in [lang, "agree", *PATHS[index % len(PATHS)]]:
            data = next(
                (d for m in shown for _l, d in m["buttons"] if d.split(":", 1)[-1] == key), None
            )
            if data is None:
                load.errors.append(f"reader {index}: no button {key}")
                return
            sent = time.monotonic()
            response = await http.post("/chat/api/send", json={"press": data, "label": key})
            load.latencies.append(time.monotonic() - sent)
            if response.status_code != 200:
                load.errors.append(f"reader {index}: {key} -> {response.status_code}")
                return
            shown = [m for m in response.json()["messages"] if m["from"] == "bot"]


async def measure(sessions: int, env: dict[str, str], work: Path) -> Load:
    load = Load()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeBotApi() as fake:
        env = {
            **env,
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "WEB_CHAT": "on",
            "HEALTH_PORT": str(port),
            "WEBHOOK_LISTEN": "127.0.0.1",
        }
        log = work / "bot.log"
        proc = start_process([sys.executable, "-m", "bot", "run"], env, log)
        try:
            deadline = time.monotonic() + 60
            async with httpx.AsyncClient(base_url=url) as probe:
                while True:
                    try:
                        if (await probe.get("/chat/api/messages")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"bot did not start:\n{log.read_text()[-3000:]}")
                    await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            started = time.monotonic()
            await asyncio.gather(*(reader(url, i, load) for i in range(sessions)))
            load.wall = time.monotonic() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except Exception:
                proc.kill()
        load.errors += [f"violation: {v}" for v in fake.violations]
    return load


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with bench_database(args.database, args.postgres_url) as (db_url, work):
        load = asyncio.run(measure(args.sessions, {**os.environ, "DATABASE_URL": db_url}, work))
    print(
        f"{args.sessions} concurrent web sessions, database {args.database}, {os.cpu_count()} cores"
    )
    if load.latencies:
        print(
            f"answers {len(load.latencies)}: p50 {pct(load.latencies, 0.5):,.0f} ms, "
            f"p95 {pct(load.latencies, 0.95):,.0f} ms, p99 {pct(load.latencies, 0.99):,.0f} ms, "
            f"max {max(load.latencies) * 1000:,.0f} ms, mean "
            f"{statistics.mean(load.latencies) * 1000:,.0f} ms"
        )
        print(
            f"page + conversation load: p50 {pct(load.page_loads, 0.5):,.0f} ms, "
            f"p99 {pct(load.page_loads, 0.99):,.0f} ms"
        )
        print(f"wall {load.wall:.1f} s, {len(load.latencies) / load.wall:.0f} answers/s")
    own, bot = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    print(
        f"CPU: bot process {bot.ru_utime + bot.ru_stime:.1f} s, "
        f"load generator {own.ru_utime + own.ru_stime:.1f} s (both from start to end)"
    )
    print(f"errors: {len(load.errors)}")
    for error in load.errors[:10]:
        print("  ", error)
    return 1 if load.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
