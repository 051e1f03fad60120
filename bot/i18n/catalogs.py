"""Load the gettext catalogs and pick languages.

Two domains: the code's messages (``locales/<lang>/LC_MESSAGES/messages.po``) and each content
pack's own texts (``bot/content/packs/<city>/locales/<lang>/LC_MESSAGES/content.po``), so a
city's texts travel with its pack. A message is looked up in the code's catalog first, then in
the packs'.
"""

from __future__ import annotations

import gettext as gettext_module
import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from babel import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
PACKS_DIR = Path(__file__).resolve().parents[1] / "content" / "packs"
DOMAIN = "messages"
PACK_DOMAIN = "content"
SOURCE_LANGUAGE = "en"
# The supported languages, in the order the language menu lists them (the Telegram client's
# language and its neighbours come first; see bot/flows/language.py).
# "de-x-es" is simple German (Einfache Sprache): a private-use BCP 47 tag, 7 characters, so it
# fits the 8-character language columns.
LANGUAGES: tuple[str, ...] = (
    "de", "de-x-es", "en", "tr", "ar", "uk", "ru", "fa",
    "ro", "prs", "ps", "ku", "ti", "so", "sq", "bs", "bg", "pl", "fr",
)  # fmt: skip
RTL_LANGUAGES = frozenset({"ar", "fa", "prs", "ps"})
# Languages CLDR (Babel) has no locale for use a close one's data: Dari is the Persian of
# Afghanistan (fa_AF: its digits, dates and plural rule); simple German is German.
_CLDR = {"prs": "fa_AF", "de-x-es": "de"}
# Telegram clients that report a language we offer under another code.
_ALIASES = {"hr": "bs", "sr": "bs", "cnr": "bs", "kmr": "ku", "fa-af": "prs"}


def client_codes(lang: str) -> tuple[str, ...]:
    """The two-letter client language codes (ISO 639-1, as Telegram takes them) whose users
    are offered ``lang``: its own code and those of its neighbours; none for Dari and simple
    German, which no client reports."""
    own = (lang,) if len(lang) == 2 else ()
    return own + tuple(sorted(c for c, to in _ALIASES.items() if to == lang and len(c) == 2))


def cldr_locale(lang: str) -> str:
    """The CLDR locale whose dates, numbers, lists and plural rule ``lang`` uses."""
    return _CLDR.get(lang, lang)


def po_path(lang: str, root: Path = LOCALES_DIR, domain: str = DOMAIN) -> Path:
    """Where the catalog of ``lang`` lives."""
    return root / lang / "LC_MESSAGES" / f"{domain}.po"


def pack_locales(pack: Path) -> Path:
    """The catalogs folder of a content pack."""
    return pack / "locales"


@lru_cache(maxsize=256)
def _compiled(path: Path, lang: str, _changed: tuple[int, int]) -> bytes:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=cldr_locale(lang))
    buffer = io.BytesIO()
    # Fuzzy entries are outdated translations awaiting review; they are not shown.
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _read(path: Path, lang: str) -> gettext_module.NullTranslations | None:
    if not path.exists():
        return None
    # Parsing a .po file is slow; a file read before and not changed since is not parsed again.
    stat = path.stat()
    compiled = _compiled(path, lang, (stat.st_mtime_ns, stat.st_size))
    return gettext_module.GNUTranslations(io.BytesIO(compiled))


def _load(lang: str, root: Path, packs: Sequence[Path]) -> gettext_module.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return gettext_module.NullTranslations()
    code = _read(po_path(lang, root), lang)
    if code is None:
        log.warning("no catalog for %s in %s", lang, root)
        code = gettext_module.NullTranslations()
    for pack in packs:
        content = _read(po_path(lang, pack_locales(pack), PACK_DOMAIN), lang)
        if content is not None:
            code.add_fallback(content)
    return code


def domain_translations(lang: str, domain: str) -> gettext_module.NullTranslations:
    """One extra domain of the code's catalogs (e.g. the web console's, German and English
    only); the source text where there is none."""
    found = None if lang == SOURCE_LANGUAGE else _read(po_path(lang, LOCALES_DIR, domain), lang)
    return found or gettext_module.NullTranslations()


class Catalogs:
    """The translations of all supported languages, loaded once from the .po files.

    ``packs`` are the content packs whose texts are translated too (every installed pack if
    not given).
    """

    def __init__(
        self,
        languages: tuple[str, ...] = LANGUAGES,
        root: Path = LOCALES_DIR,
        packs: Sequence[Path] | None = None,
    ) -> None:
        self.languages = languages
        found = sorted(p.parent for p in PACKS_DIR.glob("*/pack.toml")) if packs is None else packs
        self._translations = {lang: _load(lang, root, found) for lang in languages}

    def gettext(self, lang: str, msgid: str) -> str:
        """The translation of ``msgid`` in ``lang`` (the source text if there is none)."""
        return self._get(lang).gettext(msgid)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        """The plural form of a message for count ``n``, by the language's plural rule."""
        return self._get(lang).ngettext(singular, plural, n)

    def _get(self, lang: str) -> gettext_module.NullTranslations:
        return self._translations.get(lang) or self._translations[self.languages[0]]


def suggest_language(client_code: str | None, available: tuple[str, ...] = LANGUAGES) -> str | None:
    """The supported language closest to a Telegram client's ``language_code``, if any."""
    if not client_code:
        return None
    code = client_code.replace("_", "-").lower()
    if code in _ALIASES or code.split("-")[0] in _ALIASES:
        alias = _ALIASES.get(code) or _ALIASES[code.split("-")[0]]
        if alias in available:
            return alias
    found = negotiate_locale([code, code.split("-")[0]], list(available), sep="-")
    return str(found) if found else None
