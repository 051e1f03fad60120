"""Fuzz: seeded random and malformed updates through the real Application and the fake Bot API.

Every update conforms to the Bot API spec (Telegram sends nothing else; each one is checked
against ``api.min.json`` before it is queued), apart from deliberately added unknown fields,
but what it holds is anything: every message kind, service messages, edits, channel posts,
groups and supergroups, the counsellors' group, texts over 4096 characters, empty, zero-width,
right-to-left override and control characters, commands with junk arguments, forged, stale and
valid buttons, callback queries without a message or with an inaccessible one, member and
reaction updates, inline queries, polls, payments, business and boost updates.

Updates go out in waves. Each update comes from its own random stream (seed and index), so the
plan is the same on every run; only presses of real buttons pick from what the bot showed before
the wave. The outbox dispatcher is held while a wave is processed and drained after it, so the
direct answers to an update can be told apart from outbox messages.

Checked, for every update:

* nothing unhandled: no log record at ERROR and none with a traceback (``on_error``, a step
  that failed and apologised, an outbox message that failed for good, polling errors), and no
  Bot API violation in the fake;
* the answer rule, as ``bot/channels/telegram/app.py`` decides it. An update is *answerable*
  when it is a ``message`` (edits are deliberately ignored) or a ``callback_query``, in a
  private chat or a group, from a human (``from`` present, ``is_bot`` false):

  - a private ``message`` gets at least one ``sendMessage`` or ``sendDocument`` to its chat
    while it is processed (admin commands included: they answer with the result);
  - a ``callback_query`` with a message gets its ``answerCallbackQuery`` (private chats, other
    groups and the counsellors' group alike), so no button keeps spinning.

  Not answerable: edited messages and channel posts, group messages (only a ``/command`` in a
  group outside the counsellors' one gets the "private only" notice, which is not required),
  inline queries, member, reaction, poll, payment, business and boost updates, callback
  queries without a message (inline messages; the bot has no inline mode), and anything sent
  by a bot.

Flood control (``FLOOD_LIMIT``) is switched off here: it deliberately leaves a flooding user's
updates unanswered and has its own tests.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Chat, Message, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app.admin import COMMANDS as ADMIN_COMMANDS
from bot.app.conversation import Wegweiser
from bot.channels.telegram.app import build_application, start_polling, stop_polling
from bot.channels.telegram.convert import to_event
from bot.core.buttons import read as parse_callback_data
from bot.core.events import ChoiceIn, InvalidChoiceIn, TextIn
from bot.core.ids import parse_id
from bot.delivery.dispatcher import Dispatcher, Limits
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import AuditRow, BookingRow, CaseRow, Conversation, OutboxRow
from tests.conftest import FIXED_NOW, settings_for
from tests.fakeapi import FakeBotApi
from tests.fakeapi.updates import command_entities, media_for_kind
from tests.tgclient import User

pytestmark = pytest.mark.e2e

SEED = 20260221
WAVE = 50
WALKS = 0.3  # share of updates that walk onwards through the flows
DETOURS = frozenset({"_back", "_restart", "decline", "erase", "menu", "again", "reset", "keep"})
GROUP = -1001234567  # the counsellors' forum supergroup
OTHER = -1002000000  # another supergroup
PLAIN = -3000000  # a basic group
CHANNEL = -1003000000
ADMIN = 9001
COUNSELLOR = 7770
STRANGER = 6660
FIRST_NEWCOMER = 20001
BOT_NAME = "wegweiser_test_bot"
UNKNOWN = "x_future_"  # prefix of deliberately unknown fields
LANGS = ("de", "en", "tr", "ar", "uk", "ru", "fa", "ro", "pt-br", "zz", "de-DE", None)
DATE = int(FIXED_NOW.timestamp())

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
SAMPLES = (
    "Wie melde ich mich zum Integrationskurs an?",
    "Сколько стоит курс?",
    "كم تكلفة دورة الاندماج؟",
    "Entegrasyon kursu ne kadar?",
    "how much does the course cost",
    "Kurs",
    "ja",
    "1",
    "start",
    "<b>x</b> & <script>alert(1)</script>",
    "&amp; &lt;b&gt; &#0; &unknown; <",
    '<a href="javascript:alert(1)">klick</a> <tg-spoiler>',
    "{0} {name} {{}} {user!r} %s %(user)s %d",
    "'; DROP TABLE users; --",
    "\u202eexe.txt\u202c",
    "\u2067مرحبا\u2069 Hallo \u200fabc",
    "١٢٣ ² ³ ½ ٣:٤",
    "e\u0301\u0301\u0301\u0301\u0301",
    "👨‍👩‍👧‍👦🏳️‍🌈",
    "\x00\x01\x1b[31mrot\x7f",
    "a\x00b",
)
CODE_POINTS = (
    (0x20, 0x7E),
    (0x00, 0x1F),
    (0xA0, 0x2FF),
    (0x300, 0x36F),
    (0x400, 0x4FF),
    (0x600, 0x6FF),
    (0x2000, 0x206F),
    (0x4E00, 0x4E80),
    (0xE000, 0xE0FF),
    (0xFFF0, 0xFFFD),
    (0x1F300, 0x1F64F),
    (0x10FFF0, 0x10FFFD),
)
WORDS = ("start", "help", "language", "privacy", "delete", "appointments", "reminders")
MEDIA = (
    "sticker",
    "photo",
    "voice",
    "location",
    "document",
    "contact",
    "video",
    "animation",
    "audio",
    "video_note",
)


# ------------------------------------------------------------------------------------ inputs


def junk(rng: random.Random, size: int | None = None) -> str:
    """Random text from many scripts, controls and specials (never lone surrogates)."""
    size = rng.randint(1, 40) if size is None else size
    out = []
    for _ in range(size):
        low, high = rng.choice(CODE_POINTS)
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def text(rng: random.Random) -> str:
    """Text a user might type, and text nobody should."""
    pick = rng.randrange(14)
    if pick < 4:
        return rng.choice(SAMPLES)
    if pick == 4:
        return rng.choice(("", " ", "   \n\t ", "\n"))
    if pick == 5:
        return "".join(rng.choice(ZERO_WIDTH) for _ in range(rng.randint(1, 20)))
    if pick == 6:
        return "".join(rng.choice(BIDI + "abc مرحبا") for _ in range(rng.randint(1, 30)))
    if pick == 7:
        return "x" * rng.choice((4096, 4097, 5000, 10_000))
    if pick == 8:
        return "".join(rng.choice("<>&\"'") for _ in range(rng.choice((1000, 4096, 4500))))
    if pick == 9:
        return junk(rng, rng.choice((4097, 6000)))
    return junk(rng)


def command(rng: random.Random, names: tuple[str, ...] = WORDS) -> str:
    """``/name[@bot] [args]`` with junk, unicode and newlines."""
    pick = rng.randrange(10)
    if pick < 6:
        name = rng.choice(names)
    elif pick < 8:
        name = rng.choice(sorted(ADMIN_COMMANDS))
    else:
        name = rng.choice(("nonsense", "START", "x" * 32, "a1_B2", "close", "menu"))
    suffix = rng.choice(("", "", "", f"@{BOT_NAME}", "@other_bot"))
    args = rng.choice(
        (
            "",
            "",
            " " + text(rng),
            " " + junk(rng),
            "\n" + junk(rng),
            " mbe ²",
            " mbe 99999999999999999999",
            " #١٢",
            " " + "y" * 5000,
            "  \u200b  ",
        )
    )
    return f"/{name}{suffix}{args}"


def callback_junk(rng: random.Random, version: int) -> str:
    """Forged, stale and valid-looking callback data."""
    pick = rng.randrange(12)
    if pick == 0:
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
        return raw.decode("utf-8", "ignore")
    if pick == 1:
        return junk(rng, rng.randint(1, 64))
    if pick == 2:
        return "z" * rng.choice((64, 65, 200))
    if pick in (3, 4):
        key = rng.choice(
            (
                "start",
                "foo",
                "_back",
                "_restart",
                "s999999999999",
                "s202611231000",
                "s２０２６１１２３１０００",
                "d20261123",
                "d99999999",
                "follow999999999999999999999",
                "follow²",
                "stop-1",
                "p99999999999999999999",
                "cancel99999999999999999999",
                "reschedule²",
                "faq:nope",
                "faq:" + "x" * 40,
                "",
            )
        )
        return f"{version}:{key}"
    return rng.choice(
        (
            "1:foo",
            "0:start",
            "99999999999999999999999:start",
            "²:foo",
            "١:start",
            "+1:start",
            "-1:start",
            ":",
            "::",
            " ",
            "\x00",
            "<b>",
            "c:999:close",
            "c:abc:close",
            "c:1:explode",
            "c:99999999999999999999:close",
            "c:²:close",
            "c:١:confirm",
            "u:c:abc",
            "u:c:99999999999999999999",
            "u:c:²",
            "u:c:١",
            "u:m:0",
            "u:m:",
            "u:x:1",
            "u:",
            "u",
        )
    )


# ------------------------------------------------------------------------------------- model


@dataclass
class Sent:
    """One queued update and what the rule expects of it."""

    update_id: int
    kind: str
    answer: str | None  # "message", "callback" or None
    chat_id: int | None
    query_id: str | None


@dataclass
class Window:
    """The fake's call log positions when an update started and finished processing."""

    start: int
    end: int | None = None


@dataclass
class Figures:
    sent: Counter[str] = field(default_factory=Counter)
    answerable: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)


def strip_unknown(value: Any) -> Any:
    """The update without the deliberately unknown fields (for checking it against the spec)."""
    if isinstance(value, dict):
        return {k: strip_unknown(v) for k, v in value.items() if not k.startswith(UNKNOWN)}
    if isinstance(value, list):
        return [strip_unknown(v) for v in value]
    return value


class Fuzzer:
    """Builds and queues one update per index; the kind and contents come from (seed, index)."""

    def __init__(self, fake: FakeBotApi, seed: int, newcomers: int) -> None:
        self.fake, self.seed = fake, seed
        self.newcomers = tuple(range(FIRST_NEWCOMER, FIRST_NEWCOMER + newcomers))
        # Walkers mostly press what the bot offers, onwards, so the fuzz reaches the booking,
        # course, question and counsellor steps; the others get most of the junk.
        self.walkers = self.newcomers[::3]
        self.others = tuple(c for c in self.newcomers if c not in self.walkers)
        self.bot_user = fake.bot_user
        self.callbacks = 0
        kinds: list[tuple[str, int, Callable[[random.Random], Sent]]] = [
            ("private/text", 12, self.private_text),
            ("private/command", 9, self.private_command),
            ("private/press", 16, self.press_current),
            ("private/press-stale", 3, self.press_stale),
            ("private/press-forged", 7, self.press_forged),
            ("private/press-inaccessible", 1, self.press_inaccessible),
            ("private/press-no-data", 1, self.press_no_data),
            ("private/media", 8, self.private_media),
            ("private/other-content", 4, self.private_other_content),
            ("private/service", 1, self.private_service),
            ("private/forward-reply", 2, self.private_forward_or_reply),
            ("private/edited", 2, self.private_edited),
            ("private/from-bot", 1, self.private_from_bot),
            ("private/member", 1, self.private_member),
            ("private/reaction", 1, self.private_reaction),
            ("admin/command", 3, self.admin_command),
            ("group/message", 5, self.group_message),
            ("group/other", 3, self.group_other),
            ("counsellors/topic", 5, self.counsellor_topic),
            ("counsellors/reply", 2, self.counsellor_reply),
            ("counsellors/close", 1, self.counsellor_close),
            ("counsellors/button", 3, self.counsellor_button),
            ("counsellors/other", 2, self.counsellor_other),
            ("channel", 2, self.channel),
            ("no-chat", 5, self.no_chat),
        ]
        self.kinds = kinds
        self.weights = [w for _k, w, _f in kinds]

    # ----------------------------------------------------------------------------- helpers

    def make(self, index: int) -> Sent:
        rng = random.Random(f"{self.seed}:{index}")
        if rng.random() < WALKS:
            return self.walk(rng)
        name, _w, build = rng.choices(self.kinds, self.weights)[0]
        sent = build(rng)
        if not sent.kind.startswith(name.split("/")[0]):
            sent.kind = f"{name}>{sent.kind}"
        return sent

    def push(self, raw: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        if rng.random() < 0.1:
            raw[f"{UNKNOWN}update"] = {"anything": [1, "two", None]}
        payload = next((v for k, v in raw.items() if isinstance(v, dict)), None)
        if payload is not None and rng.random() < 0.1:
            payload[f"{UNKNOWN}field"] = rng.choice((1, "x", True, {"deep": []}))
        problems = self.fake.spec.validate_value("Update", strip_unknown({"update_id": 1, **raw}))
        assert not problems, f"the fuzzer built an update Telegram would not send: {problems}"
        return self.fake.push_update(raw)

    def user(
        self, user_id: int, lang: str | None = "de", *, is_bot: bool = False
    ) -> dict[str, Any]:
        if is_bot:
            return {"id": user_id, "is_bot": True, "first_name": f"Bot{user_id}"}
        with self.fake.state.cond:
            return self.fake.state.user(user_id, lang)

    def chat(self, chat_id: int, kind: str | None = None) -> dict[str, Any]:
        with self.fake.state.cond:
            chat = dict(self.fake.state.chat(chat_id, kind).chat)
        return chat

    def message(
        self,
        chat_id: int,
        fields: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        user_id: int | None = None,
        lang: str | None = "de",
        chat_type: str | None = None,
        thread: int | None = None,
    ) -> dict[str, Any]:
        with self.fake.state.cond:
            content = fields() if callable(fields) else fields
            return self.fake.state.new_user_message(
                chat_id,
                content,
                user_id=user_id,
                language_code=lang,
                chat_type=chat_type,
                message_thread_id=thread,
            )

    def keyboards(self, chat_id: int, limit: int = 6) -> list[tuple[int, list[str]]]:
        """The newest bot messages with buttons in a chat, newest first."""
        found: list[tuple[int, list[str]]] = []
        with self.fake.state.cond:
            chat = self.fake.state.chats.get(chat_id)
            if chat is None:
                return found
            for message_id in reversed(chat.order):
                stored = chat.messages[message_id]
                if not stored.outgoing:
                    continue
                data = [d for _t, d in FakeBotApi.buttons({"reply_markup": stored.reply_markup})]
                if data:
                    found.append((message_id, data))
                    if len(found) >= limit:
                        break
        return found

    def bot_message_ids(self, chat_id: int, limit: int = 20) -> list[int]:
        with self.fake.state.cond:
            chat = self.fake.state.chats.get(chat_id)
            if chat is None:
                return []
            ids = [m for m in reversed(chat.order) if chat.messages[m].outgoing]
        return ids[:limit]

    def topics(self) -> list[int]:
        return [int(t["message_thread_id"]) for t in self.fake.topics(GROUP)]

    def newcomer(self, rng: random.Random) -> tuple[int, str | None]:
        chat_id = rng.choice(self.walkers if rng.random() < 0.1 else self.others)
        lang = LANGS[chat_id % len(LANGS)] if rng.random() < 0.9 else rng.choice(LANGS)
        return chat_id, lang

    def private(self, kind: str, update: dict[str, Any], chat_id: int) -> Sent:
        return Sent(int(update["update_id"]), kind, "message", chat_id, None)

    def callback(
        self,
        rng: random.Random,
        kind: str,
        user: dict[str, Any],
        data: str | None,
        message: dict[str, Any] | None,
        *,
        answer: bool = True,
    ) -> Sent:
        with self.fake.state.cond:
            query_id = self.fake.state.next_callback_id()
        query: dict[str, Any] = {"id": query_id, "from": user, "chat_instance": "-42"}
        if message is not None:
            query["message"] = message
        else:
            query["inline_message_id"] = f"AAAA{rng.randrange(10**9)}"
        if data is not None:
            query["data"] = data
        else:
            query["game_short_name"] = "nope"
        update = self.push({"callback_query": query}, rng)
        chat_id = int(message["chat"]["id"]) if message is not None else None
        expected = "callback" if answer and not user["is_bot"] else None
        return Sent(int(update["update_id"]), kind, expected, chat_id, query_id)

    def stored(self, chat_id: int, message_id: int) -> dict[str, Any]:
        with self.fake.state.cond:
            found = self.fake.state.message(chat_id, message_id)
            assert found is not None
            return copy.deepcopy(found.data)

    def version(self, chat_id: int) -> int:
        for _mid, data in self.keyboards(chat_id, 1):
            head = data[0].split(":", 1)[0]
            if head.isdigit():
                return int(head)
        return 0

    # ---------------------------------------------------------------------- private chats

    def private_text(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        body = text(rng)
        fields: dict[str, Any] = {"text": body}
        if rng.random() < 0.2 and body:
            fields["entities"] = [
                {
                    "type": rng.choice(("bold", "url", "mention", "bot_command")),
                    "offset": 0,
                    "length": rng.randint(1, 5000),
                }
            ]
        update = self.push({"message": self.message(chat_id, fields, lang=lang)}, rng)
        return self.private("private/text", update, chat_id)

    def private_command(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        return self._command(rng, chat_id, lang, command(rng), "private/command")

    def _command(
        self, rng: random.Random, chat_id: int, lang: str | None, body: str, kind: str
    ) -> Sent:
        fields: dict[str, Any] = {"text": body}
        entities = command_entities(body)
        if rng.random() < 0.1:
            entities = [{"type": "bot_command", "offset": 0, "length": rng.randint(1, 9999)}]
        if entities:
            fields["entities"] = entities
        update = self.push({"message": self.message(chat_id, fields, lang=lang)}, rng)
        return self.private(kind, update, chat_id)

    def press_current(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        boards = self.keyboards(chat_id, 1)
        if not boards:
            return self._command(rng, chat_id, lang, "/start", "private/start")
        message_id, data = boards[0]
        update = self.fake.press_button(
            chat_id, message_id, rng.choice(data), language_code=lang, strict=False
        )
        query_id = str(update["callback_query"]["id"])
        return Sent(int(update["update_id"]), "private/press", "callback", chat_id, query_id)

    def walk(self, rng: random.Random) -> Sent:
        chat_id = rng.choice(self.walkers)
        lang = LANGS[chat_id % len(LANGS)]
        boards = self.keyboards(chat_id, 1)
        if not boards:
            return self._command(rng, chat_id, lang, "/start", "walk/start")
        message_id, data = boards[0]
        onwards = [d for d in data if d.split(":", 1)[-1] not in DETOURS]
        choice = rng.choice(onwards if onwards and rng.random() < 0.9 else data)
        update = self.fake.press_button(
            chat_id, message_id, choice, language_code=lang, strict=False
        )
        query_id = str(update["callback_query"]["id"])
        return Sent(int(update["update_id"]), "walk/press", "callback", chat_id, query_id)

    def press_stale(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        boards = self.keyboards(chat_id, 6)
        if len(boards) < 2:
            return self.press_current(rng)
        message_id, data = rng.choice(boards[1:])
        update = self.fake.press_button(
            chat_id, message_id, rng.choice(data), language_code=lang, strict=False
        )
        query_id = str(update["callback_query"]["id"])
        return Sent(int(update["update_id"]), "private/press-stale", "callback", chat_id, query_id)

    def _target(self, rng: random.Random, chat_id: int) -> dict[str, Any]:
        """A bot message of the chat to hang a forged press on, or a made-up one."""
        ids = self.bot_message_ids(chat_id)
        if ids and rng.random() < 0.8:
            return self.stored(chat_id, rng.choice(ids))
        return {
            "message_id": rng.randint(1, 2**31 - 1),
            "from": dict(self.bot_user),
            "chat": self.chat(chat_id),
            "date": DATE,
            "text": "forged",
        }

    def press_forged(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        data = callback_junk(rng, self.version(chat_id))
        user = self.user(chat_id, lang)
        return self.callback(rng, "private/press-forged", user, data, self._target(rng, chat_id))

    def press_inaccessible(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        ids = self.bot_message_ids(chat_id) or [1]
        message = {"chat": self.chat(chat_id), "message_id": rng.choice(ids), "date": 0}
        boards = self.keyboards(chat_id, 3)
        data = rng.choice(boards[0][1]) if boards else callback_junk(rng, 0)
        user = self.user(chat_id, lang)
        return self.callback(rng, "private/press-inaccessible", user, data, message)

    def press_no_data(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        user = self.user(chat_id, lang)
        if rng.random() < 0.5:  # an inline message: no chat at all
            return self.callback(rng, "private/press-inline", user, "1:start", None)
        return self.callback(rng, "private/press-no-data", user, None, self._target(rng, chat_id))

    def private_media(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        kind = rng.choice(MEDIA)

        def build() -> dict[str, Any]:
            fields = media_for_kind(kind, self.fake.state.register_file)
            if kind not in ("location", "contact", "sticker") and rng.random() < 0.5:
                fields["caption"] = text(rng)[:1024]
            return fields

        update = self.push({"message": self.message(chat_id, build, lang=lang)}, rng)
        return self.private(f"private/{kind}", update, chat_id)

    def content(self, rng: random.Random, chat_id: int) -> tuple[str, dict[str, Any]]:
        """A message kind beyond the fake's ready-made media."""
        pick = rng.randrange(10)
        if pick == 0:
            return "venue", {
                "venue": {
                    "location": {"latitude": 48.78, "longitude": 9.18},
                    "title": junk(rng),
                    "address": junk(rng),
                },
                "location": {"latitude": 48.78, "longitude": 9.18},
            }
        if pick == 1:
            return "poll", {"poll": self.poll(rng)}
        if pick == 2:
            emoji = rng.choice(("🎲", "🎯", "🏀", "⚽", "🎳", "🎰"))
            return "dice", {"dice": {"emoji": emoji, "value": rng.randint(1, 64)}}
        if pick == 3:
            return "game", {
                "game": {
                    "title": "Spiel",
                    "description": junk(rng),
                    "photo": [{"file_id": "g1", "file_unique_id": "g1u", "width": 1, "height": 1}],
                }
            }
        if pick == 4:
            return "story", {"story": {"chat": self.chat(chat_id), "id": rng.randint(1, 99)}}
        if pick == 5:
            return "invoice", {
                "invoice": {
                    "title": "x",
                    "description": "y",
                    "start_parameter": "z",
                    "currency": "EUR",
                    "total_amount": 100,
                }
            }
        if pick == 6:
            return "checklist", {
                "checklist": {"title": junk(rng), "tasks": [{"id": 1, "text": junk(rng)}]}
            }
        if pick == 7:
            return "live-location", {
                "location": {
                    "latitude": rng.uniform(-90, 90),
                    "longitude": rng.uniform(-180, 180),
                    "live_period": 900,
                    "heading": rng.randint(1, 360),
                }
            }
        if pick == 8:
            return "contact-self", {
                "contact": {"phone_number": junk(rng), "first_name": junk(rng), "user_id": chat_id}
            }
        return "caption-only", {"caption": text(rng)[:1024], "has_media_spoiler": True}

    def poll(self, rng: random.Random) -> dict[str, Any]:
        return {
            "id": str(rng.randrange(10**12)),
            "question": junk(rng),
            "options": [
                {"persistent_id": str(i), "text": junk(rng), "voter_count": 0} for i in range(2)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": rng.choice(("regular", "quiz")),
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        }

    def private_other_content(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        kind, fields = self.content(rng, chat_id)
        update = self.push({"message": self.message(chat_id, fields, lang=lang)}, rng)
        return self.private(f"private/{kind}", update, chat_id)

    def service(self, rng: random.Random, chat_id: int) -> tuple[str, dict[str, Any]]:
        pick = rng.randrange(9)
        if pick == 0:
            user = self.user(rng.choice(self.newcomers))
            return "new_chat_members", {"new_chat_members": [user, dict(self.bot_user)]}
        if pick == 1:
            return "left_chat_member", {"left_chat_member": dict(self.bot_user)}
        if pick == 2:
            return "new_chat_title", {"new_chat_title": junk(rng)}
        if pick == 3:
            return "auto_delete", {
                "message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}
            }
        if pick == 4:
            pinned = {"chat": self.chat(chat_id), "message_id": 1, "date": 0}
            return "pinned_message", {"pinned_message": pinned}
        if pick == 5:
            return "write_access_allowed", {"write_access_allowed": {"from_request": True}}
        if pick == 6:
            return "users_shared", {"users_shared": {"request_id": 1, "users": [{"user_id": 5}]}}
        if pick == 7:
            return "web_app_data", {"web_app_data": {"data": junk(rng), "button_text": "x"}}
        return "forum_topic_created", {
            "forum_topic_created": {"name": junk(rng), "icon_color": 7322096}
        }

    def private_service(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        kind, fields = self.service(rng, chat_id)
        update = self.push({"message": self.message(chat_id, fields, lang=lang)}, rng)
        return self.private(f"private/service-{kind}", update, chat_id)

    def private_forward_or_reply(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        fields: dict[str, Any] = {"text": text(rng) or "?"}
        ids = self.bot_message_ids(chat_id)
        if ids and rng.random() < 0.5:
            replied = self.stored(chat_id, rng.choice(ids))
            replied.pop("reply_to_message", None)
            fields["reply_to_message"] = replied
            kind = "private/reply"
        else:
            fields["forward_origin"] = {
                "type": "hidden_user",
                "date": DATE,
                "sender_user_name": junk(rng),
            }
            kind = "private/forward"
        update = self.push({"message": self.message(chat_id, fields, lang=lang)}, rng)
        return self.private(kind, update, chat_id)

    def private_edited(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        message = self.message(chat_id, {"text": "vorher"}, lang=lang)
        message["text"] = text(rng) or "."
        message["edit_date"] = DATE + 1
        update = self.push({"edited_message": message}, rng)
        return Sent(int(update["update_id"]), "private/edited", None, chat_id, None)

    def private_from_bot(self, rng: random.Random) -> Sent:
        chat_id = rng.choice(self.newcomers)
        message = {
            "message_id": rng.randint(1, 10**6),
            "from": self.user(chat_id, is_bot=True),
            "chat": self.chat(chat_id),
            "date": DATE,
            "text": rng.choice(("/start", text(rng) or "x")),
        }
        update = self.push({"message": message}, rng)
        return Sent(int(update["update_id"]), "private/from-bot", None, chat_id, None)

    def private_member(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        old, new = rng.choice((("member", "kicked"), ("kicked", "member")))
        update = self.push(
            {"my_chat_member": self.member_update(chat_id, self.user(chat_id, lang), old, new)},
            rng,
        )
        return Sent(int(update["update_id"]), "private/my_chat_member", None, chat_id, None)

    def member_update(
        self, chat_id: int, actor: dict[str, Any], old: str, new: str, subject: Any = None
    ) -> dict[str, Any]:
        who = subject or dict(self.bot_user)

        def member(status: str) -> dict[str, Any]:
            found: dict[str, Any] = {"status": status, "user": who}
            if status == "kicked":
                found["until_date"] = 0
            return found

        return {
            "chat": self.chat(chat_id),
            "from": actor,
            "date": DATE,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    def private_reaction(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        ids = self.bot_message_ids(chat_id) or [1]
        reaction = {
            "chat": self.chat(chat_id),
            "message_id": rng.choice(ids),
            "user": self.user(chat_id, lang),
            "date": DATE,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        }
        update = self.push({"message_reaction": reaction}, rng)
        return Sent(int(update["update_id"]), "private/reaction", None, chat_id, None)

    def admin_command(self, rng: random.Random) -> Sent:
        name = rng.choice(sorted(ADMIN_COMMANDS))
        args = rng.choice(
            (
                "",
                " " + junk(rng),
                " " + text(rng),
                " mbe ²",
                " mbe ١",
                " mbe 99999999999999999999",
                " #²",
                " ²",
                " 99999999999999999999",
                " mbe 2026-13-45",
                " nowhere 2026-12-24",
                " mbe 2027-01-04 Teamtag",
                " jmd 2027-01-04",
                " " + "z" * 4090,
                " nope de " + junk(rng),
                " nope " + "q" * 300,
                " a;b;c",
                ";" * 20,
            )
        )
        return self._command(rng, ADMIN, "de", f"/{name}{args}", f"admin/{name}")

    # ----------------------------------------------------------------------------- groups

    def group_message(self, rng: random.Random) -> Sent:
        chat_id = rng.choice((OTHER, PLAIN))
        chat_type = "supergroup" if chat_id == OTHER else "group"
        sender = rng.choice((*self.newcomers[:5], ADMIN, COUNSELLOR))
        pick = rng.randrange(5)
        if pick == 0:
            body = rng.choice(("/start", f"/start@{BOT_NAME}", "/help@other_bot", command(rng)))
            fields: dict[str, Any] = {"text": body}
            entities = command_entities(body)
            if entities:
                fields["entities"] = entities
            kind = "command"
        elif pick == 1:
            kind = rng.choice(MEDIA)
            fields = media_for_kind(kind, self.fake.state.register_file)
        elif pick == 2:
            kind, fields = self.service(rng, chat_id)
        elif pick == 3:
            kind, fields = self.content(rng, chat_id)
        else:
            kind, fields = "text", {"text": text(rng)}
        message = self.message(
            chat_id, fields, user_id=sender, lang=rng.choice(LANGS), chat_type=chat_type
        )
        if rng.random() < 0.1:  # an anonymous admin
            message["from"] = self.user(1087968824, is_bot=True)
            message["sender_chat"] = self.chat(chat_id)
        update = self.push({"message": message}, rng)
        return Sent(int(update["update_id"]), f"group/{kind}", None, chat_id, None)

    def group_other(self, rng: random.Random) -> Sent:
        chat_id = rng.choice((OTHER, PLAIN))
        actor = self.user(rng.choice(self.newcomers[:5]))
        pick = rng.randrange(7)
        if pick == 0:
            ids = self.bot_message_ids(chat_id)
            target = (
                self.stored(chat_id, ids[0])
                if ids
                else {
                    "message_id": 1,
                    "from": dict(self.bot_user),
                    "chat": self.chat(chat_id),
                    "date": DATE,
                    "text": "x",
                }
            )
            data = callback_junk(rng, 1)
            return self.callback(rng, "group/press", actor, data, target)
        if pick == 1:
            old, new = rng.choice((("left", "member"), ("member", "left"), ("member", "kicked")))
            raw = {"my_chat_member": self.member_update(chat_id, actor, old, new)}
            kind = "my_chat_member"
        elif pick == 2:
            raw = {"chat_member": self.member_update(chat_id, actor, "left", "member", actor)}
            kind = "chat_member"
        elif pick == 3:
            raw = {
                "chat_join_request": {
                    "chat": self.chat(chat_id),
                    "from": actor,
                    "user_chat_id": actor["id"],
                    "date": DATE,
                    "bio": junk(rng),
                }
            }
            kind = "chat_join_request"
        elif pick == 4:
            raw = {
                "message_reaction_count": {
                    "chat": self.chat(chat_id),
                    "message_id": 1,
                    "date": DATE,
                    "reactions": [{"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 3}],
                }
            }
            kind = "reaction_count"
        elif pick == 5:
            boost = {
                "boost_id": "b1",
                "add_date": DATE,
                "expiration_date": DATE + 86400,
                "source": {"source": "premium", "user": actor},
            }
            raw = {"chat_boost": {"chat": self.chat(OTHER), "boost": boost}}
            kind = "chat_boost"
        else:
            message = self.message(chat_id, {"text": "vorher"}, user_id=actor["id"])
            message["text"] = "/start"
            message["entities"] = command_entities("/start")
            message["edit_date"] = DATE + 1
            raw = {"edited_message": message}
            kind = "edited"
        update = self.push(raw, rng)
        return Sent(int(update["update_id"]), f"group/{kind}", None, chat_id, None)

    # -------------------------------------------------------------- the counsellors' group

    def counsellor(self, rng: random.Random) -> int:
        return COUNSELLOR if rng.random() < 0.5 else STRANGER

    def counsellor_topic(self, rng: random.Random) -> Sent:
        topics = self.topics()
        thread = rng.choice(topics) if topics and rng.random() < 0.8 else rng.randint(2, 10**6)
        pick = rng.random()
        if pick < 0.6:
            body = text(rng)
        elif pick < 0.75:
            body = command(rng)  # /start, /help, admin commands... in the group
        else:
            body = "<b>x</b> & <script>" * rng.randint(1, 400)
        fields: dict[str, Any] = {"text": body}
        if command_entities(body):
            fields["entities"] = command_entities(body)
        message = self.message(GROUP, fields, user_id=self.counsellor(rng), thread=thread)
        update = self.push({"message": message}, rng)
        return Sent(int(update["update_id"]), "counsellors/topic", None, GROUP, None)

    def counsellor_reply(self, rng: random.Random) -> Sent:
        ids = self.bot_message_ids(GROUP, 40)
        fields: dict[str, Any] = {"text": text(rng) or "?"}
        if ids:
            replied = self.stored(GROUP, rng.choice(ids))
            replied.pop("reply_to_message", None)
            fields["reply_to_message"] = replied
        message = self.message(GROUP, fields, user_id=self.counsellor(rng))
        update = self.push({"message": message}, rng)
        return Sent(int(update["update_id"]), "counsellors/reply", None, GROUP, None)

    def counsellor_close(self, rng: random.Random) -> Sent:
        topics = self.topics()
        thread = rng.choice(topics) if topics else None
        # Closing is rare for members, so the relays have open cases to go through.
        user_id = COUNSELLOR if rng.random() < 0.15 else STRANGER
        body = rng.choice(("/close", f"/close@{BOT_NAME}", "/close jetzt", "/close@other_bot"))
        fields = {"text": body, "entities": command_entities(body)}
        message = self.message(GROUP, fields, user_id=user_id, thread=thread)
        update = self.push({"message": message}, rng)
        return Sent(int(update["update_id"]), "counsellors/close", None, GROUP, None)

    def counsellor_button(self, rng: random.Random) -> Sent:
        boards = self.keyboards(GROUP, 10)
        user_id = STRANGER if rng.random() < 0.6 else COUNSELLOR
        user = self.user(user_id)
        if boards and rng.random() < 0.6:
            message_id, data = rng.choice(boards)
            choice = rng.choice(data)
            if user_id == COUNSELLOR and choice.endswith(":close") and rng.random() < 0.8:
                choice = choice.replace(":close", ":confirm")
            target = self.stored(GROUP, message_id)
        else:
            choice = callback_junk(rng, 1)
            ids = self.bot_message_ids(GROUP)
            target = (
                self.stored(GROUP, rng.choice(ids))
                if ids
                else {
                    "message_id": 1,
                    "from": dict(self.bot_user),
                    "chat": self.chat(GROUP),
                    "date": DATE,
                    "text": "x",
                }
            )
        return self.callback(rng, "counsellors/button", user, choice, target)

    def counsellor_other(self, rng: random.Random) -> Sent:
        topics = self.topics()
        thread = rng.choice(topics) if topics else None
        pick = rng.randrange(5)
        user_id = self.counsellor(rng)
        if pick == 0:
            kind = rng.choice(MEDIA)
            message = self.message(
                GROUP,
                lambda: media_for_kind(kind, self.fake.state.register_file),
                user_id=user_id,
                thread=thread,
            )
            raw: dict[str, Any] = {"message": message}
        elif pick == 1:
            kind, fields = self.service(rng, GROUP)
            raw = {"message": self.message(GROUP, fields, user_id=user_id, thread=thread)}
        elif pick == 2:
            kind = "anonymous"
            message = self.message(GROUP, {"text": text(rng) or "x"}, thread=thread)
            message["from"] = self.user(1087968824, is_bot=True)
            message["sender_chat"] = self.chat(GROUP)
            raw = {"message": message}
        elif pick == 3:
            kind = "edited"
            message = self.message(GROUP, {"text": "vorher"}, user_id=user_id, thread=thread)
            message["text"] = text(rng) or "x"
            message["edit_date"] = DATE + 1
            raw = {"edited_message": message}
        else:
            kind = "chat_member"
            actor = self.user(user_id)
            raw = {"chat_member": self.member_update(GROUP, actor, "member", "left", actor)}
        update = self.push(raw, rng)
        return Sent(int(update["update_id"]), f"counsellors/{kind}", None, GROUP, None)

    # ------------------------------------------------------------------ channels, no chat

    def channel(self, rng: random.Random) -> Sent:
        chat = self.chat(CHANNEL, "channel")
        body = rng.choice(("/start", text(rng) or "x"))
        message: dict[str, Any] = {
            "message_id": rng.randint(1, 10**6),
            "sender_chat": chat,
            "chat": chat,
            "date": DATE,
            "text": body,
        }
        if command_entities(body):
            message["entities"] = command_entities(body)
        key = "channel_post"
        if rng.random() < 0.3:
            key, message["edit_date"] = "edited_channel_post", DATE + 1
        update = self.push({key: message}, rng)
        return Sent(int(update["update_id"]), f"channel/{key}", None, CHANNEL, None)

    def no_chat(self, rng: random.Random) -> Sent:
        chat_id, lang = self.newcomer(rng)
        user = self.user(chat_id, lang)
        pick = rng.randrange(11)
        ident = str(rng.randrange(10**12))
        raw: dict[str, Any]
        if pick == 0:
            raw = {
                "inline_query": {"id": ident, "from": user, "query": text(rng)[:256], "offset": ""}
            }
        elif pick == 1:
            raw = {"chosen_inline_result": {"result_id": ident, "from": user, "query": "x"}}
        elif pick == 2:
            raw = {"poll": self.poll(rng)}
        elif pick == 3:
            raw = {
                "poll_answer": {
                    "poll_id": ident,
                    "user": user,
                    "option_ids": [0],
                    "option_persistent_ids": ["0"],
                }
            }
        elif pick == 4:
            return self.callback(rng, "no-chat/inline-press", user, callback_junk(rng, 1), None)
        elif pick == 5:
            address = dict.fromkeys(
                ("country_code", "state", "city", "street_line1", "street_line2", "post_code"),
                "x",
            )
            raw = {
                "shipping_query": {
                    "id": ident,
                    "from": user,
                    "invoice_payload": junk(rng),
                    "shipping_address": address,
                }
            }
        elif pick == 6:
            raw = {
                "pre_checkout_query": {
                    "id": ident,
                    "from": user,
                    "currency": "EUR",
                    "total_amount": 100,
                    "invoice_payload": junk(rng),
                }
            }
        elif pick == 7:
            raw = {"purchased_paid_media": {"from": user, "paid_media_payload": junk(rng)}}
        elif pick == 8:
            raw = {
                "business_connection": {
                    "id": "bc1",
                    "user": user,
                    "user_chat_id": chat_id,
                    "date": DATE,
                    "is_enabled": True,
                }
            }
        elif pick == 9:
            raw = {
                "deleted_business_messages": {
                    "business_connection_id": "bc1",
                    "chat": self.chat(chat_id),
                    "message_ids": [1, 2],
                }
            }
        else:
            message = {
                "message_id": rng.randint(1, 10**6),
                "from": user,
                "chat": self.chat(chat_id),
                "date": DATE,
                "business_connection_id": "bc1",
                "text": text(rng) or "x",
            }
            raw = {rng.choice(("business_message", "edited_business_message")): message}
        update = self.push(raw, rng)
        kind = next(k for k in raw if not k.startswith(UNKNOWN))
        return Sent(int(update["update_id"]), f"no-chat/{kind}", None, None, None)


# ------------------------------------------------------------------------------------ running


class Problems(logging.Handler):
    """Log records that show something went wrong: ERROR and above, or any traceback."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def lines(self) -> list[str]:
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        return [formatter.format(r) for r in self.records]


@pytest.fixture()
def problems() -> Iterator[Problems]:
    handler = Problems()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@dataclass
class Running:
    core: Wegweiser
    app: Application  # type: ignore[type-arg]
    windows: dict[int, Window]


@asynccontextmanager
async def running(fake: FakeBotApi, db_url: str) -> AsyncIterator[Running]:
    """The real Application; two extra handler groups note where each update's calls begin
    and end in the fake's call log."""
    settings = settings_for(
        db_url,
        BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.url,
        ADMIN_IDS=str(ADMIN),
        COUNSELLOR_CHAT_ID=str(GROUP),
        FLOOD_LIMIT="1000000/1",
    )
    core = Wegweiser(settings, Database(db_url), clock=lambda: FIXED_NOW)
    application = build_application(settings, core)
    windows: dict[int, Window] = {}

    async def begin(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        windows[update.update_id] = Window(len(fake.state.calls))

    async def end(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        windows[update.update_id].end = len(fake.state.calls)

    application.add_handler(TypeHandler(Update, begin), group=-1)
    application.add_handler(TypeHandler(Update, end), group=1)
    await start_polling(application, timeout=1)
    try:
        yield Running(core, application, windows)
    finally:
        await stop_polling(application)


async def drain(dispatcher: Dispatcher) -> None:
    """Send everything due in the outbox (the caller has paused the running dispatcher)."""
    for _ in range(100):
        before = vars(copy.copy(dispatcher.stats))
        await dispatcher.run_once()
        if vars(dispatcher.stats) == before:
            return
    raise AssertionError("the outbox never ran dry")


async def open_cases(fake: FakeBotApi, dispatcher: Dispatcher) -> None:
    """Two newcomers with open cases, so the counsellors' group has topics and buttons."""
    fake.send_text(GROUP, "Willkommen", user_id=COUNSELLOR, message_thread_id=1)
    fake.set_chat_member(GROUP, STRANGER, status="left")
    first = User(fake, FIRST_NEWCOMER, language_code="de")
    await first.say("/start")
    for key in ("de", "agree", "buergergeld", "under_27", "person"):
        await first.press(key)
    second = User(fake, FIRST_NEWCOMER + 1, language_code="en")
    await second.say("/start")
    for key in ("en", "agree", "new_arrival", "no", "27_plus", "book", "mbe"):
        days = await second.press(key)
    day = next(d.split(":", 1)[1] for _l, d in fake.buttons(days[-1]) if ":d" in d)
    times = await second.press(day)
    slot = next(d.split(":", 1)[1] for _l, d in fake.buttons(times[-1]) if ":s" in d)
    await second.press(slot)
    await drain(dispatcher)
    assert len(fake.topics(GROUP)) == 2


def check(sent: list[Sent], run: Running, fake: FakeBotApi, figures: Figures) -> None:
    calls = fake.calls
    for item in sent:
        figures.sent[item.kind] += 1
        if item.answer is None:
            continue
        figures.answerable[item.kind] += 1
        if item.answer == "callback":
            assert item.query_id is not None
            ok = fake.callback_answer(item.query_id) is not None
        else:
            window = run.windows[item.update_id]
            assert window.end is not None
            ok = any(
                call.ok
                and call.chat_id == item.chat_id
                and call.method in ("sendMessage", "sendDocument")
                for call in calls[window.start : window.end]
            )
        if ok:
            figures.answered[item.kind] += 1
        else:
            figures.missing.append(f"update {item.update_id} ({item.kind}) got no answer")


def report(label: str, figures: Figures, seconds: float, problems: Problems) -> str:
    total, answerable = sum(figures.sent.values()), sum(figures.answerable.values())
    lines = [
        f"fuzz {label}: seed {SEED}, {total} updates in {seconds:.1f} s "
        f"({total / seconds:.0f}/s), {answerable} answerable, "
        f"{sum(figures.answered.values())} answered, {len(problems.records)} problems",
        f"  {'kind':<42}{'sent':>7}{'answerable':>12}{'answered':>10}",
    ]
    for kind in sorted(figures.sent):
        lines.append(
            f"  {kind:<42}{figures.sent[kind]:>7}{figures.answerable[kind]:>12}"
            f"{figures.answered[kind]:>10}"
        )
    for name, counts in figures.outcomes.items():
        listed = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        lines.append(f"  {name}: {listed}")
    return "\n".join(lines)


async def fuzz(
    fake: FakeBotApi, db_url: str, problems: Problems, count: int, label: str
) -> Figures:
    async with running(fake, db_url) as run:
        dispatcher: Dispatcher = run.app.bot_data.dispatcher
        dispatcher.limits = Limits(per_second=1000, private_interval=0.0, group_per_minute=10**6)
        figures = Figures()
        async with dispatcher.paused():  # the running dispatcher stands aside; waves drain here
            await open_cases(fake, dispatcher)
            fuzzer = Fuzzer(fake, SEED, newcomers=max(20, count // 40))
            started = time.monotonic()
            for first in range(0, count, WAVE):
                sent = [fuzzer.make(i) for i in range(first, min(first + WAVE, count))]
                ids = [s.update_id for s in sent]

                def processed(ids: list[int] = ids) -> bool:
                    return all(i in run.windows and run.windows[i].end is not None for i in ids)

                await fake.await_for(processed, timeout=120)
                await drain(dispatcher)
                check(sent, run, fake, figures)
            seconds = time.monotonic() - started
        figures.outcomes = await outcomes(run.core)
    print("\n" + report(label, figures, seconds, problems))
    return figures


async def outcomes(core: Wegweiser) -> dict[str, Counter[str]]:
    """Where the fuzz led: steps reached, bookings, cases, audit entries, outbox messages."""
    async with core.db.sessions() as session:

        async def rows(model: Any) -> list[Any]:
            return list((await session.execute(select(model))).scalars())

        return {
            "steps": Counter(str(c.state.get("step")) for c in await rows(Conversation)),
            "bookings": Counter(b.status for b in await rows(BookingRow)),
            "cases": Counter(c.status for c in await rows(CaseRow)),
            "audit": Counter(f"{a.role}/{a.action}" for a in await rows(AuditRow)),
            "outbox": Counter(f"{o.kind}/{o.state}" for o in await rows(OutboxRow)),
        }


def verdict(fake: FakeBotApi, figures: Figures, problems: Problems) -> None:
    assert fake.violations == [], fake.violations[:10]
    assert problems.lines() == [], problems.lines()[:10]
    assert figures.missing == [], figures.missing[:20]
    # The fuzz went deep enough: counsellors relayed, strangers were refused.
    assert figures.outcomes["outbox"]["relay_to_user/sent"] > 0
    assert figures.outcomes["outbox"]["relay_to_group/sent"] > 0
    assert figures.outcomes["audit"]["stranger/refused-button"] > 0
    assert figures.outcomes["audit"]["stranger/refused-message"] > 0


@pytest.mark.long
async def test_fuzz_light(fake: FakeBotApi, db_url: str, problems: Problems) -> None:
    """1,000 updates on SQLite and PostgreSQL (default suite)."""
    backend = db_url.split(":", 1)[0]
    figures = await fuzz(fake, db_url, problems, 1_000, f"light/{backend}")
    verdict(fake, figures, problems)


@pytest.fixture()
def sqlite_url(tmp_path: object) -> str:
    url = f"sqlite:///{tmp_path}/fuzz.db"
    upgrade(url)
    return url


@pytest.mark.heavy
async def test_fuzz_heavy(fake: FakeBotApi, sqlite_url: str, problems: Problems) -> None:
    """10,000 updates on SQLite (``make test-heavy``)."""
    figures = await fuzz(fake, sqlite_url, problems, 10_000, "heavy/sqlite")
    verdict(fake, figures, problems)


# ------------------------------------------------------------- what the fuzzer found, pinned


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("²", None),
        ("١", None),
        ("", None),
        ("-1", None),
        (" 1", None),
    ],
)
def test_ids_from_users_are_ascii_digits_that_fit_the_database(
    text: str, expected: int | None
) -> None:
    assert parse_id(text) == expected


def test_forged_button_data_and_nul_characters_are_read_safely() -> None:
    assert isinstance(parse_callback_data("²:start"), InvalidChoiceIn)
    assert isinstance(parse_callback_data("99999999999999999999:start"), InvalidChoiceIn)
    assert parse_callback_data("7:start") == ChoiceIn(key="start", token=7)
    chat = Chat(1, "private")
    message = Message(1, FIXED_NOW, chat, text="a\x00b")
    assert to_event(Update(1, message=message)) == TextIn("ab")
