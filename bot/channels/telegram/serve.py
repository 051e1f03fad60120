"""Running the bot as a service: polling or webhook, the health endpoint, graceful stop.

The bot's one HTTP port (``HEALTH_PORT``) serves Telegram's webhook (with ``WEBHOOK_URL``),
``/health``, the web console (with ``CONSOLE_URL``) and the web chat (with ``WEB_CHAT=on``).

On SIGTERM or SIGINT the bot stops taking updates, finishes the ones in hand, gives the
outbox one last run, closes the database and exits, all within ``STOP_BUDGET`` seconds.
What does not finish in time is safe anyway: conversation state is saved per update and
later messages wait in the outbox.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.app.conversation import Wegweiser
from bot.app.transcript import Transcript
from bot.channels.console.web import console_routes
from bot.channels.telegram.app import build_application, stop_dispatcher
from bot.channels.telegram.context import App
from bot.channels.web.chat import WebChat
from bot.channels.web.hub import Hub
from bot.channels.web.transport import web_port
from bot.delivery.dispatcher import Dispatcher
from bot.runtime.config import Settings
from bot.runtime.health import Health
from bot.runtime.web import WebServer, health_routes, web_app
from bot.storage.db import Database

log = logging.getLogger(__name__)
STOP_BUDGET = 9.0
FLUSH_BUDGET = 3.0


def webhook_path(url: str) -> str:
    """The path Telegram posts to, from ``WEBHOOK_URL`` ("" for the root)."""
    return urlparse(url).path.strip("/")


def webhook_routes(application: App, settings: Settings) -> list[BaseRoute]:
    """``POST /<path of WEBHOOK_URL>``: Telegram's updates, into the application's queue, as in
    python-telegram-bot's custom-webhook example. A request without the secret-token header
    gets 403 and is not read further."""
    secret = settings.webhook_secret or ""

    async def endpoint(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    path = webhook_path(settings.webhook_url or "")
    return [Route(f"/{path}", endpoint, methods=["POST"])]


async def start(application: App, settings: Settings) -> None:
    """Initialise and start ``application``, then take updates by webhook or polling."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    updater = application.updater
    assert updater is not None
    if settings.webhook_url:
        # The updates arrive at the bot's own web server (webhook_routes).
        await application.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("taking updates by webhook", extra={"event": "start"})
    else:
        await updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("taking updates by long polling", extra={"event": "start"})


async def stop(application: App) -> None:
    """Stop taking updates, finish those in hand, flush the outbox once, close everything."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()  # waits for queued updates and running jobs
    await stop_dispatcher(application)
    dispatcher: Dispatcher = application.bot_data.dispatcher
    try:
        async with asyncio.timeout(FLUSH_BUDGET):
            await dispatcher.run_once()
    except Exception as exc:  # the rows stay in the outbox for the next start
        log.warning("last outbox run did not finish: %s", type(exc).__name__)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def assemble(settings: Settings, core: Wegweiser) -> tuple[App, WebChat | None]:
    """The Application and, with ``WEB_CHAT=on``, the web chat: one outbox dispatcher delivers
    for both (web users' cases go to the same counsellors' group)."""
    if not settings.web_chat:
        return build_application(settings, core), None
    hub = Hub()
    port = web_port(Transcript(core.db, core.clock), hub)
    application = build_application(settings, core, others=[port])
    chat = WebChat(
        core, hub, origins=settings.web_chat_origins, wake=application.bot_data.dispatcher.wake
    )
    return application, chat


async def serve(settings: Settings, stopping: asyncio.Event | None = None) -> None:
    """Run until ``stopping`` is set or a stop signal arrives."""
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    core = Wegweiser(settings, Database(settings.database_url))
    application, chat = assemble(settings, core)
    health_server = None
    if settings.health_port:
        # One port for the webhook, /health, the console and the web chat: one ASGI app.
        dispatcher: Dispatcher = application.bot_data.dispatcher
        routes = health_routes(Health(core.db, dispatcher, core.clock))
        if settings.console_url:
            routes += console_routes(core)
        if chat is not None:
            routes += chat.routes()
        if settings.webhook_url:
            routes += webhook_routes(application, settings)
        health_server = WebServer(web_app(routes), settings.webhook_listen, settings.health_port)
        await health_server.start()
    try:
        await start(application, settings)
        await stopping.wait()
        log.info("stopping", extra={"event": "stop"})
        try:
            async with asyncio.timeout(STOP_BUDGET):
                await stop(application)
        except TimeoutError:
            log.warning("stop took longer than %.0f s; exiting anyway", STOP_BUDGET)
    finally:
        if chat is not None:
            chat.close()
        if health_server is not None:
            await health_server.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("stopped", extra={"event": "stop"})


def run(settings: Settings) -> None:
    """Blocking entry point of ``python -m bot run``."""
    asyncio.run(serve(settings))
