"""Keep the catalogs in step with the code and the content packs.

``build_template`` collects every user-facing text of the code (``N_()`` and ``counted()`` in
bot/) into ``locales/messages.pot``, ``build_pack_template`` the translatable fields of a
content pack into the pack's ``locales/content.pot``; ``update_catalogs`` merges a template
into each language's .po file, keeping translations and marking changed ones as fuzzy
(outdated) for translators.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from bot.content.parse import parse_content, read_city, translatable_texts
from bot.i18n.catalogs import (
    DOMAIN,
    LANGUAGES,
    LOCALES_DIR,
    SOURCE_LANGUAGE,
    cldr_locale,
    po_path,
)

BOT_DIR = Path(__file__).resolve().parents[1]
KEYWORDS = {"N_": None, "counted": (1, 2)}
POT_PATH = LOCALES_DIR / f"{DOMAIN}.pot"


def _template() -> Catalog:
    template = Catalog(project="Wegweiser", version="1", charset="utf-8", fuzzy=False)
    template.creation_date = datetime(2026, 1, 1)
    return template


def build_template() -> Catalog:
    """A catalog template with every message of the code."""
    template = _template()
    for filename, lineno, message, comments, _ctx in extract_from_dir(
        BOT_DIR,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        template.add(message, locations=[(f"bot/{filename}", lineno)], auto_comments=comments)
    return template


CONSOLE_DOMAIN = "console"
# The web console speaks German and English (the city team's languages), not the newcomers' 18.
CONSOLE_LANGUAGES = ("de",)


def build_console_template() -> Catalog:
    """A catalog template with the web console's texts (its Jinja templates)."""
    template = _template()
    for filename, lineno, message, comments, _ctx in extract_from_dir(
        BOT_DIR / "channels" / "console" / "templates",
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        comment_tags=("TRANSLATORS:",),
    ):
        where = f"bot/channels/console/templates/{filename}"
        template.add(message, locations=[(where, lineno)], auto_comments=comments)
    return template


def build_pack_template(pack: Path) -> Catalog:
    """A catalog template with every translatable text of a content pack."""
    template = _template()
    city = pack.name
    for where, text in translatable_texts(parse_content(read_city(city, pack.parent), city)):
        template.add(text, locations=[(f"content/{city}", 0)], auto_comments=[where])
    return template


def write_template(template: Catalog, path: Path = POT_PATH) -> None:
    """Write the template (.pot)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, template, width=100, omit_header=False, sort_output=False)


def update_catalogs(
    template: Catalog,
    languages: tuple[str, ...] = LANGUAGES,
    root: Path = LOCALES_DIR,
    domain: str = DOMAIN,
) -> list[str]:
    """Merge the template into each language's .po (creating missing ones); returns the paths."""
    written = []
    for lang in languages:
        if lang == SOURCE_LANGUAGE:
            continue
        path = po_path(lang, root, domain)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=cldr_locale(lang))
        else:
            catalog = Catalog(
                locale=cldr_locale(lang), project="Wegweiser", version="1", charset="utf-8"
            )
            catalog.creation_date = template.creation_date
        rule = get_plural(cldr_locale(lang))
        if (catalog.num_plurals, catalog.plural_expr) != (rule.num_plurals, rule.plural_expr):
            # CLDR's rule as the installed (locked) Babel knows it; plural messages that now
            # lack forms get copies of their last one, marked outdated for a translator.
            catalog.mime_headers = [
                ("Plural-Forms", f"nplurals={rule.num_plurals}; plural={rule.plural_expr};")
            ]
            for message in catalog:
                if isinstance(message.id, tuple) and message.id[0]:
                    string = message.string
                    forms = list(string) if isinstance(string, tuple) else [str(string or "")]
                    if len(forms) != rule.num_plurals:
                        forms = (forms + [forms[-1]] * rule.num_plurals)[: rule.num_plurals]
                        message.string = tuple(forms)
                        message.flags.add("fuzzy")
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=False)
        written.append(str(path))
    return written
