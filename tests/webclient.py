"""A simulated web-chat reader: the page's HTTP calls, made with httpx (no browser)."""

from __future__ import annotations

from typing import Any

import httpx


class WebUser:
    """One browser session (its cookie jar) on the web chat at ``url``; every call returns
    the bot's messages it got back, as the page would show them."""

    def __init__(self, url: str, accept_language: str | None = None, base: str = "/chat") -> None:
        headers = {"Origin": url}
        if accept_language:
            headers["Accept-Language"] = accept_language
        self.http = httpx.AsyncClient(base_url=url, headers=headers, timeout=20.0)
        self.base = base
        self.shown: list[dict[str, Any]] = []

    async def close(self) -> None:
        await self.http.aclose()

    async def open(self) -> dict[str, Any]:
        """Load the page and the conversation, as a (re)load does."""
        page = await self.http.get(f"{self.base}/")
        assert page.status_code == 200, page.text
        body: dict[str, Any] = (await self.http.get(f"{self.base}/api/messages")).json()
        self.shown = [*body["messages"], *body["prompt"]]
        return body

    async def post(self, payload: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = await self.http.post(f"{self.base}/api/send", json=payload)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        self.shown += body["messages"]
        return body

    async def say(self, text: str) -> list[dict[str, Any]]:
        body = await self.post({"text": text})
        return [m for m in body["messages"] if m["from"] == "bot"]

    def button(self, key: str) -> tuple[str, str]:
        """The label and data of the newest button for option ``key``."""
        for message in reversed(self.shown):
            for label, data in message["buttons"]:
                if data.split(":", 1)[-1] == key:
                    return label, data
        raise AssertionError(f"no button {key!r}")

    async def press(self, key: str) -> list[dict[str, Any]]:
        label, data = self.button(key)
        body = await self.post({"press": data, "label": label})
        return [m for m in body["messages"] if m["from"] == "bot"]

    async def choose_language(self, lang: str) -> list[dict[str, Any]]:
        keys = {d.split(":", 1)[-1] for m in self.shown[-1:] for _l, d in m["buttons"]}
        if lang not in keys and "more" in keys:
            await self.press("more")
        return await self.press(lang)


def keys(message: dict[str, Any]) -> list[str]:
    """The option keys of a message's buttons."""
    return [data.split(":", 1)[-1] for _label, data in message["buttons"]]


def text(message: dict[str, Any]) -> str:
    """A message's heading and text."""
    return "\n".join(p for p in (message["title"], message["body"]) if p)
