"""Approximations of Telegram's ``parse_mode`` parsers.

They return the plain text (for length checks) or raise :class:`EntityParseError` with a
message shaped like Telegram's ``Bad Request: can't parse entities: ...``. They are
deliberately a little lenient: a false alarm in the fake is worse than a missed one.
"""

from __future__ import annotations

import re

__all__ = ["EntityParseError", "plain_text"]

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "tg-time",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "`": "Code",
    "```": "Pre",
    "[": "TextUrl",
}


class EntityParseError(ValueError):
    """The text cannot be parsed in the requested parse mode."""


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def plain_text(text: str, parse_mode: str | None) -> str:
    """Strip markup the way Telegram would.

    Args:
        text: The message text or caption as sent.
        parse_mode: ``HTML``, ``MarkdownV2``, ``Markdown`` (any case) or ``None``.

    Returns:
        The text without markup.

    Raises:
        EntityParseError: If the markup is malformed or the parse mode unknown.
    """
    if not parse_mode:
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown_legacy(text)
    raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")


def _parse_html(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise EntityParseError(
                    f'Unsupported start tag "" at byte offset {_byte_offset(text, i)}'
                )
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if not stack:
                    raise EntityParseError(
                        f"Unexpected end tag at byte offset {_byte_offset(text, i)}"
                    )
                if stack[-1] != name:
                    raise EntityParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                        f'expected "</{stack[-1]}>", found "</{name}>"'
                    )
                stack.pop()
            else:
                if name not in _HTML_TAGS:
                    raise EntityParseError(
                        f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                    )
                stack.append(name)
            i = match.end()
            continue
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            if match is not None:
                body = match.group(1)
                if body.startswith("#"):
                    code = int(body[2:], 16) if body[1:2] in "xX" else int(body[1:])
                    out.append(chr(code) if 0 < code <= 0x10FFFF else match.group(0))
                    i = match.end()
                    continue
                if body in _NAMED:
                    out.append(_NAMED[body])
                    i = match.end()
                    continue
        out.append(char)
        i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _parse_markdown_v2(text: str) -> str:
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    n = len(text)

    def toggle(marker: str, at: int) -> None:
        if stack and stack[-1][0] == marker:
            stack.pop()
        elif any(m == marker for m, _ in stack):
            raise EntityParseError(
                f"Can't find end of {_MD2_NAMES[stack[-1][0]]} entity at byte offset "
                f"{_byte_offset(text, stack[-1][1])}"
            )
        else:
            stack.append((marker, at))

    while i < n:
        char = text[i]
        in_code = bool(stack) and stack[-1][0] in {"`", "```"}
        if char == "\\":
            if i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                out.append(text[i + 1])
                i += 2
                continue
            raise EntityParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if in_code:
            marker = stack[-1][0]
            if text.startswith(marker, i):
                stack.pop()
                i += len(marker)
            else:
                out.append(char)
                i += 1
            continue
        if char == "`":
            marker = "```" if text.startswith("```", i) else "`"
            stack.append((marker, i))
            i += len(marker)
            if marker == "```":
                # Optional language name on the first line.
                end = text.find("\n", i)
                if end != -1 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", text[i:end]):
                    i = end + 1
            continue
        if char == "_" and text.startswith("__", i):
            toggle("__", i)
            i += 2
            continue
        if char == "|" and text.startswith("||", i):
            toggle("||", i)
            i += 2
            continue
        if char in "*_~":
            toggle(char, i)
            i += 1
            continue
        if char == "!" and text.startswith("![", i):
            i += 1
            continue
        if char == "[":
            stack.append(("[", i))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            stack.pop()
            i += 1
            if i < n and text[i] == "(":
                i += 1
                while i < n and text[i] != ")":
                    i += 2 if text[i] == "\\" else 1
                if i >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
                    )
                i += 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if char in _MD2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        i += 1
    if stack:
        marker, at = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MD2_NAMES[marker]} entity at byte offset {_byte_offset(text, at)}"
        )
    return "".join(out)


def _parse_markdown_legacy(text: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if char in "_*`":
            marker = "```" if text.startswith("```", i) else char
            end = text.find(marker, i + len(marker))
            if end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + len(marker) : end])
            i = end + len(marker)
            continue
        if char == "[":
            close = text.find("]", i + 1)
            if close == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + 1 : close])
            i = close + 1
            if i < n and text[i] == "(":
                end = text.find(")", i)
                i = n if end == -1 else end + 1
            continue
        out.append(char)
        i += 1
    return "".join(out)
