"""Turn flow replies into text in one language: translation, plural forms, Babel formatting."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, match_skeleton
from babel.lists import format_list
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
    LanguageNames,
    Lines,
    ListOf,
    Money,
    Msg,
    Named,
    Prose,
    Reply,
    Term,
    Weekdays,
    When,
)
from bot.i18n.bidi import isolate_latin, isolate_value, rtl_lines, strip_controls
from bot.i18n.catalogs import RTL_LANGUAGES, Catalogs, cldr_locale
from bot.i18n.ics import ics_file

log = logging.getLogger(__name__)

# Languages whose abbreviated month and weekday names read badly ("3 Ara Per", "3 brf, pşm")
# or that CLDR abbreviates oddly (Dari "دسم"): shown in full.
FULL_NAMES = frozenset({"tr", "prs", "ps", "so", "ti"})

# A placeholder followed by a sentence's period: "... as of {date}."
_BEFORE_PERIOD = re.compile(r"(?<!\{)\{(\w+)\}\.(?!\.)")
_SHORT_MONTH = re.compile(r"(?<![ML])([ML]{3})(?![ML])")
_CENTS = re.compile(r"\.0+")
_SHORT_WEEKDAY = re.compile(r"(?<!E)E{1,3}(?!E)")


ListStyle = Literal[
    "standard", "standard-short", "or", "or-short", "unit", "unit-short", "unit-narrow"
]


def language_name(code: str, lang: str) -> str:
    """A language named in the reader's language (CLDR), e.g. "Englisch" for "en" in German."""
    try:
        return str(Locale.parse(cldr_locale(code)).get_display_name(cldr_locale(lang)) or code)
    except (ValueError, LookupError):
        return code


def join_list(items: Sequence[str], lang: str, style: ListStyle = "standard") -> str:
    """Items as a list in a sentence, per CLDR: "Mo., Mi. und Fr.", "Mon, Wed, and Fri"; Persian
    with the Arabic comma "،", Arabic with "و"; never a hand-made ", "."""
    if not items:
        return ""
    try:
        return str(format_list(list(items), style=style, locale=cldr_locale(lang)))
    except KeyError:  # a style this locale lacks in Babel's data: the standard one
        return str(format_list(list(items), style="standard", locale=cldr_locale(lang)))


def weekday_names(lang: str) -> Mapping[int, str]:
    """Weekday names (0 = Monday) as shown in lists and ranges: short, full where short is bad."""
    width = "wide" if lang in FULL_NAMES else "abbreviated"
    return Locale.parse(cldr_locale(lang)).days["format"][width]  # type: ignore[no-any-return]


def _arabic_commas(text: str, lang: str) -> str:
    """CLDR writes some right-to-left dates with a Latin comma (Pashto "3, دسمبر, 2026"); in
    Arabic script the comma is "،"."""
    return text.replace(",", "،") if lang in RTL_LANGUAGES else text


def day_label(day: date, lang: str) -> str:
    """A day with weekday, without the year: "Do., 3. Dez.", in Turkish "3 Aralık Perşembe"."""
    if lang not in FULL_NAMES:
        return _arabic_commas(str(format_skeleton("MMMEd", day, locale=cldr_locale(lang))), lang)
    skeletons = Locale.parse(cldr_locale(lang)).datetime_skeletons
    pattern = str(skeletons[match_skeleton("MMMMEEEEd", skeletons) or "MMMEd"].pattern)
    pattern = _SHORT_MONTH.sub(lambda m: m.group(1) + m.group(1)[0], pattern)
    pattern = _SHORT_WEEKDAY.sub("EEEE", pattern)
    return _arabic_commas(str(format_date(day, pattern, locale=cldr_locale(lang))), lang)


def date_and_time(moment: datetime, lang: str, width: str = "full") -> str:
    """A local date (``width`` as CLDR: full, long, medium) and its short time, joined by the
    locale's own pattern: "Donnerstag, 3. Dezember 2026, 09:30", "الخميس، 3 ديسمبر 2026، 9:30 ص"."""
    day = format_date(moment.date(), format=width, locale=cldr_locale(lang))
    clock = format_time(moment, format="short", locale=cldr_locale(lang))
    glue = str(Locale.parse(cldr_locale(lang)).datetime_formats[width]).replace("'", "")
    return _arabic_commas(glue.replace("{1}", str(day)).replace("{0}", str(clock)), lang)


def money(amount: Decimal, lang: str, currency: str = "EUR") -> str:
    """An amount with the locale's currency symbol, placement and separators (CLDR):
    "2,29 €", "€2.29", "2,29 EUR"; a whole amount without cents ("458 €", not "458,00 €")."""
    if amount != amount.to_integral_value():
        return str(format_currency(amount, currency, locale=cldr_locale(lang)))
    pattern = _CENTS.sub("", Locale.parse(cldr_locale(lang)).currency_formats["standard"].pattern)
    return str(
        format_currency(
            amount, currency, format=pattern, locale=cldr_locale(lang), currency_digits=False
        )
    )


def end_sentences(template: str, value: Callable[[str], str]) -> str:
    """``template`` without the period after a placeholder whose value already ends with one,
    e.g. a Russian date "1 июля 2026 г." at the end of a sentence: never "г.."."""

    def fix(match: re.Match[str]) -> str:
        name = match.group(1)
        return "{" + name + "}" if strip_controls(value(name)).endswith(".") else match.group(0)

    return _BEFORE_PERIOD.sub(fix, template)


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
            self._raw[key], Msg | Lines | Named | InLanguage | ListOf
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
        args = _Args(self, lang, dict(msg.args))
        try:
            return end_sentences(template, args.__getitem__).format_map(args)
        except (ValueError, IndexError, AttributeError) as exc:
            # A broken translation must not hide the message: fall back to the source text.
            log.error("bad translation of %r in %s: %s", msg.msgid, lang, exc)
            args = _Args(self, lang, dict(msg.args))
            return end_sentences(msg.msgid, args.__getitem__).format_map(args)

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
            if lang == "de" or self.message(Msg(arg.name), lang) == arg.term:
                return arg.term
            return self.message(
                Msg(N_("{name} ({term})"), {"name": Msg(arg.name), "term": Term(arg.term)}), lang
            )
        if isinstance(arg, Money):
            return money(arg.amount, lang, arg.currency)
        if isinstance(arg, DayNames):
            names = weekday_names(lang)
            return join_list([names[d] for d in arg.days], lang)
        if isinstance(arg, Weekdays):
            names = weekday_names(lang)
            return f"{names[arg.first]}–{names[arg.last]}"
        if isinstance(arg, InLanguage):
            return self.value(arg.arg, arg.lang)
        if isinstance(arg, ListOf):
            return join_list([self.value(item, lang) for item in arg.items], lang)
        if isinstance(arg, LanguageNames):
            return join_list([language_name(code, lang) for code in arg.codes], lang)
        if isinstance(arg, Day):
            return day_label(arg.value, lang)
        if isinstance(arg, Clock):
            return str(
                format_time(arg.value.astimezone(self.tz), format="short", locale=cldr_locale(lang))
            )
        if isinstance(arg, When):
            return date_and_time(arg.value.astimezone(self.tz), lang, "full")
        if isinstance(arg, datetime):
            return date_and_time(arg.astimezone(self.tz), lang, "long")
        if isinstance(arg, date):
            long = str(format_date(arg, format="long", locale=cldr_locale(lang)))
            return _arabic_commas(long, lang)
        if isinstance(arg, bool):
            return str(arg)
        if isinstance(arg, int | float | Decimal):
            return str(format_decimal(arg, locale=cldr_locale(lang)))
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
