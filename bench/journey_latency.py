"""Reply latency of Wegweiser vs a minimal echo bot, many newcomers at once.

Both bots run as their own processes against the local fake Bot API (tests/fakeapi). Each
simulated newcomer walks the whole journey (/start, language, consent, status questions,
age band, result) as fast as the bot answers; the echo bot gets the same number of messages
from the same number of users. Latency = time from the update being queued at the fake
until the bot's request that completes the answer arrives (for Wegweiser the message with
the step's buttons; for the echo bot its reply).

    python bench/journey_latency.py [--users 200] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeapi import FakeBotApi  # noqa: E402

LANGS = ("de", "en", "tr", "ar", "uk", "ru", "fa", "ro")
PATHS = (
    ["new_arrival", "yes", "27_plus"],
    ["spaetaussiedler", "under_27"],
    ["long_resident", "no", "27_plus"],
    ["buergergeld", "under_27"],
    ["special", "eu_citizen", "no", "27_plus"],
    ["special", "asylum", "under_27"],
    ["special", "ukraine", "yes", "27_plus"],
    ["unsure", "no", "no", "no", "no", "yes", "no", "under_27"],
)
TIMEOUT = 60.0


@dataclass
class Run:
    """Latencies and errors of one bot under load."""

    name: str
    latencies: list[float] = field(default_factory=list)
    first_reply: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    async def record(
        self, answer: asyncio.Future[tuple[float, float]], queued: float, missing: str
    ) -> bool:
        """Wait for an answer and record its latencies; False (and an error) on timeout."""
        try:
            first, done = await asyncio.wait_for(answer, TIMEOUT)
        except TimeoutError:
            self.errors.append(missing)
            return False
        self.latencies.append(done - queued)
        self.first_reply.append(first - queued)
        return True


class Watcher:
    """Wakes a user's future when the bot's answer to them is complete (a fake-side thread)."""

    def __init__(
        self, fake: FakeBotApi, loop: asyncio.AbstractEventLoop, complete_on_keyboard: bool
    ):
        self.fake, self.loop, self.keyboard = fake, loop, complete_on_keyboard
        self.waiting: dict[int, tuple[asyncio.Future[tuple[float, float]], float | None]] = {}
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def expect(self, chat_id: int) -> asyncio.Future[tuple[float, float]]:
        future: asyncio.Future[tuple[float, float]] = self.loop.create_future()
        with self.lock:
            self.waiting[chat_id] = (future, None)
        return future

    def _run(self) -> None:
        state = self.fake.state
        seen = 0
        while not self.stop:
            with state.cond:
                state.cond.wait(timeout=0.2)
                new = state.calls[seen:]
                seen = len(state.calls)
            for call in new:
                if call.method != "sendMessage" or not call.ok or call.chat_id is None:
                    continue
                with self.lock:
                    entry = self.waiting.get(call.chat_id)
                    if entry is None:
                        continue
                    future, first = entry
                    first = call.at if first is None else first
                    done = not self.keyboard or "reply_markup" in call.params
                    if done:
                        del self.waiting[call.chat_id]
                    else:
                        self.waiting[call.chat_id] = (future, first)
                if done:
                    self.loop.call_soon_threadsafe(_resolve, future, (first, call.at))


def _resolve(future: asyncio.Future[tuple[float, float]], value: tuple[float, float]) -> None:
    if not future.done():
        future.set_result(value)


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:
        return subprocess.Popen(args, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=log.parent)


async def wait_ready(fake: FakeBotApi, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not fake.calls_for("getUpdates"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"bot did not start:\n{log.read_text()[-3000:]}")
        await asyncio.sleep(0.05)


async def newcomer(fake: FakeBotApi, watcher: Watcher, run: Run, index: int) -> None:
    chat = 100_000 + index
    lang = LANGS[index % len(LANGS)]
    steps = ["/start", lang, "agree", *PATHS[index % len(PATHS)]]
    for step in steps:
        future = watcher.expect(chat)
        if step.startswith("/"):
            queued = time.monotonic()
            fake.send_command(chat, step, language_code=lang)
        else:
            message = fake.last_message(chat)
            data = next((d for _l, d in fake.buttons(message) if d.split(":", 1)[-1] == step), None)
            if message is None or data is None:
                run.errors.append(f"user {index}: no button {step}")
                return
            queued = time.monotonic()
            fake.press_button(chat, message["message_id"], data, language_code=lang)
        if not await run.record(future, queued, f"user {index}: no answer to {step}"):
            return


async def echo_user(fake: FakeBotApi, watcher: Watcher, run: Run, index: int) -> None:
    chat = 100_000 + index
    lang = LANGS[index % len(LANGS)]
    for step in range(3 + len(PATHS[index % len(PATHS)])):
        future = watcher.expect(chat)
        queued = time.monotonic()
        fake.send_text(chat, f"hello {step}", language_code=lang)
        if not await run.record(future, queued, f"user {index}: no echo"):
            return


async def measure(
    name: str, users: int, command: list[str], env: dict[str, str], work: Path
) -> Run:
    run = Run(name)
    with FakeBotApi() as fake:
        env = {**env, "BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url}
        log = work / f"{name}.log"
        proc = start_process(command, env, log)
        try:
            await wait_ready(fake, proc, log)
            await asyncio.sleep(1.0)  # start-up calls (commands, descriptions) out of the way
            watcher = Watcher(fake, asyncio.get_running_loop(), complete_on_keyboard=name != "echo")
            user = echo_user if name == "echo" else newcomer
            started = time.monotonic()
            await asyncio.gather(*(user(fake, watcher, run, i) for i in range(users)))
            run.wall = time.monotonic() - started
            watcher.stop = True
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        run.errors += [f"violation: {v}" for v in fake.violations]
        run.errors += [
            f"failed call {c.method}: {c.description}"
            for c in fake.calls
            if not c.ok and c.method != "getUpdates"
        ]
    return run


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def create_pg_database(admin_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wegweiser_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


@contextmanager
def bench_database(kind: str, admin_url: str) -> Iterator[tuple[str, Path]]:
    """A scratch working folder and a fresh database in it (SQLite) or on the server
    (PostgreSQL, dropped afterwards): (database URL, folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if kind != "postgres":
            yield f"sqlite:///{work}/bench.db", work
            return
        db_url = create_pg_database(admin_url)
        try:
            yield db_url, work
        finally:
            drop_pg_database(admin_url, db_url)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--profile", type=Path, help="write the bot's cProfile stats here")
    args = parser.parse_args()
    bot = [sys.executable, "-m", "bot", "run"]
    if args.profile is not None:
        bot[1:1] = ["-m", "cProfile", "-o", str(args.profile.resolve())]

    with bench_database(args.database, args.postgres_url) as (db_url, work):
        env = {**os.environ, "DATABASE_URL": db_url}
        ours = asyncio.run(measure("wegweiser", args.users, bot, env, work))
        echo = asyncio.run(
            measure(
                "echo", args.users, [sys.executable, str(ROOT / "bench" / "echo_bot.py")], env, work
            )
        )

    print(f"{args.users} concurrent newcomers, database {args.database}, {os.cpu_count()} cores")
    header = ("bot", "replies", "p50 ms", "p99 ms", "first p50", "first p99", "wall s", "errors")
    print("{:<10} {:>8} {:>8} {:>8} {:>10} {:>10} {:>7} {:>7}".format(*header))
    for run in (ours, echo):
        if not run.latencies:
            print(f"{run.name:<10} no replies; errors: {run.errors[:5]}")
            continue
        row = (
            run.name,
            len(run.latencies),
            pct(run.latencies, 0.5),
            pct(run.latencies, 0.99),
            pct(run.first_reply, 0.5),
            pct(run.first_reply, 0.99),
            run.wall,
            len(run.errors),
        )
        print("{:<10} {:>8} {:>8.1f} {:>8.1f} {:>10.1f} {:>10.1f} {:>7.1f} {:>7}".format(*row))
    for run in (ours, echo):
        for error in run.errors[:10]:
            print(f"  {run.name} error: {error}")
    if ours.latencies and echo.latencies:
        ratio = pct(ours.latencies, 0.99) / pct(echo.latencies, 0.99)
        means = statistics.mean(ours.latencies) * 1000, statistics.mean(echo.latencies) * 1000
        # The goals: at most 1.3 x the echo bot at light load (20 users), 1.2 x at 200.
        target = 1.3 if args.users <= 20 else 1.2
        print(f"p99 ratio wegweiser/echo: {ratio:.2f} (target <= {target})")
        print(f"mean latency: wegweiser {means[0]:.1f} ms, echo {means[1]:.1f} ms")
    return 0 if not ours.errors and not echo.errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
