"""Outbox scale: a dispatcher tick with 10,000 and with 1,000,000 future rows stored, and the
bot's peak memory with 1,000,000 stored.

    python bench/outbox_scale.py [--rows 10000 1000000] [--due 300]

A tick claims the due rows through the partial index on pending rows, so its cost should
follow the due rows (the same in both runs), not the stored ones (target ratio at most 2).
Peak RSS of `python -m bot run` against the large database, polling the fake Bot API for
15 s with its dispatcher ticking every second (target at most 200 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.delivery.dispatcher import Dispatcher, Limits  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from bot.storage.models import OutboxRow  # noqa: E402
from tests.fakeapi import FakeBotApi  # noqa: E402

PAYLOAD = json.dumps({"msg": {"t": "term", "v": "x"}, "lang": "de"})


def fill(path: Path, rows: int, due: int, start_key: int) -> None:
    """Raw inserts (fast): ``rows`` future messages and ``due`` messages due now."""
    now = datetime.now(UTC).replace(tzinfo=None)
    later = now + timedelta(days=30)
    conn = sqlite3.connect(path)
    sql = (
        "INSERT INTO outbox (chat_id, kind, payload, idempotency_key, state, due_at, "
        "next_attempt_at, attempts, created_at) VALUES (?, 'to_user', ?, ?, 'pending', ?, ?, 0, ?)"
    )
    batch = []
    for i in range(rows):
        when = (later + timedelta(seconds=i)).isoformat(sep=" ")
        batch.append(
            (1000 + i, PAYLOAD, f"future:{start_key + i}", when, when, now.isoformat(sep=" "))
        )
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    stamp = now.isoformat(sep=" ")
    batch += [
        (900_000_000 + start_key + i, PAYLOAD, f"due:{start_key}:{i}", stamp, stamp, stamp)
        for i in range(due)
    ]
    conn.executemany(sql, batch)
    conn.commit()
    conn.close()


async def tick_times(url: str, path: Path, due: int, ticks: int = 5) -> list[float]:
    async def nothing(row: OutboxRow) -> None:
        return None

    times = []
    for t in range(ticks):
        fill(path, 0, due, 10_000_000 * (t + 1))
        db = Database(url)
        dispatcher = Dispatcher(db, nothing, lambda: datetime.now(UTC), Limits(per_second=due))
        started = time.perf_counter()
        await dispatcher.run_once()
        times.append(time.perf_counter() - started)
        assert dispatcher.stats.sent == due, dispatcher.stats
        await db.dispose()
    return times


def peak_rss_mb(url: str, seconds: float = 15.0) -> float:
    with FakeBotApi() as fake:
        env = {
            **os.environ,
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "DATABASE_URL": url,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak = 0.0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
                peak = max(peak, int(line.split()[1]) / 1024)
            except (OSError, StopIteration):
                pass
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        return peak


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--due", type=int, default=300)
    args = parser.parse_args()
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"scale-{rows}.db"
            url = f"sqlite:///{path}"
            upgrade(url)
            started = time.perf_counter()
            fill(path, rows, 0, 0)
            filled = time.perf_counter() - started
            times = asyncio.run(tick_times(url, path, args.due))
            medians[rows] = statistics.median(times)
            print(
                f"{rows:>9} stored: tick with {args.due} due = {medians[rows] * 1000:.0f} ms median "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); filled in {filled:.0f} s"
            )
        largest = max(args.rows)
        smallest = min(args.rows)
        print(
            f"ratio {largest} / {smallest} stored: {medians[largest] / medians[smallest]:.2f} (target <= 2)"
        )
        rss = peak_rss_mb(f"sqlite:///{Path(tmp) / f'scale-{largest}.db'}")
        print(f"bot peak RSS with {largest} stored: {rss:.0f} MB (target <= 200)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
