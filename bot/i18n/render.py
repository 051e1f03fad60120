"""Turn flow replies into text in one language: translation, plural forms, Babel formatting."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal

from bot.core.messages import (
    N_,
    Arg,
    Calendar,
    Clock,
    Day,
    DayNames,
    File,
    InLanguage,
    Lines,
    Money,
    Msg,
    Named,
    Prose,
    Reply,
    Term,
    Weekdays,
    When,
)
from bot.i18n.bidi import isolate_latin, isolate_value, rtl_lines
from bot.i18n.catalogs import RTL_LANGUAGES, Catalogs
from bot.i18n.ics import ics_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A reply in one language, as plain text; channels add their own markup."""

    title: str | None
    body: str
    options: tuple[tuple[str, str], ...]
    columns: int
    attachment: tuple[str, bytes] | None = None


class _Args(dict[str, str]):
    """Placeholder values rendered on first use; an unknown placeholder stays visible."""

    def __init__(self, renderer: Renderer, lang: str, args: dict[str, Arg]) -> None:
        super().__init__()
        self._renderer, self._lang, self._raw = renderer, lang, args

    def __missing__(self, key: str) -> str:
        if key not in self._raw:
            return "{" + key + "}"
        value = self._renderer.value(self._raw[key], self._lang)
        if self._lang in RTL_LANGUAGES and not isinstance(
            self._raw[key], Msg | Lines | Named | InLanguage
        ):
            value = isolate_value(value)
        self[key] = value
        return value


class Renderer:
    """Renders messages for a language, in the bot's time zone."""

    def __init__(self, catalogs: Catalogs, timezone: str = "Europe/Berlin") -> None:
        self.catalogs = catalogs
        self.tz = ZoneInfo(timezone)

    def message(self, msg: Msg, lang: str) -> str:
        """Translate and fill one message (no line marks)."""
        if msg.plural is not None and msg.n is not None:
            template = self.catalogs.ngettext(lang, msg.msgid, msg.plural, msg.n)
        else:
            template = self.catalogs.gettext(lang, msg.msgid)
        if lang in RTL_LANGUAGES:
            template = isolate_latin(template)
        try:
            return template.format_map(_Args(self, lang, dict(msg.args)))
        except (ValueError, IndexError, AttributeError) as exc:
            # A broken translation must not hide the message: fall back to the source text.
            log.error("bad translation of %r in %s: %s", msg.msgid, lang, exc)
            return msg.msgid.format_map(_Args(self, lang, dict(msg.args)))

    def value(self, arg: Arg, lang: str) -> str:
        """Format one argument per locale."""
        if isinstance(arg, Msg):
            return self.message(arg, lang)
        if isinstance(arg, Lines):
            items = [self.value(item, lang) for item in arg.items]
            return "\n".join(f"• {item}" if arg.bullet else item for item in items)
        if isinstance(arg, Term):
            return arg.text
        if isinstance(arg, Prose):
            return isolate_latin(arg.text) if lang in RTL_LANGUAGES else arg.text
        if isinstance(arg, Named):
            if lang == "de":
                return arg.term
            return self.message(
                Msg(N_("{name} ({term})"), {"name": Msg(arg.name), "term": Term(arg.term)}), lang
            )
        if isinstance(arg, Money):
            return str(format_currency(arg.amount, arg.currency, locale=lang))
        if isinstance(arg, DayNames):
            short = Locale.parse(lang).days["format"]["abbreviated"]
            return ", ".join(short[d] for d in arg.days)
        if isinstance(arg, Weekdays):
            names = Locale.parse(lang).days["format"]["abbreviated"]
            return f"{names[arg.first]}–{names[arg.last]}"
        if isinstance(arg, InLanguage):
            return self.value(arg.arg, arg.lang)
        if isinstance(arg, Day):
            return str(format_skeleton("MMMEd", arg.value, locale=lang))
        if isinstance(arg, Clock):
            return str(format_time(arg.value.astimezone(self.tz), format="short", locale=lang))
        if isinstance(arg, When):
            local = arg.value.astimezone(self.tz)
            day = format_date(local.date(), format="full", locale=lang)
            return f"{day}, {format_time(local, format='short', locale=lang)}"
        if isinstance(arg, datetime):
            local = arg.astimezone(self.tz)
            return str(format_datetime(local, format="medium", tzinfo=self.tz, locale=lang))
        if isinstance(arg, date):
            return str(format_date(arg, format="long", locale=lang))
        if isinstance(arg, bool):
            return str(arg)
        if isinstance(arg, int | float | Decimal):
            return str(format_decimal(arg, locale=lang))
        return str(arg)

    def text(self, arg: Arg, lang: str) -> str:
        """A complete text for a user: formatted, with right-to-left marks where needed."""
        text = self.value(arg, lang)
        return rtl_lines(text) if lang in RTL_LANGUAGES else text

    def reply(self, reply: Reply, lang: str) -> Rendered:
        """Render a whole reply: title, body and option labels."""
        return Rendered(
            title=self.text(reply.title, lang) if reply.title is not None else None,
            body=self.text(reply.body, lang),
            options=tuple((o.key, self.text(o.label, lang)) for o in reply.options),
            columns=reply.columns,
            attachment=self.attachment(reply.attachment, lang) if reply.attachment else None,
        )

    def attachment(self, item: Calendar | File, lang: str) -> tuple[str, bytes]:
        """A reply's file as (file name, content): a calendar is rendered, a file kept as is."""
        if isinstance(item, File):
            return item.name, item.data
        return self.calendar(item, lang)

    def calendar(self, cal: Calendar, lang: str) -> tuple[str, bytes]:
        """The .ics file (RFC 5545) of an appointment: (file name, content)."""
        return ics_file(
            uid=cal.uid,
            start=cal.start,
            end=cal.end,
            summary=self.value(cal.title, lang),
            location=self.value(cal.location, lang),
            description=self.value(cal.description, lang),
            tz=self.tz,
            stamp=cal.stamp,
        )
