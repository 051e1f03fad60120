"""Plain data records shared by the fake's modules."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .parsing import UploadedFile

__all__ = ["ApiError", "Call", "StoredFile", "StoredMessage"]


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    Attributes:
        method: Canonical method name (as spelled in the spec) or the requested name if the
            method is unknown.
        params: Decoded parameters: ints, bools, dicts/lists for JSON-serialized objects and
            :class:`~tests.fakeapi.parsing.UploadedFile` for uploads.
        chat_id: The integer ``chat_id`` parameter, if any.
        at: ``time.monotonic()`` when the request arrived.
        ok: Whether the fake answered with ``"ok": true``.
        error_code: HTTP status of a failed call (``None`` for a dropped connection).
        description: Error description of a failed call, or the injected fault kind.
        fault: The injected fault kind (``"429"``, ``"500"``, ``"502"``, ``"timeout"``,
            ``"drop"``, ``"limit"``) or ``None``.
    """

    method: str
    params: dict[str, Any]
    chat_id: int | None
    at: float
    ok: bool
    error_code: int | None = None
    description: str | None = None
    fault: str | None = None

    def summary(self) -> str:
        """Return a one-line description for error messages.

        Returns:
            E.g. ``"sendMessage chat=5 ok text='Hallo'"``.
        """
        shown = {k: v for k, v in self.params.items() if k != "chat_id"}
        text = ", ".join(f"{k}={v!r}"[:80] for k, v in shown.items())
        status = "ok" if self.ok else f"FAILED {self.error_code} {self.description or ''}".strip()
        return f"{self.method} chat={self.chat_id} {status} {{{text}}}"


class ApiError(Exception):
    """An error answer of the Bot API (not necessarily a spec violation)."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        """Create an error answer.

        Args:
            code: HTTP status and ``error_code``.
            description: Telegram's description, e.g. ``"Bad Request: chat not found"``.
            parameters: Optional ``ResponseParameters`` (``retry_after``...).
        """
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send.

        Returns:
            ``{"ok": false, "error_code": ..., "description": ...}``.
        """
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    """Build a 400 error.

    Args:
        text: Text after ``"Bad Request: "``.

    Returns:
        The error.
    """
    return ApiError(400, f"Bad Request: {text}")


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or attached to an injected update).

    Attributes:
        file_id: Telegram file id.
        file_unique_id: Telegram unique file id.
        file_path: Path under ``/file/bot<token>/``.
        data: File contents.
        filename: Original name, if any.
        mime_type: MIME type, if known.
    """

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class StoredMessage:
    """A message in a chat's history.

    Attributes:
        data: The Telegram ``Message`` object as returned by the API.
        outgoing: ``True`` for messages the bot sent.
        method: The API method that created it (``"update"`` for injected ones).
        reply_markup: The markup as sent (any kind; ``data`` only keeps inline keyboards).
        edited: Whether it was edited.
        deleted: Whether it was deleted.
        upload: The uploaded file for ``sendDocument`` and friends.
        history: Earlier versions of ``data`` (before each edit).
        raw_text: Text as sent (with markup) for text messages.
        parse_mode: ``parse_mode`` the text was sent with.
    """

    data: dict[str, Any]
    outgoing: bool
    method: str
    reply_markup: Any = None
    edited: bool = False
    deleted: bool = False
    upload: UploadedFile | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    raw_text: str | None = None
    parse_mode: str | None = None

    def view(self) -> dict[str, Any]:
        """Return the flat dict handed to tests.

        Returns:
            A deep copy of the ``Message`` plus ``text`` (``None`` if the message has no
            text), ``raw_text`` (text as sent, with markup), ``reply_markup`` (as sent),
            ``edited``, ``deleted``, ``method`` and, for uploads, ``upload`` (an
            ``UploadedFile``).
        """
        view = copy.deepcopy(self.data)
        view.setdefault("text", None)
        view["raw_text"] = self.raw_text if self.raw_text is not None else view["text"]
        view["reply_markup"] = copy.deepcopy(self.reply_markup)
        view["edited"] = self.edited
        view["deleted"] = self.deleted
        view["method"] = self.method
        if self.upload is not None:
            view["upload"] = self.upload
        return view
