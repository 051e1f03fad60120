"""Right-to-left text that reads correctly in Telegram, with German terms and numbers inside.

Arabic and Persian lines start with a right-to-left mark so each line is laid out from the right
even when it begins with a Latin word or a number; inserted values and Latin runs written by
translators are wrapped in isolates so their own direction cannot reorder the sentence.
"""

from __future__ import annotations

import re

RLM = "\u200f"
FSI = "\u2068"  # first-strong isolate: takes the direction of its own content
LRI = "\u2066"  # left-to-right isolate
PDI = "\u2069"  # pop directional isolate

_LATIN = r"A-Za-z\u00c0-\u024f"
# A placeholder is left alone; any other run of Latin words (with digits, § and inner
# punctuation) becomes one left-to-right island, a /command with its slash.
_RUN = re.compile(
    rf"(\{{\w+\}})|(/?[{_LATIN}0-9§][{_LATIN}0-9§ .,:;/\-–'’]*[{_LATIN}0-9])|(/?[{_LATIN}])"
)


def isolate_latin(template: str) -> str:
    """Wrap Latin runs of a right-to-left template in LRI…PDI, keeping ``{placeholders}``."""

    def wrap(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        return f"{LRI}{match.group(0)}{PDI}"

    return _RUN.sub(wrap, template)


def isolate_value(value: str) -> str:
    """Wrap an inserted value so it keeps its own direction."""
    return f"{FSI}{value}{PDI}" if value else value


def rtl_lines(text: str) -> str:
    """Start every line with a right-to-left mark."""
    return "\n".join(RLM + line if line else line for line in text.split("\n"))


def strip_controls(text: str) -> str:
    """The text without the marks added here, e.g. for comparing in tests."""
    return text.translate({ord(c): None for c in (RLM, FSI, LRI, PDI)})
