"""The bot's one HTTP port: an ASGI app (Starlette) served by uvicorn inside the bot's own event
loop, as in python-telegram-bot's custom-webhook example. ``/health`` is always there; the web
console mounts itself beside it when ``CONSOLE_URL`` is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.runtime.health import Health

log = logging.getLogger(__name__)
START_TIMEOUT = 10.0


def health_routes(health: Health) -> list[BaseRoute]:
    """``GET /health`` (and ``HEAD``): 200 when all is well, else 503, details as JSON."""

    async def endpoint(request: Request) -> Response:
        healthy, body = await health.report()
        return JSONResponse(body, status_code=200 if healthy else 503)

    return [Route("/health", endpoint, methods=["GET", "HEAD"])]


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"status": "not found"}, status_code=404)


def web_app(routes: Sequence[BaseRoute]) -> Starlette:
    """The ASGI app of the given routes; anything else is a plain 404."""
    return Starlette(routes=list(routes), exception_handlers={404: _not_found})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The bot handles SIGTERM and SIGINT itself (graceful stop); uvicorn must not take them.
        yield


class WebServer:
    """uvicorn serving ``app`` on ``host:port`` in the running loop."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            # Open event streams (the web chat) must not hold a stop up.
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Listen; returns the port (useful with port 0 in tests)."""
        self._task = asyncio.create_task(self._server.serve())
        async with asyncio.timeout(START_TIMEOUT):
            while not self._server.started:
                if self._task.done():
                    self._task.result()  # raises why it could not start (port taken, ...)
                    raise RuntimeError("the web server stopped while starting")
                await asyncio.sleep(0.01)
        sockets = [s for server in self._server.servers for s in server.sockets]
        port: int = sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        """Stop listening and finish open requests."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        self._task = None


class HealthServer(WebServer):
    """Only ``/health`` on its port (the console adds its routes through :class:`WebServer`)."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        super().__init__(web_app(health_routes(health)), host, port)
