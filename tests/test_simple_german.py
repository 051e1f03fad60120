"""Simple German (Einfache Sprache, "de-x-es") keeps to its rules in every text a user reads:
short sentences and short words. Official terms a newcomer meets on paper may be longer; they
are listed here and explained in the texts where they first appear."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po

from bot.content.parse import CONTENT_ROOT
from bot.i18n.catalogs import PACK_DOMAIN, pack_locales, po_path

LANG = "de-x-es"
PACK = CONTENT_ROOT / "stuttgart"
MAX_WORDS = 15
MAX_WORD = 20
# Official terms, names and compounds a newcomer reads in letters and on doors.
OFFICIAL_TERMS = frozenset(
    {
        "Alphabetisierungskurs",
        "Alphabetisierungskurse",
        "Elternintegrationskurs",
        "Frauenintegrationskurs",
        "Integrationskursträger",
        "Integrationskursverordnung",
        "Jugendintegrationskurs",
        "Jugendmigrationsdienst",
        "Jugendmigrationsdienste",
        "Jugendmigrationsdienstes",
        "Migrationsberatungsstelle",
        "Niederlassungserlaubnis",
        "Teilnahmeberechtigung",
        "Zweitschriftlernerkurs",
        "Erwachsenen-Migrationsberatung",
        "Migrationsberatung",
        "Bundesverwaltungsamt",
        "Aufenthaltserlaubnis",
        "Wiederholungsstunden",
        "Kostenbeitragsbefreiung",
        "Fahrtkostenzuschuss",
        "Staatsangehörigkeit",
        "Einbürgerungstest",
        "Landsmannschaft",
        "Deutschen",
        "Aufenthaltsgestattung",
    }
)
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")
_URL = re.compile(r"\S+\.(?:de|com|org|eu|net)\S*|https?://\S+|\S+@\S+|/\w+")


def _texts() -> Iterator[tuple[str, str]]:
    for path in (po_path(LANG), po_path(LANG, pack_locales(PACK), PACK_DOMAIN)):
        with path.open("rb") as fh:
            for message in read_po(fh, locale="de"):
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for string in strings:
                    yield str(message.id if isinstance(message.id, str) else message.id[0]), string
    faq = tomllib.loads((PACK / "faq" / f"{LANG}.toml").read_text("utf-8"))
    for slug, item in faq.items():
        yield slug, str(item.get("answer", ""))


def _words(sentence: str) -> list[str]:
    sentence = _URL.sub("URL", sentence)
    # A placeholder counts as one word of its sentence; its name is no word a reader sees.
    return [w for w in re.findall(r"\{\w+\}|[\w\-–ÄÖÜäöüß§]+", sentence) if re.search(r"\w", w)]


def _is_placeholder(word: str) -> bool:
    return word.startswith("{") and word.endswith("}")


def test_there_is_simple_german_to_check() -> None:
    assert sum(1 for _ in _texts()) > 300


@pytest.mark.parametrize("rule", ["sentence", "word"])
def test_simple_german_keeps_its_limits(rule: str) -> None:
    broken = []
    for source, text in _texts():
        for sentence in _SENTENCE_END.split(text):
            words = _words(sentence)
            if rule == "sentence" and len(words) > MAX_WORDS:
                broken.append(f"{len(words)} words: {sentence} ({source[:40]})")
            if rule == "word":
                for word in words:
                    if _is_placeholder(word):
                        continue
                    parts = word.split("-")
                    if word not in OFFICIAL_TERMS and not all(
                        len(p) <= MAX_WORD or p in OFFICIAL_TERMS for p in parts
                    ):
                        broken.append(f"{word} in: {sentence} ({source[:40]})")
    assert not broken, "\n".join(broken[:40])
