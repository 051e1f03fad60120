"""Messages as JSON, for messages stored in the outbox and rendered when they are sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.core.messages import Arg, Clock, Day, Msg, Named, Term, When


def arg_to_json(arg: Arg) -> Any:
    """A JSON form of an argument (only the kinds stored messages use)."""
    if isinstance(arg, Msg):
        return {
            "t": "msg",
            "id": arg.msgid,
            "args": {k: arg_to_json(v) for k, v in arg.args.items()},
        }
    if isinstance(arg, Term):
        return {"t": "term", "v": arg.text}
    if isinstance(arg, Named):
        return {"t": "named", "name": arg.name, "term": arg.term}
    if isinstance(arg, When | Clock):
        return {"t": type(arg).__name__.lower(), "v": arg.value.isoformat()}
    if isinstance(arg, Day):
        return {"t": "day", "v": arg.value.isoformat()}
    if isinstance(arg, datetime):
        return {"t": "datetime", "v": arg.isoformat()}
    if isinstance(arg, date):
        return {"t": "date", "v": arg.isoformat()}
    if isinstance(arg, bool | int | str):
        return arg
    raise TypeError(f"cannot store {type(arg).__name__}")


def arg_from_json(data: Any) -> Arg:
    """The argument stored by :func:`arg_to_json`."""
    if not isinstance(data, dict):
        return data  # type: ignore[no-any-return]
    kind = data["t"]
    if kind == "msg":
        return Msg(data["id"], {k: arg_from_json(v) for k, v in data["args"].items()})
    if kind == "term":
        return Term(data["v"])
    if kind == "named":
        return Named(data["name"], data["term"])
    if kind == "when":
        return When(datetime.fromisoformat(data["v"]))
    if kind == "clock":
        return Clock(datetime.fromisoformat(data["v"]))
    if kind == "day":
        return Day(date.fromisoformat(data["v"]))
    if kind == "datetime":
        return datetime.fromisoformat(data["v"])
    if kind == "date":
        return date.fromisoformat(data["v"])
    raise ValueError(f"unknown stored argument {kind}")
