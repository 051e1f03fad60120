"""The web console for the city team: sign-in by a link from the bot, the FAQ translations
(matrix, editor with the German source and the English pivot, review, history) and the
questions the bot could not answer. Served by the bot's own ASGI app under ``/console``.

Pages are plain HTML forms (no framework, a few lines of script for live checks); every form
carries the session's CSRF token and every POST must come from the console's own origin.
"""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app.admin import AdminError
from bot.app.admin import run as run_admin
from bot.app.console import SESSION_TTL, ConsoleAccess, Staff
from bot.app.conversation import Wegweiser
from bot.app.course_plans import MAX_PLAN_BYTES, CoursePlans
from bot.app.desk_overview import DAYS_AHEAD, DeskOverview
from bot.app.facts import Facts
from bot.app.faq_transfer import TransferError, export, import_file
from bot.app.stats import K_MIN, Statistics
from bot.app.translations import STATES, Translations
from bot.content.parse import ContentError
from bot.core.faq.snapshot import MAX_ANSWER, FaqError
from bot.core.labels import LANGUAGE_NAMES
from bot.i18n.catalogs import RTL_LANGUAGES, domain_translations
from bot.storage.cases import audit

TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "wegweiser_console"
LANG_COOKIE = "wegweiser_console_lang"
UI_LANGUAGES = ("de", "en")
DOMAIN = "console"

Handler = Callable[[Request, Staff], Awaitable[Response]]


def _environments() -> dict[str, Environment]:
    envs = {}
    for lang in UI_LANGUAGES:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(  # type: ignore[attr-defined]
            domain_translations(lang, DOMAIN), newstyle=True
        )
        envs[lang] = env
    return envs


class Console:
    """The console's pages for one running bot."""

    def __init__(self, core: Wegweiser) -> None:
        self.core = core
        url = core.settings.console_url or "http://127.0.0.1"
        parsed = urlparse(url)
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self.secure = parsed.scheme == "https"
        self.access = ConsoleAccess(core.db, core.clock)
        self.translations = Translations(core.db, core.clock)
        self.plans = CoursePlans(core.db, core.clock, core.catalogue)
        self.facts = Facts(core.db, core.clock, core.settings.city)
        self.stats = Statistics(core.db, core.clock, core.settings.timezone)
        self.desk = DeskOverview(core.db, core.clock, lambda: core.content, core.settings.timezone)
        self.envs = _environments()

    # ------------------------------------------------------------------ plumbing

    def ui_lang(self, request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in UI_LANGUAGES:
            return str(chosen)
        accept = request.headers.get("accept-language", "").lower()
        for part in accept.split(","):
            code = part.split(";")[0].strip()[:2]
            if code in UI_LANGUAGES:
                return code
        return "de"

    def page(
        self,
        request: Request,
        template: str,
        staff: Staff | None,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        lang = self.ui_lang(request)
        html = (
            self.envs[lang]
            .get_template(template)
            .render(
                ui_lang=lang,
                staff=staff,
                nonce=nonce,
                names=LANGUAGE_NAMES,
                rtl=RTL_LANGUAGES,
                path=request.url.path,
                **values,
            )
        )
        response = HTMLResponse(html, status_code=status)
        self.harden(response, nonce)
        return response

    @staticmethod
    def harden(response: Response, nonce: str = "") -> None:
        source = f"'nonce-{nonce}'" if nonce else "'none'"
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src {source}; script-src {source}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        # The sign-in link holds a token: never sent to another site.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"

    def same_origin(self, request: Request) -> bool:
        """A POST comes from the console itself (Origin, else Referer)."""
        origin = request.headers.get("origin")
        if origin:
            return origin == self.origin
        referer = urlparse(request.headers.get("referer", ""))
        return f"{referer.scheme}://{referer.netloc}" == self.origin

    def redirect(self, to: str) -> Response:
        response = RedirectResponse(to, status_code=303)
        self.harden(response)
        return response

    def guarded(self, handler: Handler, *, admin: bool = False) -> Callable[..., Any]:
        """Only for a valid session (else to the sign-in notice); POSTs need the CSRF token
        and the console's origin."""

        async def endpoint(request: Request) -> Response:
            session_id = request.cookies.get(COOKIE, "")
            staff = await self.access.staff(session_id) if session_id else None
            if staff is None:
                return self.page(request, "signin.html", None, status=401, token="")
            if admin and not staff.admin:
                return self.page(request, "message.html", staff, status=403, kind="forbidden")
            if request.method == "POST":
                form = await request.form()
                token = str(form.get("csrf", ""))
                if not self.same_origin(request) or not secrets.compare_digest(token, staff.csrf):
                    return self.page(request, "message.html", staff, status=403, kind="csrf")
            return await handler(request, staff)

        return endpoint

    # ------------------------------------------------------------------ sign-in

    async def signin_form(self, request: Request) -> Response:
        # Showing the form does not use the link: Telegram's link preview and mail scanners
        # fetch links too. Only the button below signs in.
        return self.page(request, "signin.html", None, token=request.query_params.get("token", ""))

    async def signin(self, request: Request) -> Response:
        if not self.same_origin(request):
            return self.page(request, "message.html", None, status=403, kind="csrf")
        form = await request.form()
        signed = await self.access.redeem(str(form.get("token", ""))[:100])
        if signed is None:
            return self.page(request, "message.html", None, status=401, kind="link")
        response = self.redirect("/console/")
        response.set_cookie(
            COOKIE,
            signed.session_id,
            max_age=int(SESSION_TTL.total_seconds()),
            path="/console",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        return response

    async def signout(self, request: Request, staff: Staff) -> Response:
        await self.access.sign_out(request.cookies.get(COOKIE, ""), staff)
        response = self.page(request, "message.html", None, kind="signed_out")
        response.delete_cookie(COOKIE, path="/console")
        return response

    async def ui_language(self, request: Request) -> Response:
        lang = request.path_params["lang"]
        back = request.query_params.get("back", "/console/")
        response = self.redirect(back if back.startswith("/console/") else "/console/")
        if lang in UI_LANGUAGES:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=31536000, path="/console", samesite="lax"
            )
        return response

    # ------------------------------------------------------------------ translations

    async def matrix(self, request: Request, staff: Staff, **values: Any) -> Response:
        matrix = await self.translations.matrix(self.core.catalogs.languages)
        only = request.query_params.get("state")
        rows = {
            slug: row
            for slug, row in matrix.rows.items()
            if only not in STATES or only in row.values()
        }
        imported = request.query_params.get("imported")
        status = 400 if values.get("errors") else 200
        page = {"matrix": matrix, "rows": rows, "only": only, "states": STATES, **values}
        return self.page(request, "matrix.html", staff, status=status, imported=imported, **page)

    async def editor(self, request: Request, staff: Staff, **values: Any) -> Response:
        slug, lang = request.path_params["slug"], request.path_params["lang"]
        if lang not in self.core.catalogs.languages:
            return self.page(request, "message.html", staff, status=404, kind="missing")
        view = await self.translations.editor(slug, lang)
        if view is None:
            return self.page(request, "message.html", staff, status=404, kind="missing")
        return self.page(
            request,
            "editor.html",
            staff,
            view=view,
            max_answer=MAX_ANSWER,
            status=400 if values.get("errors") else 200,
            done=request.query_params.get("done"),
            outdated=request.query_params.get("outdated"),
            **values,
        )

    async def save(self, request: Request, staff: Staff) -> Response:
        slug, lang = request.path_params["slug"], request.path_params["lang"]
        if lang not in self.core.catalogs.languages:
            return self.page(request, "message.html", staff, status=404, kind="missing")
        form = await request.form()
        action = form.get("action")
        try:
            if action == "review":
                await self.translations.mark_reviewed(staff.actor_id, staff.role, slug, lang)
                outdated: list[str] = []
            else:
                text = str(form.get("answer", ""))
                outdated = await self.translations.save(
                    staff.actor_id, staff.role, slug, lang, text
                )
        except FaqError as exc:
            return await self.editor(
                request, staff, errors=exc.errors, draft=str(form.get("answer", ""))
            )
        await self.core.reload_faq()  # the bot answers with the new text at once
        note = "reviewed" if action == "review" else "saved"
        query = f"?done={note}" + (f"&outdated={quote(','.join(outdated))}" if outdated else "")
        return self.redirect(f"/console/faq/{quote(slug)}/{quote(lang)}{query}")

    async def download(self, request: Request, staff: Staff) -> Response:
        lang = request.query_params.get("lang", "")
        fmt = "csv" if request.query_params.get("format") == "csv" else "po"
        if lang not in self.core.catalogs.languages or lang == "de":
            return self.page(request, "message.html", staff, status=404, kind="missing")
        with tempfile.TemporaryDirectory() as folder:
            (path,) = await export(self.core.db, Path(folder), fmt, (lang,))
            body = path.read_bytes()
        kind = "text/csv" if fmt == "csv" else "text/x-gettext-translation"
        response = Response(body, media_type=f"{kind}; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
        self.harden(response)
        return response

    async def upload(self, request: Request, staff: Staff) -> Response:
        form = await request.form(max_part_size=MAX_PLAN_BYTES + 1)
        upload = form.get("file")
        name = Path(getattr(upload, "filename", "") or "").name
        if upload is None or isinstance(upload, str) or not name.endswith((".po", ".csv")):
            errors = ["choose a .po or .csv file (as downloaded here)"]
            return await self.matrix(request, staff, errors=errors)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(await upload.read(MAX_PLAN_BYTES + 1))
            try:
                result = await import_file(self.core.db, path, self.core.clock())
            except TransferError as exc:
                return await self.matrix(request, staff, errors=exc.errors[:50])
        await self.core.reload_faq()
        async with self.core.db.transaction() as session:
            await audit(
                session,
                actor_id=staff.actor_id,
                role=staff.role,
                action="faq_import",
                now=self.core.clock(),
                detail=f"{name}: {result}"[:200],
            )
        return self.redirect(f"/console/?imported={quote(result)}")

    # ------------------------------------------------------------------ unanswered

    async def unanswered(self, request: Request, staff: Staff, **values: Any) -> Response:
        questions = await self.translations.unanswered()
        matrix = await self.translations.matrix(("de",))
        status = 400 if values.get("errors") else 200
        page = {"questions": questions, "slugs": sorted(matrix.rows), **values}
        return self.page(request, "unanswered.html", staff, status=status, **page)

    async def handle_question(self, request: Request, staff: Staff) -> Response:
        form = await request.form()
        try:
            question_id = int(request.path_params["qid"])
            if form.get("action") == "dismiss":
                await self.translations.dismiss(staff.actor_id, staff.role, question_id)
            elif form.get("action") == "new":
                if not staff.admin:  # new entries are the city's content: admins only
                    return self.page(request, "message.html", staff, status=403, kind="forbidden")
                await self.translations.new_entry(
                    staff.actor_id,
                    staff.role,
                    question_id,
                    str(form.get("new_slug", "")).strip(),
                    str(form.get("category", "general")),
                    str(form.get("answer_de", "")),
                )
                await self.core.reload_faq()
            else:
                slug = str(form.get("slug", ""))
                await self.translations.assign(staff.actor_id, staff.role, question_id, slug)
                await self.core.reload_faq()
        except FaqError as exc:
            return await self.unanswered(request, staff, errors=exc.errors)
        except ValueError:
            return self.page(request, "message.html", staff, status=400, kind="missing")
        return self.redirect("/console/unanswered")

    # ------------------------------------------------------------------ course plans (admins)

    async def plans_form(self, request: Request, staff: Staff) -> Response:
        return self.page(request, "courses.html", staff, check=None, max_kb=MAX_PLAN_BYTES // 1000)

    async def plans_post(self, request: Request, staff: Staff) -> Response:
        form = await request.form(max_part_size=MAX_PLAN_BYTES + 1)
        upload = form.get("plan")
        if upload is not None and not isinstance(upload, str):
            raw, source = await upload.read(MAX_PLAN_BYTES + 1), upload.filename or "plan.csv"
        else:
            raw, source = str(form.get("text", "")).encode(), str(form.get("source", "plan.csv"))
        errors: tuple[str, ...] = ()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, errors = "", ("the file is not UTF-8 text (save it as CSV UTF-8)",)
        source = source[:80]
        if errors:
            check = None
        elif form.get("action") == "apply":
            check = await self.plans.apply(staff.actor_id, staff.role, text, source)
        else:
            check = await self.plans.preview(text, source)
        return self.page(
            request,
            "courses.html",
            staff,
            status=400 if errors or (check is not None and check.errors) else 200,
            check=check,
            errors=errors or (check.errors if check is not None else ()),
            applied=form.get("action") == "apply",
            text=text,
            source=source,
            max_kb=MAX_PLAN_BYTES // 1000,
        )

    # ------------------------------------------------------------------ facts (admins)

    async def facts_list(self, request: Request, staff: Staff) -> Response:
        facts = await self.facts.all()
        return self.page(request, "facts.html", staff, facts=facts, done=None)

    async def fact_form(self, request: Request, staff: Staff, **values: Any) -> Response:
        path = request.path_params["path"]
        fact = next((f for f in await self.facts.all() if f.path == path), None)
        if fact is None:
            return self.page(request, "message.html", staff, status=404, kind="missing")
        history = await self.facts.history(path)
        status = 400 if values.get("errors") else 200
        done = request.query_params.get("done")
        return self.page(
            request,
            "fact.html",
            staff,
            fact=fact,
            history=history,
            status=status,
            done=done,
            **values,
        )

    async def fact_save(self, request: Request, staff: Staff) -> Response:
        path = request.path_params["path"]
        form = await request.form()
        draft = {
            "value": str(form.get("value", "")),
            "source": str(form.get("source", "")),
            "as_of": str(form.get("as_of", "")),
            "confirmed": form.get("confirmed") == "yes",
        }
        try:
            await self.facts.save(
                staff.actor_id,
                staff.role,
                path,
                value=str(draft["value"]),
                source=str(draft["source"]),
                as_of=str(draft["as_of"]),
                confirmed=bool(draft["confirmed"]),
            )
        except KeyError:
            return self.page(request, "message.html", staff, status=404, kind="missing")
        except ContentError as exc:
            return await self.fact_form(request, staff, errors=[str(exc)], draft=draft)
        await self.core.load_content(from_files=False)  # the bot uses the change at once
        return self.redirect(f"/console/facts/{quote(path)}?done=saved")

    # ------------------------------------------------------------------ appointments

    async def appointments(self, request: Request, staff: Staff, **values: Any) -> Response:
        today = self.desk.today()
        try:
            day = date.fromisoformat(request.query_params.get("day", today.isoformat()))
        except ValueError:
            day = today
        points = await self.desk.day(day)
        waiting = await self.desk.waiting()
        days = [today + timedelta(days=n) for n in range(DAYS_AHEAD + 1)]
        status = 400 if values.get("errors") else 200
        done = request.query_params.get("done")
        page = {"day": day, "days": days, "points": points, "waiting": waiting, "done": done}
        page.update(values)
        return self.page(request, "appointments.html", staff, status=status, **page)

    async def appointments_change(self, request: Request, staff: Staff) -> Response:
        form = await request.form()
        action, point = str(form.get("action", "")), str(form.get("point", ""))
        if action == "capacity":
            args = ["capacity", point, str(form.get("capacity", ""))]
        elif action == "close":
            args = ["close", point, str(form.get("day", "")), *str(form.get("reason", "")).split()]
        else:
            args = ["reopen", point, str(form.get("day", ""))]
        try:
            done = await run_admin(
                self.core.db,
                self.core.content,
                args,
                actor_id=staff.actor_id,
                now=self.core.clock(),
            )
        except AdminError as exc:
            return await self.appointments(request, staff, errors=[str(exc)])
        return self.redirect(f"/console/appointments?done={quote(done)}")

    # ------------------------------------------------------------------ statistics (admins)

    BREAKDOWNS = (
        ("language", "detail"),
        ("route", "detail"),
        ("booking", "detail"),
        ("attended", "detail"),
        ("no_show", "detail"),
        ("wish", "detail"),
        ("unanswered", "lang"),
        ("checkins", "detail"),
        ("checkin", "detail"),
    )

    async def statistics(self, request: Request, staff: Staff) -> Response:
        by = "month" if request.query_params.get("by") == "month" else "week"
        overview = await self.stats.overview(by)
        parts = [(k, f, await self.stats.breakdown(k, f)) for k, f in self.BREAKDOWNS]
        starts = [(p, overview.cells.get((p, "start")) or 0) for p in overview.periods]
        top = max([n for _p, n in starts] + [1])
        wishes = await self.stats.wishes()
        page: dict[str, Any] = {"by": by, "overview": overview, "parts": parts, "wishes": wishes}
        page.update(starts=starts, top=top, k_min=K_MIN)
        return self.page(request, "stats.html", staff, **page)

    async def statistics_csv(self, request: Request, staff: Staff) -> Response:
        by = "month" if request.query_params.get("by") == "month" else "week"
        table = await self.stats.overview(by)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([by, *table.columns])
        for period in table.periods:
            cells = [table.cells.get((period, c)) for c in table.columns]
            writer.writerow([period, *(f"<{K_MIN}" if v is None else v for v in cells)])
        response = Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="wegweiser-{by}.csv"'
        self.harden(response)
        return response


def console_routes(core: Wegweiser) -> list[BaseRoute]:
    """The console's routes, to be served beside ``/health``."""
    console = Console(core)
    guarded = console.guarded
    return [
        Route("/console/signin", console.signin_form, methods=["GET"]),
        Route("/console/signin", console.signin, methods=["POST"]),
        Route("/console/signout", guarded(console.signout), methods=["POST"]),
        Route("/console/ui/{lang}", console.ui_language, methods=["GET"]),
        Route("/console/", guarded(console.matrix), methods=["GET"]),
        Route("/console/faq/download", guarded(console.download), methods=["GET"]),
        Route("/console/faq/upload", guarded(console.upload), methods=["POST"]),
        Route("/console/faq/{slug}/{lang}", guarded(console.editor), methods=["GET"]),
        Route("/console/faq/{slug}/{lang}", guarded(console.save), methods=["POST"]),
        Route("/console/unanswered", guarded(console.unanswered), methods=["GET"]),
        Route("/console/unanswered/{qid}", guarded(console.handle_question), methods=["POST"]),
        Route("/console/courses", guarded(console.plans_form, admin=True), methods=["GET"]),
        Route("/console/courses", guarded(console.plans_post, admin=True), methods=["POST"]),
        Route("/console/appointments", guarded(console.appointments), methods=["GET"]),
        Route(
            "/console/appointments",
            guarded(console.appointments_change, admin=True),
            methods=["POST"],
        ),
        Route("/console/stats", guarded(console.statistics, admin=True), methods=["GET"]),
        Route("/console/stats.csv", guarded(console.statistics_csv, admin=True), methods=["GET"]),
        Route("/console/facts", guarded(console.facts_list, admin=True), methods=["GET"]),
        Route("/console/facts/{path}", guarded(console.fact_form, admin=True), methods=["GET"]),
        Route("/console/facts/{path}", guarded(console.fact_save, admin=True), methods=["POST"]),
    ]
