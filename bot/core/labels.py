"""Labels shared by several floors: language names, answers as counsellors see them."""

from __future__ import annotations

from bot.core.messages import N_

# Each language by its own name, so everyone finds theirs whatever language the bot speaks now.
LANGUAGE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "uk": "Українська",
    "ru": "Русский",
    "fa": "فارسی",
    "ro": "Română",
    "de-x-es": "Deutsch – einfach",
    "prs": "دری",
    "ps": "پښتو",
    "ku": "Kurdî (Kurmancî)",
    "ti": "ትግርኛ",
    "so": "Soomaali",
    "sq": "Shqip",
    "bs": "Bosanski",
    "bg": "Български",
    "pl": "Polski",
    "fr": "Français",
}

AGE = {"under_27": N_("Under 27"), "27_plus": N_("27 or older")}
YES_NO = {"yes": N_("Yes"), "no": N_("No")}
