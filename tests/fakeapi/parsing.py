"""Decoding of HTTP request bodies into Bot API parameters.

Telegram accepts parameters as a query string, ``application/x-www-form-urlencoded``,
``application/json`` or ``multipart/form-data``. python-telegram-bot 22.8 sends
``application/x-www-form-urlencoded`` for calls without files and ``multipart/form-data``
for uploads. In both cases every value is a *string*: strings are sent verbatim,
everything else (ints, bools, nested objects, lists) is ``json.dumps``-ed first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["BodyError", "ParsedRequest", "UploadedFile", "parse_request"]


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a ``multipart/form-data`` request.

    Attributes:
        field: Name of the multipart part (a method field or an ``attach://`` name).
        filename: File name sent by the client.
        content_type: MIME type sent by the client.
        data: The raw bytes.
    """

    field: str
    filename: str
    content_type: str
    data: bytes

    def describe(self) -> dict[str, Any]:
        """Return a JSON-friendly summary (without the bytes).

        Returns:
            A dict with the field, file name, content type and size.
        """
        return {
            "field": self.field,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
        }


@dataclass
class ParsedRequest:
    """Parameters and files of one request.

    Attributes:
        params: Field name to value; values from forms and query strings are strings,
            values from JSON bodies keep their JSON type.
        files: Multipart file parts by part name.
    """

    params: dict[str, Any]
    files: dict[str, UploadedFile]


class BodyError(ValueError):
    """The request body could not be decoded."""


def parse_request(content_type: str, body: bytes, query: str) -> ParsedRequest:
    """Decode query string and body of a request.

    Args:
        content_type: The ``Content-Type`` header (may be empty).
        body: The raw request body.
        query: The raw query string (without ``?``).

    Returns:
        The merged parameters (body wins over query string) and uploaded files.

    Raises:
        BodyError: If the body cannot be decoded.
    """
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    files: dict[str, UploadedFile] = {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return ParsedRequest(params, files)
    if mime == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BodyError(f"can't parse JSON body: {exc}") from exc
        if not isinstance(decoded, dict):
            raise BodyError("JSON body must be an object")
        params.update(decoded)
    elif mime == "multipart/form-data":
        form, files = _parse_multipart(content_type, body)
        params.update(form)
    else:
        # Telegram treats an unknown content type like a url-encoded form.
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyError(f"body is not UTF-8: {exc}") from exc
        params.update(parse_qsl(text, keep_blank_values=True))
    return ParsedRequest(params, files)


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart body into text fields and file parts.

    Args:
        content_type: The full ``Content-Type`` header including the boundary.
        body: The raw body.

    Returns:
        Text fields and file parts.

    Raises:
        BodyError: If the body is not valid multipart data.
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BodyError("multipart body without parts")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    parts = message.get_payload()
    if not isinstance(parts, list):
        raise BodyError("multipart body without parts")
    for part in parts:
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise BodyError("multipart part without a name")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedFile(
                field=name,
                filename=filename,
                content_type=part.get_content_type(),
                data=data,
            )
        else:
            charset = part.get_content_charset() or "utf-8"
            try:
                fields[name] = data.decode(charset)
            except (LookupError, UnicodeDecodeError) as exc:
                raise BodyError(f"can't decode part {name!r}: {exc}") from exc
    return fields, files
