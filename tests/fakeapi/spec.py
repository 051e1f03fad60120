"""Loading of the Bot API spec (``api.min.json``) and validation of calls and objects.

Two levels of checking exist:

* :meth:`ApiSpec.validate_call` checks the *top-level* parameters of a method call the way
  the Bot API server receives them: form values are strings, so ``"42"`` is a valid
  ``Integer``, ``"true"`` a valid ``Boolean`` and nested objects arrive as JSON text.
* :meth:`ApiSpec.validate_value` checks a decoded JSON value against a type expression
  strictly (``Integer`` must be an ``int``, objects must not carry unknown fields). It is
  used for nested objects of calls and to check the fake's own answers.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .parsing import UploadedFile

__all__ = [
    "SPEC_ENV_VAR",
    "ApiSpec",
    "CallCheck",
    "FieldSpec",
    "MethodSpec",
    "TypeSpec",
    "default_spec_path",
    "load_spec",
]

SPEC_ENV_VAR = "TELEGRAM_API_SPEC"
_PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "String"})
_INT_RE = re.compile(r"[+-]?\d+")
_ARRAY = "Array of "


@dataclass(frozen=True)
class FieldSpec:
    """One field of a method or type.

    Attributes:
        name: Field name.
        types: Accepted type expressions, e.g. ``("Integer", "String")``.
        required: Whether the field is mandatory.
    """

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method.

    Attributes:
        name: Canonical (camelCase) name.
        fields: Parameters by name.
        returns: Return type expressions.
    """

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    """A Bot API type.

    Attributes:
        name: Type name.
        fields: Fields by name (empty for abstract or placeholder types).
        subtypes: Concrete subtypes of an abstract type (e.g. ``BotCommandScope``).
    """

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]


@dataclass
class CallCheck:
    """Outcome of validating one call.

    Attributes:
        method: Canonical method name, or ``None`` if the method does not exist.
        params: Decoded parameters (ints, bools, dicts, lists, :class:`UploadedFile`).
        errors: Human-readable violations; empty if the call is valid.
        attachments: Multipart parts that are not fields (``attach://`` targets).
    """

    method: str | None
    params: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    attachments: dict[str, UploadedFile] = field(default_factory=dict)


def default_spec_path() -> Path:
    """Locate ``api.min.json``.

    Returns:
        ``$TELEGRAM_API_SPEC`` if set, else the copy vendored beside this module
        (``bot_api/api.min.json``, see its README for the version and how to refresh it).
    """
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "bot_api" / "api.min.json"


_CACHE: dict[Path, ApiSpec] = {}
_CACHE_LOCK = threading.Lock()


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load (and cache) a spec file.

    Args:
        path: Path to ``api.min.json``; ``None`` means :func:`default_spec_path`.

    Returns:
        The parsed spec.
    """
    resolved = Path(path) if path is not None else default_spec_path()
    resolved = resolved.resolve()
    with _CACHE_LOCK:
        spec = _CACHE.get(resolved)
        if spec is None:
            spec = ApiSpec.from_json(json.loads(resolved.read_text(encoding="utf-8")))
            _CACHE[resolved] = spec
        return spec


def _fields(raw: list[dict[str, Any]] | None) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"])) for f in raw or []
    }


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ApiSpec:
    """The Bot API as data, with validators."""

    def __init__(
        self, version: str, methods: dict[str, MethodSpec], types: dict[str, TypeSpec]
    ) -> None:
        """Create a spec from already parsed parts.

        Args:
            version: Version string, e.g. ``"Bot API 10.1"``.
            methods: Methods by canonical name.
            types: Types by name.
        """
        self.version = version
        self.methods = methods
        self.types = types
        self._by_lower = {name.lower(): spec for name, spec in methods.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiSpec:
        """Build a spec from the decoded ``api.min.json``.

        Args:
            data: The decoded JSON document.

        Returns:
            The spec.
        """
        methods = {
            name: MethodSpec(name, _fields(m.get("fields")), tuple(m.get("returns", [])))
            for name, m in data["methods"].items()
        }
        types = {
            name: TypeSpec(name, _fields(t.get("fields")), tuple(t.get("subtypes", [])))
            for name, t in data["types"].items()
        }
        return cls(str(data.get("version", "")), methods, types)

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, like Telegram does.

        Args:
            name: Method name as requested.

        Returns:
            The method spec or ``None``.
        """
        return self._by_lower.get(name.lower())

    # ------------------------------------------------------------------ calls

    def validate_call(
        self, name: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> CallCheck:
        """Validate and decode the parameters of one request.

        Args:
            name: Method name as requested (any case).
            params: Raw parameters (strings from forms, JSON values from JSON bodies).
            files: Multipart file parts.

        Returns:
            The decoded parameters and a list of violations.
        """
        method = self.method(name)
        if method is None:
            return CallCheck(None, dict(params), [f"unknown method {name!r}"])
        check = CallCheck(method.name)
        for key, upload in files.items():
            if key not in method.fields:
                check.attachments[key] = upload
        for key, raw in params.items():
            spec = method.fields.get(key)
            if spec is None:
                check.errors.append(f"{method.name}: unknown field {key!r}")
                continue
            if raw is None:
                continue
            value, errors = self._coerce_param(spec, raw, check.attachments)
            if errors:
                check.errors.append(
                    f"{method.name}: field {key!r} has invalid value {_short(raw)}: expected "
                    f"{' or '.join(spec.types)}" + (f" ({'; '.join(errors[:3])})" if errors else "")
                )
            else:
                check.params[key] = value
        for key, upload in files.items():
            spec = method.fields.get(key)
            if spec is None:
                continue
            if "InputFile" not in spec.types:
                check.errors.append(f"{method.name}: field {key!r} does not accept a file upload")
            else:
                check.params[key] = upload
        for spec in method.fields.values():
            if spec.required and spec.name not in params and spec.name not in files:
                check.errors.append(f"{method.name}: missing required field {spec.name!r}")
        return check

    def _coerce_param(
        self, spec: FieldSpec, raw: Any, attachments: dict[str, UploadedFile]
    ) -> tuple[Any, list[str]]:
        """Convert one top-level parameter, trying each accepted type (``String`` last)."""
        ordered = sorted(spec.types, key=lambda t: t == "String")
        best: list[str] | None = None
        for type_expr in ordered:
            ok, value, errors = self._coerce_top(type_expr, raw, attachments)
            if ok:
                return value, []
            if errors and (best is None or len(errors) < len(best)):
                best = errors
        return None, best or [f"value {_short(raw)} matches none of the accepted types"]

    def _coerce_top(
        self, type_expr: str, raw: Any, attachments: dict[str, UploadedFile]
    ) -> tuple[bool, Any, list[str]]:
        if type_expr == "Integer":
            if isinstance(raw, str) and _INT_RE.fullmatch(raw.strip()):
                return True, int(raw), []
            if isinstance(raw, int) and not isinstance(raw, bool):
                return True, raw, []
            return False, None, []
        if type_expr == "Float":
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return True, float(raw), []
            if isinstance(raw, str):
                try:
                    number = float(raw)
                except ValueError:
                    return False, None, []
                if math.isfinite(number):
                    return True, number, []
            return False, None, []
        if type_expr == "Boolean":
            if isinstance(raw, bool):
                return True, raw, []
            if isinstance(raw, str) and raw.strip().lower() in {"true", "false", "1", "0"}:
                return True, raw.strip().lower() in {"true", "1"}, []
            return False, None, []
        if type_expr == "String":
            if isinstance(raw, str):
                return True, raw, []
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                # Telegram converts top-level JSON numbers to their text.
                return True, json.dumps(raw), []
            return False, None, []
        if type_expr == "InputFile":
            if isinstance(raw, str) and raw.startswith("attach://"):
                name = raw[len("attach://") :]
                if name in attachments:
                    return True, attachments[name], []
                return False, None, [f"no file part named {name!r} for {raw!r}"]
            return False, None, []
        # Arrays and objects: JSON text (forms) or already decoded JSON (JSON bodies).
        value = raw
        if isinstance(raw, str):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                return False, None, [f"can't parse {type_expr} JSON {_short(raw)}"]
        errors = self.validate_value(type_expr, value)
        return (not errors), value, errors

    # ---------------------------------------------------------------- objects

    def validate_value(self, type_expr: str, value: Any, path: str = "$") -> list[str]:
        """Strictly validate a decoded JSON value against a type expression.

        Args:
            type_expr: E.g. ``"Message"``, ``"Array of Array of InlineKeyboardButton"``,
                ``"Integer"``.
            value: The decoded JSON value.
            path: Location used in error messages.

        Returns:
            A list of problems; empty if the value conforms.
        """
        if type_expr.startswith(_ARRAY):
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}, got {type(value).__name__}"]
            inner = type_expr[len(_ARRAY) :]
            errors: list[str] = []
            for index, item in enumerate(value):
                errors.extend(self.validate_value(inner, item, f"{path}[{index}]"))
            return errors
        if type_expr in _PRIMITIVES:
            return self._check_primitive(type_expr, value, path)
        if type_expr == "InputFile":
            if isinstance(value, str):
                return []
            return [f"{path}: expected an attach:// reference, got {_short(value)}"]
        spec = self.types.get(type_expr)
        if spec is None:
            return [f"{path}: unknown type {type_expr!r}"]
        if spec.subtypes:
            best: list[str] | None = None
            for sub in spec.subtypes:
                errors = self.validate_value(sub, value, path)
                if not errors:
                    return []
                if best is None or len(errors) < len(best):
                    best = errors
            return [f"{path}: matches no subtype of {type_expr}", *(best or [])]
        if not isinstance(value, dict):
            return [f"{path}: expected {type_expr} object, got {_short(value)}"]
        if not spec.fields:
            return []  # placeholder types such as CallbackGame
        errors = []
        for key, item in value.items():
            field_spec = spec.fields.get(key)
            if field_spec is None:
                errors.append(f"{path}: unknown field {key!r} in {type_expr}")
                continue
            errors.extend(self._check_union(field_spec.types, item, f"{path}.{key}"))
        for field_spec in spec.fields.values():
            if field_spec.required and field_spec.name not in value:
                errors.append(f"{path}: {type_expr} lacks required field {field_spec.name!r}")
        return errors

    def _check_union(self, types: tuple[str, ...], value: Any, path: str) -> list[str]:
        best: list[str] | None = None
        for type_expr in types:
            errors = self.validate_value(type_expr, value, path)
            if not errors:
                return []
            if best is None or len(errors) < len(best):
                best = errors
        return best or []

    @staticmethod
    def _check_primitive(type_expr: str, value: Any, path: str) -> list[str]:
        ok: bool
        if type_expr == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif type_expr == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif type_expr == "Boolean":
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, str)
        return [] if ok else [f"{path}: expected {type_expr}, got {_short(value)}"]
