"""Shared fixtures: content, catalogs, databases (SQLite always, PostgreSQL where reachable)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app.conversation import Wegweiser
from bot.content.model import Content
from bot.content.parse import parse_content, read_city
from bot.core.courses.csvfile import read_courses
from bot.core.courses.matching import CourseView
from bot.core.rules.schedule import FreeSlot, free_slots, generate_slots
from bot.flows.base import Ctx
from bot.i18n.catalogs import LANGUAGES, Catalogs
from bot.runtime.config import Settings, load_settings
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from tests.fakeapi import FakeBotApi

PG_URL = os.environ.get("WEGWEISER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("WEGWEISER_REQUIRE_POSTGRES") == "1"
FIXED_NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def content() -> Content:
    return parse_content(read_city("stuttgart"), "stuttgart")


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs()


def free_slots_at(content: Content, now: datetime) -> dict[str, tuple[FreeSlot, ...]]:
    """Every slot of the next 14 days free, as the booking steps see it with an empty database."""
    tz = ZoneInfo("Europe/Berlin")
    today = now.astimezone(tz).date()
    return {
        key: tuple(free_slots(generate_slots(key, p.booking, first_day=today, tz=tz), {}, now))
        for key, p in content.points.items()
        if p.booking is not None
    }


@pytest.fixture()
def ctx(content: Content) -> Ctx:
    """The flows' context on Saturday 21 Nov 2026, 10:30 in Stuttgart, all slots free."""
    return Ctx(
        content=content,
        today=date(2026, 11, 21),
        languages=LANGUAGES,
        now=FIXED_NOW,
        free=free_slots_at(content, FIXED_NOW),
        courses=sample_courses(),
    )


def sample_courses() -> tuple[CourseView, ...]:
    """The sample course file as the course steps see it (ids from 1)."""
    path = Path(__file__).resolve().parents[1] / "bot/content/packs/stuttgart/courses.sample.csv"
    courses = read_courses(path.read_text(encoding="utf-8"))
    return tuple(
        CourseView(
            id=i,
            provider=c.provider,
            code=c.code,
            type=c.type,
            level=c.level,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            weekdays=c.weekdays,
            time_from=c.time_from,
            time_to=c.time_to,
            address=c.address,
            district=c.district,
            latitude=c.latitude,
            longitude=c.longitude,
            childcare=c.childcare,
            free_places=c.free_places,
            registration=c.registration,
        )
        for i, c in enumerate(courses, start=1)
    )


def _pg_available() -> bool:
    try:
        engine = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The admin URL of the PostgreSQL test server, or skip (fail in CI) if it is down."""
    if not _pg_available():
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_URL}")
        pytest.skip("PostgreSQL not reachable")
    return PG_URL


def fresh_pg_database(admin_url: str, template: str | None = None) -> Iterator[str]:
    """Create a throw-away database on the server (a copy of ``template`` if given) and drop it
    afterwards."""
    name = f"wegweiser_{uuid.uuid4().hex[:12]}"
    # pre-ping: a test may restart the server, which kills pooled connections.
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=True,
    )
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Migrating takes longer than copying: each run migrates one database per engine, and every
# test gets a copy of it (a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL).
@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "wegweiser.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_pg(pg_server: str) -> Iterator[str]:
    for url in fresh_pg_database(pg_server):
        upgrade(url)
        yield str(make_url(url).database)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite file, and PostgreSQL where reachable."""
    if request.param == "sqlite":
        path = tmp_path / "wegweiser.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    yield from fresh_pg_database(server, request.getfixturevalue("migrated_pg"))


@pytest.fixture()
def fake() -> Iterator[FakeBotApi]:
    """The local fake Bot API; any call that breaks the Bot API spec fails the test."""
    with FakeBotApi() as api:
        yield api
        assert api.violations == [], api.violations


def settings_for(db_url: str, **overrides: str) -> Settings:
    env = {"DATABASE_URL": db_url, **overrides}
    return load_settings(env, None)


@pytest.fixture()
async def app(db_url: str) -> AsyncIterator[Wegweiser]:
    """The bot core on a fresh database with content loaded, at a fixed time."""
    core = Wegweiser(settings_for(db_url), Database(db_url), clock=lambda: FIXED_NOW)
    await core.load_content()
    yield core
    await core.db.dispose()
