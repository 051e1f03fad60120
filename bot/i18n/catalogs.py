"""Load the gettext catalogs (``locales/<lang>/LC_MESSAGES/messages.po``) and pick languages."""

from __future__ import annotations

import gettext as gettext_module
import io
import logging
from pathlib import Path

from babel import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# The supported languages, in the order the language menu lists them.
LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "uk", "ru", "fa", "ro")
RTL_LANGUAGES = frozenset({"ar", "fa"})


def po_path(lang: str, root: Path = LOCALES_DIR) -> Path:
    """Where the catalog of ``lang`` lives."""
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(lang: str, root: Path) -> gettext_module.NullTranslations:
    path = po_path(lang, root)
    if lang == SOURCE_LANGUAGE or not path.exists():
        if lang != SOURCE_LANGUAGE:
            log.warning("no catalog for %s at %s", lang, path)
        return gettext_module.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    # Fuzzy entries are outdated translations awaiting review; they are not shown.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


class Catalogs:
    """The translations of all supported languages, loaded once from the .po files."""

    def __init__(self, languages: tuple[str, ...] = LANGUAGES, root: Path = LOCALES_DIR) -> None:
        self.languages = languages
        self._translations = {lang: _load(lang, root) for lang in languages}

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
