"""The web chat's routes: the page, the widget script, and a small JSON API.

- ``GET  /chat/``: the page (``?embed=1``: without its header, for the widget's frame);
- ``GET  /chat/widget.js``: one ``<script>`` tag on the city's site opens the chat in a frame;
- ``GET  /chat/api/messages?after=N``: the conversation so far (a new visitor: the first step);
- ``POST /chat/api/send``: ``{"text": …}`` or ``{"press": <button data>, "label": …}``;
- ``GET  /chat/api/events``: Server-Sent Events with every new message (reminders, a
  counsellor's reply, the reader's other tabs); pages without EventSource poll ``messages``;
- ``GET  /chat/api/file/N``: a file the reader was given (calendar entry, /mydata).

Posts must come from the bot's own origin (the widget's frame is the bot's page) with a JSON
body; sites that may embed the frame are ``WEB_CHAT_ORIGINS`` (Content-Security-Policy).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route

from bot.app.conversation import Answer, Wegweiser
from bot.app.transcript import Transcript
from bot.channels.web import texts
from bot.channels.web.hub import Hub
from bot.channels.web.render import MAX_LABEL, as_json, reply_entry, unsaved_json, user_entry
from bot.channels.web.session import COOKIE, new_token, preferred_language, reader, valid
from bot.core import buttons
from bot.core.actions import CheckinReply, StopCourse, StopNews
from bot.core.address import Address
from bot.core.events import CheckinIn, ChoiceIn, CommandIn, Event, InvalidChoiceIn, TextIn
from bot.core.messages import Msg, Term
from bot.core.notices import COMMANDS, SLOW_DOWN, SORRY, STOPPED, TAGLINE
from bot.i18n.catalogs import RTL_LANGUAGES
from bot.runtime.flood import FloodGuard, Verdict
from bot.storage.transcripts import NewEntry

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STATIC = {
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
}
MAX_TEXT = 4096  # as on Telegram: the FAQ and the counsellors see the same
MAX_BODY = 32 * 1024
STREAM_SECONDS = 600.0  # a stream ends now and then; EventSource reconnects by itself
COOKIE_DAYS = 180
# Per IP, several sessions' worth (a family, an office, a counselling centre's wifi).
IP_FACTOR = 5


class WebChat:
    """The web chat of one running bot."""

    def __init__(
        self,
        core: Wegweiser,
        hub: Hub,
        *,
        base: str = "/chat",
        origins: tuple[str, ...] = (),
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.core, self.hub, self.base, self.origins, self.wake = core, hub, base, origins, wake
        self.transcript = Transcript(core.db, core.clock)
        settings = core.settings
        self.per_session = FloodGuard(settings.flood_messages, settings.flood_seconds, clock)
        self.per_ip = FloodGuard(settings.flood_messages * IP_FACTOR, settings.flood_seconds, clock)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.closing = asyncio.Event()
        self._ui: dict[str, dict[str, Any]] = {}
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
        )
        ancestors = " ".join(("'self'", *origins))
        self.headers = {
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                f"connect-src 'self'; base-uri 'none'; form-action 'self'; "
                f"frame-ancestors {ancestors}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }

    def routes(self) -> list[BaseRoute]:
        """The routes under ``base``."""
        b = self.base
        return [
            Route(b, lambda _r: RedirectResponse(f"{b}/", status_code=307)),
            Route(f"{b}/", self._when_ready(self.page)),
            Route(f"{b}/widget.js", self.static_widget),
            Route(f"{b}/static/{{name}}", self.static),
            Route(f"{b}/api/messages", self._when_ready(self.messages)),
            Route(f"{b}/api/send", self._when_ready(self.send), methods=["POST"]),
            Route(f"{b}/api/events", self.events),
            Route(f"{b}/api/file/{{entry:int}}", self.file),
        ]

    def _when_ready(
        self, endpoint: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """While the bot starts (content not loaded yet): 503, try again in a moment."""

        async def guarded(request: Request) -> Response:
            if not self.core.loaded:
                return JSONResponse(
                    {"status": "starting"}, status_code=503, headers={"Retry-After": "2"}
                )
            return await endpoint(request)

        return guarded

    # The session and the language.

    def _token(self, request: Request) -> tuple[str, bool]:
        token = request.cookies.get(COOKIE)
        if valid(token):
            assert token is not None
            return token, False
        return new_token(), True

    def _keep(self, response: Response, request: Request, token: str) -> Response:
        """Set (or renew) the session cookie."""
        secure = request.url.scheme == "https" or (
            request.headers.get("x-forwarded-proto") == "https"
        )
        embedded = bool(self.origins)
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_DAYS * 86400,
            path=self.base,
            httponly=True,
            secure=secure or embedded,
            # In another site's frame the cookie is a third-party one: partitioned by that site.
            samesite="none" if embedded else "lax",
        )
        if embedded:
            cookie = response.headers.getlist("set-cookie")[-1]
            del response.headers["set-cookie"]
            response.headers.append("set-cookie", f"{cookie}; Partitioned")
        return response

    @staticmethod
    def _preferred(request: Request) -> str | None:
        return preferred_language(request.headers.get("accept-language"))

    def ui(self, lang: str) -> dict[str, Any]:
        """The page's own words in ``lang`` (worked out once per language)."""
        words = self._ui.get(lang)
        if words is None:
            words = self._ui[lang] = self._words(lang)
        return words

    def _words(self, lang: str) -> dict[str, Any]:
        t = self.core.text
        city = self.core.content.name
        return {
            "lang": lang,
            "dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "tagline": t(Msg(TAGLINE, {"city": Msg(city)}), lang),
            "message": t(Msg(texts.MESSAGE_LABEL), lang),
            "send": t(Msg(texts.SEND), lang),
            "menu": t(Msg(texts.MENU), lang),
            "you": t(Msg(texts.YOU), lang),
            "download": t(Msg(texts.DOWNLOAD, {"file": Term("{file}")}), lang),
            "offline": t(Msg(texts.OFFLINE), lang),
            "too_long": t(Msg(texts.TOO_LONG, {"limit": MAX_TEXT}), lang),
            "needs_script": t(Msg(texts.NEEDS_SCRIPT), lang),
            "commands": [[f"/{name}", t(Msg(label), lang)] for name, label in COMMANDS],
        }

    # Pages and files.

    async def page(self, request: Request) -> Response:
        token, fresh = self._token(request)
        preferred = self._preferred(request)
        if fresh:  # a new session: no one to look up
            lang = preferred or self.core.settings.default_language
        else:
            lang = await self.core.language_of(reader(token), preferred)
        html = self.env.get_template("chat.html").render(
            ui=self.ui(lang),
            base=self.base,
            max_text=MAX_TEXT,
            embed=request.query_params.get("embed") == "1",
        )
        response = HTMLResponse(html, headers=self.headers)
        return self._keep(response, request, token) if fresh else response

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response(status_code=404)
        return FileResponse(
            HERE / "static" / name,
            media_type=STATIC[name],
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    async def static_widget(self, request: Request) -> Response:
        request.path_params["name"] = "widget.js"
        response = await self.static(request)
        # The city's page loads it: any site may read the script (it holds nothing secret).
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    async def file(self, request: Request) -> Response:
        token, _fresh = self._token(request)
        found = await self.transcript.file(reader(token), request.path_params["entry"])
        if found is None:
            return JSONResponse({"status": "not found"}, status_code=404)
        name, data = found
        kind = "text/calendar" if name.endswith(".ics") else "application/json"
        disposition = f'attachment; filename="{name}"'
        return Response(
            data, media_type=kind, headers={**self.headers, "Content-Disposition": disposition}
        )

    # The API.

    async def messages(self, request: Request) -> Response:
        token, fresh = self._token(request)
        address = reader(token)
        preferred = self._preferred(request)
        after = _int(request.query_params.get("after"))
        entries = [as_json(e) for e in await self.transcript.since(address, after)]
        prompt: list[dict[str, Any]] = []
        if after == 0 and not entries:
            # A new visitor (or one whose conversation was erased): the first step, not kept.
            answer = await self.core.current(address, client_language=preferred)
            prompt = _unsaved(answer)
            lang = answer.lang
        else:
            lang = await self.core.language_of(address, preferred)
        body = {"ui": self.ui(lang), "messages": entries, "prompt": prompt}
        response = JSONResponse(body, headers=self.headers)
        return self._keep(response, request, token) if fresh else response

    async def send(self, request: Request) -> Response:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"status": "too large"}, status_code=413)
        try:
            posted = json.loads(raw)
        except ValueError:
            return JSONResponse({"status": "bad json"}, status_code=400)
        if not isinstance(posted, dict):
            return JSONResponse({"status": "bad json"}, status_code=400)
        token, fresh = self._token(request)
        address = reader(token)
        preferred = self._preferred(request)
        host = request.client.host if request.client else "?"
        verdicts = (self.per_ip.check(host), self.per_session.check(address.id))
        if any(verdict is not Verdict.OK for verdict in verdicts):
            lang = await self.core.language_of(address, preferred)
            notice = _notice(self.core.text(Msg(SLOW_DOWN), lang))
            return self._reply(request, token, fresh, lang, [notice], retry=True, status=429)
        body = await self._apply(address, posted, preferred)
        if body is None:
            return JSONResponse({"status": "nothing to send"}, status_code=400)
        lang, shown, retry, erased = body
        if erased:
            # The reader is gone: a new session from now on (the old cookie leads nowhere).
            token, fresh = new_token(), True
        return self._reply(request, token, fresh, lang, shown, retry=retry)

    def _reply(
        self,
        request: Request,
        token: str,
        fresh: bool,
        lang: str,
        shown: list[dict[str, Any]],
        *,
        retry: bool = False,
        status: int = 200,
    ) -> Response:
        body = {"ui": self.ui(lang), "messages": shown, "retry": retry}
        response = JSONResponse(body, status_code=status, headers=self.headers)
        return self._keep(response, request, token) if fresh else response

    async def _apply(
        self, address: Address, posted: dict[str, Any], preferred: str | None
    ) -> tuple[str, list[dict[str, Any]], bool, bool] | None:
        """Hand the post to the bot; returns (language, messages shown, retry?, erased?)."""
        text, pressed = posted.get("text"), posted.get("press")
        if isinstance(text, str):
            text = text.replace("\x00", "").strip()
            if not text:
                return None
            if len(text) > MAX_TEXT:
                lang = await self.core.language_of(address, preferred)
                too_long = self.core.text(Msg(texts.TOO_LONG, {"limit": MAX_TEXT}), lang)
                return lang, [_notice(too_long)], True, False
            said, event = text, _typed(text)
        elif isinstance(pressed, str):
            label = posted.get("label")
            said = label[:MAX_LABEL] if isinstance(label, str) and label.strip() else "…"
            action = buttons.read(pressed)
            if isinstance(action, StopCourse | StopNews):
                lang = await self.core.stop_following(address, action)
                stopped = self.core.text(Msg(STOPPED), lang)
                await self.transcript.append(address, [user_entry(said), _stored(stopped)])
                self.hub.notify(address.id)
                return lang, [_notice(stopped)], False, False
            event = (
                CheckinIn(action.checkin_id, action.answer)
                if isinstance(action, CheckinReply)
                else action
                if isinstance(action, ChoiceIn)
                else InvalidChoiceIn()
            )
        else:
            return None
        lock = self._locks.get(address.id)
        if lock is None:
            lock = self._locks[address.id] = asyncio.Lock()

        def keep(answer: Answer) -> list[NewEntry]:
            return [user_entry(said), *(reply_entry(r, answer.version) for r in answer.replies)]

        async with lock:  # one session's messages in order, also from two tabs
            try:
                answer = await self.core.handle(
                    address, event, client_language=preferred, keep=keep
                )
            except Exception:
                # Nothing was saved (the transaction rolled back); the page keeps the text.
                log.warning("web chat update failed", exc_info=True)
                lang = await self.core.language_of(address, preferred)
                return lang, [_notice(self.core.text(Msg(SORRY), lang))], True, False
        if answer.queued:
            self.wake()
        if not answer.kept:  # erased just now: shown once, kept nowhere
            return answer.lang, _unsaved(answer), False, answer.erased
        self.hub.notify(address.id)
        return answer.lang, [as_json(e) for e in answer.kept], False, answer.erased

    def _refuse(self, request: Request) -> Response | None:
        """A post from another site, or not JSON: refused before it is read."""
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin is None or urlparse(origin).netloc != host:
            return JSONResponse({"status": "wrong origin"}, status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"status": "json only"}, status_code=415)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return JSONResponse({"status": "too large"}, status_code=413)
        return None

    async def events(self, request: Request) -> Response:
        token, _fresh = self._token(request)
        address = reader(token)
        last = _int(request.headers.get("last-event-id") or request.query_params.get("after"))
        return StreamingResponse(
            self._stream(address, last),
            media_type="text/event-stream",
            headers={**self.headers, "X-Accel-Buffering": "no"},
        )

    async def _stream(self, address: Address, last: int) -> AsyncIterator[str]:
        ends = time.monotonic() + STREAM_SECONDS
        yield "retry: 3000\n\n"
        with self.hub.listen(address.id) as news:
            while not self.closing.is_set() and time.monotonic() < ends:
                news.clear()
                for entry in await self.transcript.since(address, last):
                    last = entry.id
                    yield f"id: {entry.id}\ndata: {json.dumps(as_json(entry))}\n\n"
                closing = asyncio.ensure_future(self.closing.wait())
                woken = asyncio.ensure_future(news.wait())
                done, pending = await asyncio.wait(
                    {closing, woken}, timeout=Hub.POLL, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    task.cancel()
                if not done:
                    yield ": still here\n\n"

    def close(self) -> None:
        """End the open streams (the server stops)."""
        self.closing.set()


def _int(raw: str | None) -> int:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) < 18 else 0


def _typed(text: str) -> Event:
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        word, _, args = text[1:].partition(" ")
        return CommandIn(name=word.lower(), args=args.strip())
    return TextIn(text)


def _notice(text: str) -> dict[str, Any]:
    """A notice about this very post, shown once and not kept."""
    return unsaved_json(_stored(text))


def _stored(text: str) -> NewEntry:
    return NewEntry("bot", {"body": text})


def _unsaved(answer: Answer) -> list[dict[str, Any]]:
    return [unsaved_json(reply_entry(r, answer.version)) for r in answer.replies]
