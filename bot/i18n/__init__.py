"""Languages: gettext catalogs, per-locale formatting and right-to-left text."""

from bot.i18n.catalogs import LANGUAGES, SOURCE_LANGUAGE, Catalogs, suggest_language

__all__ = ["LANGUAGES", "SOURCE_LANGUAGE", "Catalogs", "suggest_language"]
