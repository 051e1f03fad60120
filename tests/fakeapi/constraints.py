"""Documented value limits of the Bot API that the JSON spec cannot express.

Breaking one of them is a bug in the bot (real Telegram refuses the call), so the fake
answers ``400`` with Telegram's description *and* records a violation.
"""

from __future__ import annotations

import re
from typing import Any

from .formatting import EntityParseError, plain_text

__all__ = ["CHAT_ACTIONS", "check_constraints"]

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_TEXT_LIMITS = {
    "setmydescription": ("description", 512, "BOT_DESCRIPTION_INVALID"),
    "setmyshortdescription": ("short_description", 120, "BOT_SHORT_DESCRIPTION_INVALID"),
    "setmyname": ("name", 64, "BOT_NAME_INVALID"),
}


def _text_problem(text: Any, parse_mode: Any, limit: int, *, caption: bool) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        plain = plain_text(text, parse_mode if isinstance(parse_mode, str) else None)
    except EntityParseError as exc:
        return f"can't parse entities: {exc}"
    if not caption and not plain.strip():
        return "message text is empty"
    if len(plain) > limit:
        return "message caption is too long" if caption else "message is too long"
    return None


def _keyboard_problem(markup: Any) -> str | None:
    if not isinstance(markup, dict):
        return None
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        return None
    for row in rows:
        if not isinstance(row, list):
            continue
        for button in row:
            if not isinstance(button, dict):
                continue
            if not any(key in button for key in _BUTTON_ACTIONS):
                return (
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= 64:
                return "BUTTON_DATA_INVALID"
            if not str(button.get("text", "")).strip():
                return "BUTTON_TEXT_INVALID"
    return None


def check_constraints(method: str, params: dict[str, Any]) -> list[str]:
    """Check documented limits of one call.

    Args:
        method: Canonical method name.
        params: Decoded parameters (already spec-valid).

    Returns:
        Telegram descriptions without the ``"Bad Request: "`` prefix; empty if fine.
    """
    problems: list[str] = []
    lowered = method.lower()
    if lowered in {"sendmessage", "editmessagetext"} and "text" in params:
        problem = _text_problem(params["text"], params.get("parse_mode"), 4096, caption=False)
        if problem:
            problems.append(problem)
    if "caption" in params:
        problem = _text_problem(params["caption"], params.get("parse_mode"), 1024, caption=True)
        if problem:
            problems.append(problem)
    if "reply_markup" in params:
        problem = _keyboard_problem(params["reply_markup"])
        if problem:
            problems.append(problem)
    if lowered == "answercallbackquery" and len(str(params.get("text", ""))) > 200:
        problems.append("MESSAGE_TOO_LONG")
    if lowered == "sendchataction" and params.get("action") not in CHAT_ACTIONS:
        problems.append("wrong parameter action in request")
    if lowered == "setmycommands":
        commands = params.get("commands")
        if isinstance(commands, list):
            if len(commands) > 100:
                problems.append("BOT_COMMANDS_TOO_MUCH")
            for command in commands:
                if not isinstance(command, dict):
                    continue
                if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                    problems.append("BOT_COMMAND_INVALID")
                    break
                if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                    problems.append("BOT_COMMAND_DESCRIPTION_INVALID")
                    break
    if lowered in _TEXT_LIMITS:
        key, limit, error = _TEXT_LIMITS[lowered]
        if len(str(params.get(key, ""))) > limit:
            problems.append(error)
    if (
        lowered in {"createforumtopic", "editforumtopic"}
        and "name" in params
        and not 1 <= len(str(params["name"])) <= 128
    ):
        problems.append("TOPIC_NAME_INVALID")
    return problems
