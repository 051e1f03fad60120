"""HTTP front end: routing, validation, faults, limits and answers.

The server is a :class:`http.server.ThreadingHTTPServer` (one thread per connection,
HTTP/1.1 keep-alive) running in a daemon thread of the test process, so its state
survives restarts of bot subprocesses.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from .constraints import check_constraints
from .faults import FaultInjector
from .limits import RateLimiter
from .methods import Ctx, dispatch
from .models import ApiError, Call
from .parsing import BodyError, parse_request
from .spec import ApiSpec
from .state import FakeState
from .waiting import pause

__all__ = ["ApiServer", "Dispatcher", "Response"]

_FAULT_ANSWERS = {
    "500": ApiError(500, "Internal Server Error"),
    "502": ApiError(502, "Bad Gateway"),
    "timeout": ApiError(504, "Gateway Timeout"),
}


@dataclass
class Response:
    """What to answer.

    Attributes:
        status: HTTP status.
        body: Body bytes; ``None`` means: close the connection without answering.
        delay: Seconds to stall before answering.
        content_type: ``Content-Type`` of the body.
    """

    status: int
    body: bytes | None
    delay: float = 0.0
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: Any, delay: float = 0.0) -> Response:
        """Build a JSON answer.

        Args:
            status: HTTP status.
            payload: JSON-serializable body.
            delay: Stall before answering.

        Returns:
            The response.
        """
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, delay)


def _chat_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


class Dispatcher:
    """Turns one HTTP request into a :class:`Response`, recording everything."""

    def __init__(
        self,
        state: FakeState,
        spec: ApiSpec,
        faults: FaultInjector,
        limits: RateLimiter,
        stop_event: threading.Event,
    ) -> None:
        """Wire the dispatcher.

        Args:
            state: The world.
            spec: The API spec.
            faults: Fault injector.
            limits: Flood-limit emulation.
            stop_event: Set when the server stops.
        """
        self.state = state
        self.spec = spec
        self.faults = faults
        self.limits = limits
        self.stop_event = stop_event

    def handle(self, verb: str, path: str, content_type: str, body: bytes) -> Response:
        """Route a request.

        Args:
            verb: ``GET`` or ``POST``.
            path: Request target including the query string.
            content_type: ``Content-Type`` header.
            body: Request body.

        Returns:
            The response.
        """
        parts = urlsplit(path)
        segments = parts.path.split("/")
        # /bot<token>/<method>
        if len(segments) == 3 and segments[1].startswith("bot"):
            token = unquote(segments[1][3:])
            return self.api_call(token, unquote(segments[2]), content_type, body, parts.query)
        # /file/bot<token>/<file_path>
        if len(segments) >= 4 and segments[1] == "file" and segments[2].startswith("bot"):
            if verb != "GET":
                return Response.json(
                    405, {"ok": False, "error_code": 405, "description": "Method Not Allowed"}
                )
            token = unquote(segments[2][3:])
            return self.download(token, unquote("/".join(segments[3:])))
        return Response.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def download(self, token: str, file_path: str) -> Response:
        """Serve a file like ``https://api.telegram.org/file/bot<token>/<file_path>``.

        Args:
            token: Token from the URL.
            file_path: ``file_path`` returned by ``getFile``.

        Returns:
            The file bytes or a 401/404 JSON answer.
        """
        if token != self.state.token:
            return Response.json(401, ApiError(401, "Unauthorized").body())
        with self.state.cond:
            for stored in self.state.files.values():
                if stored.file_path == file_path:
                    mime = stored.mime_type or "application/octet-stream"
                    return Response(200, stored.data, content_type=mime)
        return Response.json(404, ApiError(404, "Not Found").body())

    def api_call(
        self, token: str, name: str, content_type: str, body: bytes, query: str
    ) -> Response:
        """Validate and execute one Bot API call.

        Args:
            token: Token from the URL.
            name: Method name from the URL (any case).
            content_type: ``Content-Type`` header.
            body: Raw body.
            query: Raw query string.

        Returns:
            The response.
        """
        arrived = time.monotonic()
        state = self.state
        try:
            request = parse_request(content_type, body, query)
        except BodyError as exc:
            violation = f"{name}: undecodable request: {exc}"
            state.record_violations([violation])
            return self._fail(name, {}, None, arrived, ApiError(400, f"Bad Request: {exc}"))
        if token != state.token:
            error = ApiError(401, "Unauthorized")
            chat_id = _chat_id(request.params.get("chat_id"))
            return self._fail(name, request.params, chat_id, arrived, error)
        check = self.spec.validate_call(name, request.params, request.files)
        method = check.method or name
        params = check.params if check.method else dict(request.params)
        chat_id = _chat_id(params.get("chat_id", request.params.get("chat_id")))
        if check.errors:
            state.record_violations(check.errors)
            error = ApiError(400, f"Bad Request: {check.errors[0]}")
            return self._fail(method, {**request.params, **params}, chat_id, arrived, error)
        problems = check_constraints(method, params)
        if problems:
            state.record_violations([f"{method}: Bad Request: {p}" for p in problems])
            error = ApiError(400, f"Bad Request: {problems[0]}")
            return self._fail(method, params, chat_id, arrived, error)
        fault = self.faults.decide(method)
        if fault is not None:
            if fault.kind == "drop":
                self._record(method, params, chat_id, arrived, False, None, "dropped", "drop")
                return Response(0, None)
            if fault.kind == "429":
                error = ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                )
            else:
                error = _FAULT_ANSWERS[fault.kind]
            delay = fault.timeout_seconds if fault.kind == "timeout" else 0.0
            return self._fail(
                method, params, chat_id, arrived, error, fault=fault.kind, delay=delay
            )
        retry_after = self.limits.check(method, chat_id, arrived)
        if retry_after is not None:
            error = ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
            return self._fail(method, params, chat_id, arrived, error, fault="limit")
        method_spec = self.spec.methods[method]
        ctx = Ctx(state, method_spec, params, self.stop_event.is_set, check.attachments)
        try:
            with state.cond:
                result = dispatch(ctx)
        except ApiError as error:
            return self._fail(method, params, chat_id, arrived, error)
        self._record(method, params, chat_id, arrived, True, None, None, None)
        return Response.json(200, {"ok": True, "result": result})

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        chat_id: int | None,
        arrived: float,
        ok: bool,
        code: int | None,
        description: str | None,
        fault: str | None,
    ) -> None:
        self.state.record_call(Call(method, params, chat_id, arrived, ok, code, description, fault))

    def _fail(
        self,
        method: str,
        params: dict[str, Any],
        chat_id: int | None,
        arrived: float,
        error: ApiError,
        *,
        fault: str | None = None,
        delay: float = 0.0,
    ) -> Response:
        self._record(method, params, chat_id, arrived, False, error.code, error.description, fault)
        return Response.json(error.code, error.body(), delay)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
        # algorithm plus delayed ACKs add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` if the client went away in the middle of sending it
        (a bot process killed mid-request): such a request never reached the API."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                line = self.rfile.readline()
                if not line:
                    return None
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    return None
                chunks.append(chunk)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        return body if len(body) == length else None

    def _serve(self, verb: str) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        response = self.server.dispatcher.handle(
            verb, self.path, self.headers.get("Content-Type", ""), body
        )
        if response.delay > 0 and pause(response.delay, self.server.stop_event):
            self.close_connection = True
            return
        if response.body is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:
            self.close_connection = True


class ApiServer(ThreadingHTTPServer):
    """The threaded HTTP server; knows its dispatcher and open connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher) -> None:
        """Bind the server.

        Args:
            address: ``(host, port)``; port 0 picks a free port.
            dispatcher: Request dispatcher.
        """
        self.dispatcher = dispatcher
        self.stop_event = dispatcher.stop_event
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that vanish (killed bots, dropped faults); report anything else.

        Args:
            request: The client socket.
            client_address: The client's address.
        """
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        """Remember or forget an open client connection.

        Args:
            connection: The socket.
            add: ``True`` to remember, ``False`` to forget.
        """
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open keep-alive connection (used by ``stop``)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
