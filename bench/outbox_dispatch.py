"""Outbox delivery under Telegram faults: exactly once, within the rate limits.

N messages to M private chats are queued, then the dispatcher (real PTB Bot, real clock)
sends them to the local fake Bot API, which fails a share of the calls with 429
(retry_after), 500, 502, dropped connections and timeouts. Reported: delivered, lost,
duplicated, faults injected, throughput, and the highest rates seen per second overall and
per chat.

    python bench/outbox_dispatch.py [--messages 600] [--chats 200] [--fault-rate 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

import bot.channels.telegram  # noqa: E402, F401  (PTB settings)
from bot.core.messages import Term  # noqa: E402
from bot.core.serial import arg_to_json  # noqa: E402
from bot.delivery.compose import Composer  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.i18n.catalogs import Catalogs  # noqa: E402
from bot.i18n.render import Renderer  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from bot.storage.outbox import enqueue, pending_count  # noqa: E402
from tests.fakeapi import FakeBotApi  # noqa: E402


async def run(messages: int, chats: int, fault_rate: float) -> int:
    with tempfile.TemporaryDirectory() as tmp, FakeBotApi() as fake:
        url = f"sqlite:///{tmp}/outbox.db"
        upgrade(url)
        db = Database(url)
        now = datetime.now(UTC)
        for chat in range(chats):
            fake.send_text(10_000 + chat, "hi")
        async with db.transaction() as session:
            for i in range(messages):
                await enqueue(
                    session,
                    channel="telegram",
                    address=str(10_000 + i % chats),
                    user_id=None,
                    kind="to_user",
                    payload={"msg": arg_to_json(Term(f"message {i:05}")), "lang": "de"},
                    key=f"bench:{i}",
                    due_at=now,
                    now=now,
                )
        fake.faults.set(
            rate=fault_rate, methods={"sendMessage"}, retry_after=1, timeout_seconds=0.6
        )
        bot = Bot(
            fake.token,
            base_url=f"{fake.url}/bot",
            request=HTTPXRequest(read_timeout=0.5, connection_pool_size=32),
        )
        async with bot:
            from bot.channels.telegram.transport import TelegramTransport
            from bot.delivery.ports import ChannelPort

            port = ChannelPort("telegram", TelegramTransport(bot))
            composer = Composer(db, Renderer(Catalogs()), lambda: None, {"telegram": port})  # type: ignore[arg-type, return-value]
            dispatcher = Dispatcher(db, composer, lambda: datetime.now(UTC))
            started = time.monotonic()
            while True:
                await dispatcher.run_once()
                async with db.sessions() as session:
                    if await pending_count(session) == 0:
                        break
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - started
        await db.dispose()

        ok = [c for c in fake.calls if c.method == "sendMessage" and c.ok]
        texts = Counter(str(c.params.get("text")) for c in ok)
        delivered = len(texts)
        duplicates = sum(n - 1 for n in texts.values())
        per_second: Counter[int] = Counter(int(c.at) for c in ok)
        per_chat: dict[int | None, list[float]] = defaultdict(list)
        for c in ok:
            per_chat[c.chat_id].append(c.at)
        closest = min(
            (
                b - a
                for times in per_chat.values()
                for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
            ),
            default=float("inf"),
        )
        print(f"messages {messages} to {chats} chats, fault rate {fault_rate:.0%}")
        injected = fake.faults.injected
        print(f"faults injected: {dict(injected)} (total {sum(injected.values())})")
        print(f"delivered {delivered}, lost {messages - delivered}, duplicated {duplicates}")
        rate = delivered / elapsed
        busiest = max(per_second.values())
        print(f"time {elapsed:.1f} s, {rate:.1f} msg/s; busiest second {busiest} msgs (limit 30)")
        print(f"closest two messages to one chat: {closest:.2f} s apart (limit 1 s)")
        print(f"dispatcher: {dispatcher.stats}")
        return 0 if delivered == messages and duplicates == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    args = parser.parse_args()
    return asyncio.run(run(args.messages, args.chats, args.fault_rate))


if __name__ == "__main__":
    raise SystemExit(main())
