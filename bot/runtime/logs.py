"""Logging: one JSON object per line, with secrets removed from every record."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from typing import Any

# A bot token inside an API URL ("/bot123:ABC/sendMessage") or on its own.
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
# Fields a record may carry through ``extra=``; nothing else is written (no personal data).
FIELDS = ("event", "kind", "step", "outcome", "ms", "chat", "updates", "method", "status")
MASK = "***"


class Redactor(logging.Filter):
    """Replaces every secret, and anything shaped like a bot token, in a record's text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def clean(self, text: str) -> str:
        """``text`` without secrets."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return _TOKEN.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        # Render once, clean, and freeze the result so no handler formats the raw args again.
        record.msg = self.clean(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "msg": ..., <FIELDS>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_text:
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(
    log_format: str = "json", secrets: Iterable[str] = (), level: int = logging.INFO
) -> None:
    """Send all logs to stderr, one line each, secrets masked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redactor(secrets))
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL, and Telegram's URLs hold the token; apscheduler logs
    # every job run. Both stay quiet unless something goes wrong.
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
