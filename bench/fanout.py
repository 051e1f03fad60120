"""Fan-out: 10,000 messages due at once, sent by the real bot process within a rate limit
that the fake Bot API enforces (answering 429 above it), optionally killed with SIGKILL
half-way and restarted.

    python bench/fanout.py [--messages 10000] [--rate 300] [--kill] [--database sqlite|postgres]

Reported: achieved rate / limit (target >= 0.95), 429 answers (target 0), duplicates and
lost messages (target 0 each).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.messages import Term  # noqa: E402
from bot.core.serial import arg_to_json  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from bot.storage.outbox import enqueue  # noqa: E402
from tests.fakeapi import FakeBotApi  # noqa: E402

FIRST_CHAT = 5_000_000


async def queue(url: str, messages: int) -> None:
    db = Database(url)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for i in range(messages):
            await enqueue(
                session,
                channel="telegram",
                address=str(FIRST_CHAT + i),
                user_id=None,
                kind="to_user",
                payload={"msg": arg_to_json(Term(f"fan-out {i:06}")), "lang": "de"},
                key=f"fanout:{i}",
                due_at=now,
                now=now,
            )
    await db.dispose()


def database(kind: str, work: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{work}/fanout.db"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"wegweiser_fanout_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    engine = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def start_bot(fake: FakeBotApi, url: str, rate: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "DATABASE_URL": url,
        "TELEGRAM_MESSAGES_PER_SECOND": str(rate),
    }
    with log.open("ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
        )


def delivered(fake: FakeBotApi) -> list[tuple[float, str]]:
    with fake.state.cond:
        calls = list(fake.state.calls)
    return [
        (c.at, str(c.params.get("text")))
        for c in calls
        if c.method == "sendMessage"
        and c.ok
        and str(c.params.get("text", "")).startswith("fan-out")
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument(
        "--kill", action="store_true", help="SIGKILL the bot half-way and restart it"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeBotApi() as fake:
        work = Path(tmp)
        url = database(args.database, work)
        upgrade(url)
        asyncio.run(queue(url, args.messages))
        fake.limits.enable(global_per_second=args.rate, per_chat_per_second=1.0)
        log = work / "bot.log"
        bot = start_bot(fake, url, args.rate, log)
        killed = False
        deadline = time.monotonic() + 30 + 3 * args.messages / args.rate
        try:
            while time.monotonic() < deadline:
                done = len({t for _a, t in delivered(fake)})
                if done >= args.messages:
                    break
                if args.kill and not killed and done >= args.messages // 2:
                    os.kill(bot.pid, signal.SIGKILL)
                    bot.wait()
                    killed = True
                    bot = start_bot(fake, url, args.rate, log)
                if bot.poll() is not None:
                    print(log.read_text()[-2000:])
                    return 1
                time.sleep(0.2)
            time.sleep(1.5)  # anything sent twice would arrive now
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.kill()
        sent = delivered(fake)
        texts = Counter(t for _a, t in sent)
        times = sorted(a for a, _t in sent)
        span = times[-1] - times[0] if len(times) > 1 else 1.0
        rate = (len(times) - 1) / span if span else 0.0
        refused = sum(1 for c in fake.calls if c.error_code == 429)
        print(
            f"{args.messages} messages, limit {args.rate}/s, database {args.database}, kill half-way: {killed}"
        )
        print(f"achieved {rate:.1f}/s = {rate / args.rate:.3f} of the limit over {span:.1f} s")
        print(f"429 answers: {refused}; limiter hits: {dict(fake.limits.hits)}")
        print(
            f"delivered {len(texts)}, lost {args.messages - len(texts)}, duplicated {sum(n - 1 for n in texts.values())}"
        )
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
