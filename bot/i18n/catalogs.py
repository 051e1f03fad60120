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
# The supported languages, in the order the language menu lists them.
LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "uk", "ru", "fa", "ro")
RTL_LANGUAGES = frozenset({"ar", "fa"})


def po_path(lang: str, root: Path = LOCALES_DIR, domain: str = DOMAIN) -> Path:
    """Where the catalog of ``lang`` lives."""
    return root / lang / "LC_MESSAGES" / f"{domain}.po"


def pack_locales(pack: Path) -> Path:
    """The catalogs folder of a content pack."""
    return pack / "locales"


@lru_cache(maxsize=256)
def _compiled(path: Path, lang: str, _changed: tuple[int, int]) -> bytes:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
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
    found = negotiate_locale([code, code.split("-")[0]], list(available), sep="-")
    return str(found) if found else None
