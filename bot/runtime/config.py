"""Settings from environment variables and an optional ``.env`` file, checked at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.parse import CONTENT_ROOT, packs
from bot.core.address import Address
from bot.i18n.catalogs import LANGUAGES

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///./data/wegweiser.db"
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
# Telegram's rule for setWebhook's secret_token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class ConfigError(ValueError):
    """Bad settings; ``problems`` holds one line per bad value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """The bot's validated settings."""

    bot_token: str | None
    telegram_api_url: str
    database_url: str
    admin_ids: frozenset[int]
    counsellor_chat_id: int | None
    default_language: str
    timezone: str
    city: str = ""
    content_dir: Path = CONTENT_ROOT
    course_reminder_days: tuple[int, ...] = (7, 1)
    quiet_hours: str = "21:00-08:00"
    messages_per_second: int = 30
    inactivity_days: int = 180
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    health_port: int = 8080
    log_format: str = "json"
    flood_messages: int = 20
    flood_seconds: int = 30
    machine_notice: frozenset[str] = frozenset(LANGUAGES)
    console_url: str | None = None
    web_chat: bool = False
    web_chat_origins: tuple[str, ...] = ()

    @property
    def desk(self) -> Address | None:
        """Where counsellors get cases: the Telegram group ``COUNSELLOR_CHAT_ID``, if set."""
        if self.counsellor_chat_id is None:
            return None
        return Address("telegram", str(self.counsellor_chat_id))

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line or an error message."""
        found = [self.bot_token, self.webhook_secret, urlparse(self.database_url).password]
        return tuple(s for s in found if s)

    def __repr__(self) -> str:
        # The token is a secret: never print it.
        token = "set" if self.bot_token else "unset"
        secret = "set" if self.webhook_secret else "unset"
        return (
            f"Settings(bot_token={token}, database_url={_redact(self.database_url)}, "
            f"webhook_url={self.webhook_url}, webhook_secret={secret})"
        )


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def read_dotenv(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines; blank lines and # comments are skipped, quotes are removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Read and check all settings; environment variables win over ``.env``.

    Raises:
        ConfigError: with one line for each bad value.
    """
    env = {
        **(read_dotenv(dotenv) if dotenv else {}),
        **(os.environ if environ is None else environ),
    }
    problems: list[str] = []

    token = env.get("BOT_TOKEN", "").strip() or None
    if token is not None and not _TOKEN.match(token):
        problems.append(
            "BOT_TOKEN: not a bot token (expected digits, ':' and letters, from @BotFather)"
        )

    api_url = env.get("TELEGRAM_API_URL", "").strip().rstrip("/") or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"TELEGRAM_API_URL: '{api_url}' is not an http(s) URL")

    db_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not db_url.startswith(("sqlite:", "sqlite+", "postgresql:", "postgresql+", "postgres:")):
        problems.append("DATABASE_URL: only sqlite:/// and postgresql:// URLs are supported")

    admin_ids: set[int] = set()
    for part in filter(None, (p.strip() for p in env.get("ADMIN_IDS", "").split(","))):
        if re.fullmatch(r"\d+", part):
            admin_ids.add(int(part))
        else:
            problems.append(f"ADMIN_IDS: '{part}' is not a Telegram user id (digits only)")

    chat_raw = env.get("COUNSELLOR_CHAT_ID", "").strip()
    chat_id = None
    if chat_raw:
        if re.fullmatch(r"-?\d+", chat_raw):
            chat_id = int(chat_raw)
        else:
            problems.append("COUNSELLOR_CHAT_ID: not a chat id (a number such as -1001234567890)")

    language = env.get("DEFAULT_LANGUAGE", "").strip() or "de"
    if language not in LANGUAGES:
        problems.append(f"DEFAULT_LANGUAGE: '{language}' is not one of {', '.join(LANGUAGES)}")

    timezone = env.get("TIMEZONE", "").strip() or "Europe/Berlin"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE: '{timezone}' is not a known time zone such as Europe/Berlin")

    days_raw = env.get("COURSE_REMINDER_DAYS", "").strip() or "7,1"
    days = tuple(int(d) for d in re.findall(r"\d+", days_raw))
    if not days or not re.fullmatch(r"\s*\d+(\s*,\s*\d+)*\s*", days_raw) or max(days) > 60:
        problems.append("COURSE_REMINDER_DAYS: days before a course starts, e.g. 7,1 (at most 60)")

    quiet = env.get("QUIET_HOURS", "").strip() or "21:00-08:00"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", quiet):
        problems.append(f"QUIET_HOURS: '{quiet}' is not HH:MM-HH:MM such as 21:00-08:00")

    rate_raw = env.get("TELEGRAM_MESSAGES_PER_SECOND", "").strip() or "30"
    if not rate_raw.isdigit() or not 1 <= int(rate_raw) <= 1000:
        problems.append("TELEGRAM_MESSAGES_PER_SECOND: a number from 1 to 1000 (Telegram: 30)")

    inactivity_raw = env.get("INACTIVITY_DAYS", "").strip() or "180"
    if not inactivity_raw.isdigit() or not 1 <= int(inactivity_raw) <= 3650:
        problems.append("INACTIVITY_DAYS: a number of days from 1 to 3650 (default 180)")

    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_url is not None:
        hook = urlparse(webhook_url)
        local = hook.hostname in _LOCAL_HOSTS
        if not hook.netloc or not (hook.scheme == "https" or (local and hook.scheme == "http")):
            problems.append("WEBHOOK_URL: Telegram needs a public https:// URL")
        if webhook_secret is None:
            problems.append("WEBHOOK_SECRET: required with WEBHOOK_URL")
    if webhook_secret is not None and not _SECRET.match(webhook_secret):
        # The value itself is never echoed: it is a secret.
        problems.append("WEBHOOK_SECRET: 16 to 256 characters of A-Z, a-z, 0-9, _ and -")

    listen = env.get("WEBHOOK_LISTEN", "").strip() or "0.0.0.0"
    ports: dict[str, int] = {}
    for name, default in (("HEALTH_PORT", "8080"),):
        raw = env.get(name, "").strip() or default
        if not raw.isdigit() or int(raw) > 65535:
            problems.append(f"{name}: a port number from 1 to 65535 (0 turns health off)")
        else:
            ports[name] = int(raw)
    if webhook_url and ports.get("HEALTH_PORT") == 0:
        problems.append("HEALTH_PORT: the webhook needs the bot's HTTP port (not 0)")
    if env.get("WEBHOOK_PORT", "").strip():
        problems.append("WEBHOOK_PORT: no longer used; the webhook is served on HEALTH_PORT")

    log_format = env.get("LOG_FORMAT", "").strip().lower() or "json"
    if log_format not in ("json", "text"):
        problems.append("LOG_FORMAT: json or text")

    content_dir = Path(env.get("CONTENT_DIR", "").strip() or CONTENT_ROOT)
    available = packs(content_dir)
    city = env.get("CITY", "").strip() or (available[0] if len(available) == 1 else "")
    if city not in available:
        listed = ", ".join(available) or "none"
        problems.append(f"CITY: the content pack to use, one of: {listed} (in {content_dir})")

    flood_raw = env.get("FLOOD_LIMIT", "").strip() or "20/30"
    flood = re.fullmatch(r"(\d+)/(\d+)", flood_raw)
    if flood is None or not int(flood.group(1)) >= 1 or not int(flood.group(2)) >= 1:
        problems.append("FLOOD_LIMIT: messages/seconds such as 20/30")

    notice_raw = env.get("MACHINE_NOTICE", "").strip().lower() or "all"
    if notice_raw == "all":
        notice = frozenset(LANGUAGES)
    elif notice_raw == "none":
        notice = frozenset()
    else:
        notice = frozenset(c.strip() for c in notice_raw.split(",") if c.strip())
        if not notice <= set(LANGUAGES):
            unknown = ", ".join(sorted(notice - set(LANGUAGES)))
            problems.append(f"MACHINE_NOTICE: 'all', 'none' or language codes; unknown: {unknown}")

    console_url = env.get("CONSOLE_URL", "").strip().rstrip("/") or None
    if console_url is not None:
        parsed = urlparse(console_url)
        local = parsed.hostname in ("127.0.0.1", "localhost")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
            problems.append(
                "CONSOLE_URL: an https:// address such as https://wegweiser.example.org"
            )

    web_chat_raw = env.get("WEB_CHAT", "").strip().lower() or "off"
    if web_chat_raw not in ("on", "off"):
        problems.append("WEB_CHAT: on or off")
    web_chat = web_chat_raw == "on"
    if web_chat and ports.get("HEALTH_PORT") == 0:
        problems.append("WEB_CHAT: the web chat needs the bot's HTTP port (HEALTH_PORT, not 0)")
    origins = tuple(
        o.strip().rstrip("/") for o in env.get("WEB_CHAT_ORIGINS", "").split(",") if o.strip()
    )
    for origin in origins:
        parsed = urlparse(origin)
        local = parsed.hostname in ("127.0.0.1", "localhost")
        secure = parsed.scheme == "https" or (parsed.scheme == "http" and local)
        if not secure or not parsed.netloc or parsed.path not in ("", "/"):
            problems.append(
                "WEB_CHAT_ORIGINS: sites that may embed the chat, comma-separated, "
                f"such as https://www.stadt.example (not {origin!r})"
            )

    if problems:
        raise ConfigError(problems)
    assert flood is not None
    return Settings(
        bot_token=token,
        telegram_api_url=api_url,
        database_url=db_url,
        admin_ids=frozenset(admin_ids),
        counsellor_chat_id=chat_id,
        default_language=language,
        timezone=timezone,
        course_reminder_days=tuple(sorted(set(days), reverse=True)),
        quiet_hours=quiet,
        messages_per_second=int(rate_raw),
        inactivity_days=int(inactivity_raw),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=listen,
        health_port=ports["HEALTH_PORT"],
        log_format=log_format,
        flood_messages=int(flood.group(1)),
        flood_seconds=int(flood.group(2)),
        machine_notice=notice,
        console_url=console_url,
        web_chat=web_chat,
        web_chat_origins=origins,
        city=city,
        content_dir=content_dir,
    )
