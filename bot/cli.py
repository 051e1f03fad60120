"""Command line: ``python -m bot run|chat|migrate|purge|content|i18n|...``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.runtime.config import ConfigError, Settings, load_settings

log = logging.getLogger("bot")
NO_TOKEN_HINT = (
    "No BOT_TOKEN set: starting the terminal chat. For Telegram, create a bot with @BotFather "
    "(https://t.me/BotFather, /newbot) and put BOT_TOKEN=... into .env."
)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config error: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def _migrate(settings: Settings) -> None:
    from bot.storage.migrate import upgrade

    upgrade(settings.database_url)


async def _app(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.app.conversation import Wegweiser
    from bot.storage.db import Database

    app = Wegweiser(settings, Database(settings.database_url))
    await app.load_content()
    return app


async def _chat(settings: Settings, user_id: int) -> None:
    from bot.channels.terminal.chat import chat

    app = await _app(settings)
    try:
        await chat(app, user_id=user_id)
    finally:
        await app.db.dispose()


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate, load content, then start Telegram (or the terminal without a token)."""
    settings = _settings()
    if settings.bot_token:
        from bot.runtime.logs import configure

        configure(settings.log_format, settings.secrets)
    _migrate(settings)
    if not settings.bot_token:
        print(NO_TOKEN_HINT)
        asyncio.run(_chat(settings, args.user))
        return 0
    from bot.channels.telegram.serve import run

    run(settings)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """The terminal chat."""
    settings = _settings()
    _migrate(settings)
    asyncio.run(_chat(settings, args.user))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply database migrations."""
    _migrate(_settings())
    print("database is up to date")
    return 0


def cmd_content(args: argparse.Namespace) -> int:
    """Load or check content."""
    from bot.content.check import read_faq, report
    from bot.content.parse import ContentError, parse_content, read_city

    settings = _settings()
    try:
        content = parse_content(read_city(settings.city, settings.content_dir), settings.city)
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 1
    if args.action == "check":
        # The local date in the bot's time zone; the real clock, which faketime moves too.
        today = datetime.now(ZoneInfo(settings.timezone)).date()
        faq = read_faq(settings.content_dir / settings.city)
        lines = report(content, today=today, max_age_days=args.max_age_days, faq=faq)
        print("\n".join(lines))
        return 0

    async def load() -> None:
        app = await _app(settings)
        await app.db.dispose()

    _migrate(settings)
    asyncio.run(load())
    print(f"content for {settings.city} loaded")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Erase every user who has not written for INACTIVITY_DAYS (the daily job, once)."""
    settings = _settings()
    _migrate(settings)

    async def go() -> int:
        app = await _app(settings)
        try:
            return int(await app.purge_inactive())
        finally:
            await app.db.dispose()

    count = asyncio.run(go())
    print(f"{count} users erased after {settings.inactivity_days} days without a message")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    """Extract messages and update catalogs, or show translation status."""
    from bot.content.parse import CONTENT_ROOT, packs
    from bot.i18n.catalogs import LOCALES_DIR, PACK_DOMAIN, pack_locales
    from bot.i18n.extract import (
        CONSOLE_DOMAIN,
        CONSOLE_LANGUAGES,
        build_console_template,
        build_pack_template,
        build_template,
        update_catalogs,
        write_template,
    )
    from bot.i18n.status import status_lines

    folders = [CONTENT_ROOT / city for city in packs(CONTENT_ROOT)]
    if args.action == "update":
        template = build_template()
        write_template(template)
        for path in update_catalogs(template):
            print(f"updated {path}")
        console = build_console_template()
        write_template(console, LOCALES_DIR / f"{CONSOLE_DOMAIN}.pot")
        for path in update_catalogs(console, CONSOLE_LANGUAGES, domain=CONSOLE_DOMAIN):
            print(f"updated {path}")
        for folder in folders:
            locales = pack_locales(folder)
            template = build_pack_template(folder)
            write_template(template, locales / f"{PACK_DOMAIN}.pot")
            for path in update_catalogs(template, root=locales, domain=PACK_DOMAIN):
                print(f"updated {path}")
    else:
        print("\n".join(status_lines(folders)))
    return 0


def cmd_admin(args: argparse.Namespace) -> int:
    """An admin command from the one command table (the same as in Telegram)."""
    from datetime import UTC, datetime

    from bot.app.admin import AdminContext, AdminError, execute

    settings = _settings()
    _migrate(settings)
    words = list(args.words)  # ``slots capacity POINT N`` is ``admin capacity POINT N``

    async def go() -> str:
        app = await _app(settings)
        try:
            ctx = AdminContext(
                db=app.db,
                content=app.content,
                catalogue=app.catalogue,
                now=datetime.now(UTC),
                languages=app.catalogs.languages,
                actor_id=0,
            )
            return (await execute(ctx, words[0], " ".join(words[1:]))).text
        finally:
            await app.db.dispose()

    try:
        print(asyncio.run(go()))
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_courses(args: argparse.Namespace) -> int:
    """Import a provider's course plan (CSV)."""
    from pathlib import Path

    from bot.core.courses.csvfile import CourseFileError, read_courses

    settings = _settings()
    path = Path(args.file)
    try:
        courses = read_courses(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"error: {path} is not UTF-8 text", file=sys.stderr)
        return 1
    except CourseFileError as exc:
        for error in exc.errors:
            print(f"{path}: {error}", file=sys.stderr)
        print(f"nothing imported: {len(exc.errors)} problems", file=sys.stderr)
        return 1
    _migrate(settings)

    async def go() -> str:
        from datetime import UTC, datetime

        app = await _app(settings)
        try:
            async with app.db.transaction() as session:
                report = await app.catalogue.import_courses(
                    session, courses, source=path.name, now=datetime.now(UTC)
                )
            return str(report)
        finally:
            await app.db.dispose()

    print(f"{path.name}: {asyncio.run(go())}")
    return 0


def cmd_faq(args: argparse.Namespace) -> int:
    """FAQ: status matrix, evaluation, export and import of translations."""
    from pathlib import Path

    from bot.storage import faq as store

    settings = _settings()
    _migrate(settings)

    async def go() -> int:
        app = await _app(settings)
        try:
            if args.action == "status":
                async with app.db.sessions() as session:
                    matrix = await store.status(session, app.catalogs.languages)
                print(format_status(matrix, app.catalogs.languages))
            elif args.action == "eval":
                from bot.core.faq.evaluate import evaluate, read_set

                assert app.faq is not None
                report = evaluate(app.faq.index, read_set([Path(p) for p in args.files]))
                print("\n".join(report.lines()))
                if args.verbose:
                    print("\n".join(report.mistakes))
            elif args.action == "export":
                from bot.app.faq_transfer import export

                for path in await export(
                    app.db, Path(args.files[0]), args.format, app.catalogs.languages
                ):
                    print(f"wrote {path}")
            elif args.action == "import":
                from bot.app.faq_transfer import TransferError, import_file

                try:
                    for path in args.files:
                        print(await import_file(app.db, Path(path), app.clock()))
                except TransferError as exc:
                    for error in exc.errors:
                        print(error, file=sys.stderr)
                    print("nothing imported", file=sys.stderr)
                    return 1
            return 0
        finally:
            await app.db.dispose()

    return asyncio.run(go())


def format_status(matrix: dict[str, dict[str, str]], languages: tuple[str, ...]) -> str:
    """The translation-status matrix: one row per entry, one column per language, and a last
    row with how many answers of each language a person has reviewed (current, not machine)."""
    marks = {"current": "ok", "outdated": "OLD", "missing": "--", "machine": "mt"}
    width = max((len(s) for s in matrix), default=8)
    cols = [max(3, len(lang)) for lang in languages]
    lines = [
        f"{'entry':<{width}} " + " ".join(f"{g:>{c}}" for g, c in zip(languages, cols, strict=True))
    ]
    for slug, row in matrix.items():
        cells = (f"{marks[row[g]]:>{c}}" for g, c in zip(languages, cols, strict=True))
        lines.append(f"{slug:<{width}} " + " ".join(cells))
    total = len(matrix)
    reviewed = (sum(1 for row in matrix.values() if row[g] == "current") for g in languages)
    percent = (f"{round(100 * n / total) if total else 0}%" for n in reviewed)
    lines.append(
        f"{'reviewed':<{width}} "
        + " ".join(f"{p:>{c}}" for p, c in zip(percent, cols, strict=True))
    )
    lines.append("ok = current, mt = machine-made (unreviewed), OLD = outdated, -- = missing")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m bot", description="Wegweiser bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, load content, start the bot")
    run.add_argument("--user", type=int, default=1, help="terminal user id (without a token)")
    run.set_defaults(func=cmd_run)
    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--user", type=int, default=1, help="terminal user id")
    chat.set_defaults(func=cmd_chat)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser(
        "purge", help="erase users who have not written for INACTIVITY_DAYS"
    ).set_defaults(func=cmd_purge)
    content = sub.add_parser("content", help="load content files or check facts")
    content.add_argument("action", choices=("load", "check"))
    content.add_argument("--max-age-days", type=int, default=365, help="older facts are stale")
    content.set_defaults(func=cmd_content)
    slots = sub.add_parser(
        "slots",
        help="capacity POINT N | close POINT YYYY-MM-DD [reason] | reopen POINT YYYY-MM-DD",
    )
    slots.add_argument("words", nargs="+")
    slots.set_defaults(func=cmd_admin)
    admin = sub.add_parser(
        "admin", help="any admin command, as in Telegram: capacity, close, course_add, faq_set, ..."
    )
    admin.add_argument("words", nargs="+")
    admin.set_defaults(func=cmd_admin)
    courses = sub.add_parser("courses", help="course catalogue")
    courses_sub = courses.add_subparsers(dest="action", required=True)
    importer = courses_sub.add_parser(
        "import", help="import a provider's plan (CSV, see docs/courses.md)"
    )
    importer.add_argument("file")
    importer.set_defaults(func=cmd_courses)
    faq = sub.add_parser("faq", help="FAQ: status, eval FILE..., export DIR, import FILE...")
    faq.add_argument("action", choices=("status", "eval", "export", "import"))
    faq.add_argument("files", nargs="*")
    faq.add_argument("--format", choices=("po", "csv"), default="po")
    faq.add_argument("--verbose", action="store_true")
    faq.set_defaults(func=cmd_faq)
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=("update", "status"))
    i18n.set_defaults(func=cmd_i18n)
    args = parser.parse_args(argv)
    return int(args.func(args))
