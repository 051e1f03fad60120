"""What the running bot answers typed questions from, and the rules every answer keeps."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bot.core.faq.index import FaqIndex, LanguageIndexes

SOURCE_LANGUAGE = "de"
CURRENT, OUTDATED, MISSING, MACHINE = "current", "outdated", "missing", "machine"
MAX_ANSWER = 4096
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"<[^>]*>")


def text_hash(text: str) -> str:
    """A short fingerprint of a German source text."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


class FaqError(ValueError):
    """Bad FAQ input; ``errors`` has one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


def check_answer(text: str, source: str, where: str) -> list[str]:
    """Problems of an answer: Telegram's length limit, placeholders, HTML."""
    problems = []
    if not text.strip():
        problems.append(f"{where}: the answer is empty")
    if len(text) > MAX_ANSWER:
        problems.append(f"{where}: longer than Telegram's {MAX_ANSWER} characters")
    if set(_PLACEHOLDER.findall(text)) != set(_PLACEHOLDER.findall(source)):
        problems.append(f"{where}: placeholders differ from the German source")
    if _TAG.search(text):
        problems.append(f"{where}: HTML tags are not allowed; write plain text")
    return problems


@dataclass(frozen=True)
class Answer:
    """An answer in one language and whether it is behind its German source."""

    slug: str
    lang: str
    text: str
    outdated: bool
    machine: bool


@dataclass(frozen=True)
class FaqSnapshot:
    """What the running bot matches and answers with (reloaded after changes).

    ``matcher`` holds one index per set of reader languages, each built when the first
    question in those languages is typed (a second or less; :meth:`prepare` in a thread), so
    a bot that starts (or restarts after a crash) answers buttons at once.
    """

    matcher: FaqIndex | LanguageIndexes
    answers: dict[tuple[str, str], Answer]
    sources: dict[str, str]

    @property
    def index(self) -> FaqIndex | LanguageIndexes:
        """The matcher: ``decide``, ``rank`` and ``title``."""
        return self.matcher

    def ready(self, question: str, lang: str) -> bool:
        """Whether matching this question needs no index to be built first."""
        return not isinstance(self.matcher, LanguageIndexes) or self.matcher.ready(question, lang)

    def prepare(self, question: str, lang: str) -> None:
        """Build the index this question needs (slow: call it in a thread)."""
        if isinstance(self.matcher, LanguageIndexes):
            self.matcher.prepare(question, lang)

    def answer(self, slug: str, lang: str) -> Answer | None:
        """The answer in ``lang``; ``None`` if that language has none (no silent fallback)."""
        if lang == SOURCE_LANGUAGE and slug in self.sources:
            return Answer(slug, lang, self.sources[slug], False, False)
        return self.answers.get((slug, lang))
