"""Text normalisation for matching: case, accents, punctuation, Arabic/Persian letter variants,
and a Latin skeleton so Cyrillic or Arabic typed in Latin letters finds its match."""

from __future__ import annotations

import re
import unicodedata

# Arabic and Persian spellings of the same letter, and marks that carry no meaning here.
_ARABIC_VARIANTS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ۀ": "ه",
        "ـ": None,
        "\u200c": " ",
        "\u200d": None,
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
        "۰": "0",
        "۱": "1",
        "۲": "2",
        "۳": "3",
        "۴": "4",
        "۵": "5",
        "۶": "6",
        "۷": "7",
        "۸": "8",
        "۹": "9",
    }
)
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
_ARABIC = {
    "ا": "a",
    "ب": "b",
    "پ": "p",
    "ت": "t",
    "ث": "s",
    "ج": "j",
    "چ": "ch",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "ژ": "zh",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "z",
    "ط": "t",
    "ظ": "z",
    "ع": "a",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ک": "k",
    "گ": "g",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "u",
    "ه": "h",
    "ی": "i",
    "ء": "",
}
# Latin spellings that vary between people: reduced to one form in the skeleton.
_LATIN_STEPS = (
    (re.compile(r"shch|sch|sh|ch"), "s"),
    (re.compile(r"kh|gh"), "h"),
    (re.compile(r"zh|dj|dsch"), "j"),
    (re.compile(r"ts|tz"), "z"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q|c"), "k"),
    (re.compile(r"w"), "v"),
    (re.compile(r"y|j(?=[aeiou])"), "i"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)
# Arabizi: digits that stand for Arabic letters.
_ARABIZI = str.maketrans({"3": "a", "7": "h", "5": "h", "2": "", "9": "s", "6": "t", "8": "g"})


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation, one spelling per Arabic/Persian letter."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_ARABIC_VARIANTS)
    text = _HARAKAT.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    # Drop combining accents of Latin letters only (Cyrillic й/ї keep their meaning).
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and kept and kept[-1].isascii():
            continue
        kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept)).replace("ß", "ss").replace("ı", "i")
    return _NON_WORD.sub(" ", text).strip()


def skeleton(text: str) -> str:
    """A rough Latin form of normalised text, the same for "как записаться" and
    "kak zapisatsya", or for "الجوب سنتر" and "el jobcenter"."""
    out = []
    for word in text.split():
        if any(ch in _CYRILLIC for ch in word):
            word = "".join(_CYRILLIC.get(ch, ch) for ch in word)
        elif any(ch in _ARABIC for ch in word):
            word = "".join(_ARABIC.get(ch, ch) for ch in word)
        elif any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word):
            word = word.translate(_ARABIZI)
        for pattern, replacement in _LATIN_STEPS:
            word = pattern.sub(replacement, word)
        out.append(word)
    return " ".join(out)


_VOWELS = re.compile(r"[aeiou]")


def consonants(skel: str) -> str:
    """The skeleton without vowels: Arabic script writes no short vowels, Arabizi does."""
    return " ".join(w for w in (_VOWELS.sub("", word) for word in skel.split()) if w)
