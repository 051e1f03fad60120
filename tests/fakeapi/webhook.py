"""Delivery of queued updates to a webhook set with ``setWebhook``."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .state import FakeState
from .waiting import pause

__all__ = ["WebhookDeliverer"]


class WebhookDeliverer:
    """Background thread POSTing pending updates, one at a time, to the webhook URL.

    Like Telegram it sends ``X-Telegram-Bot-Api-Secret-Token`` if a ``secret_token`` was
    set, drops an update once the bot answered 2xx and records ``last_error_date`` /
    ``last_error_message`` (visible in ``getWebhookInfo``) otherwise, retrying later.
    """

    def __init__(self, state: FakeState, stop_event: threading.Event) -> None:
        """Create the (not yet started) deliverer.

        Args:
            state: The world.
            stop_event: Set when the fake stops.
        """
        self._state = state
        self._stop = stop_event
        self._thread = threading.Thread(target=self._run, name="fakeapi-webhook", daemon=True)

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait for the thread to end (after the stop event was set).

        Args:
            timeout: Maximum seconds to wait.
        """
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _next(self) -> tuple[str, str | None, dict[str, Any]] | None:
        state = self._state
        with state.cond:
            while not self._stop.is_set():
                url = str(state.webhook.get("url", ""))
                pending = state.deliverable(1) if url else []
                if pending:
                    secret = state.webhook.get("secret_token")
                    return url, (str(secret) if secret else None), pending[0]
                state.wait(0.5)
        return None

    def _run(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            url, secret, update = job
            error = self._post(url, secret, update)
            with self._state.cond:
                if error is None:
                    update_id = update["update_id"]
                    self._state.updates = [
                        u for u in self._state.updates if u["update_id"] != update_id
                    ]
                else:
                    self._state.webhook["last_error_date"] = int(time.time())
                    self._state.webhook["last_error_message"] = error
                self._state.cond.notify_all()
            if error is not None and pause(0.5, self._stop):
                return

    @staticmethod
    def _post(url: str, secret: str | None, update: dict[str, Any]) -> str | None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(
            url, data=json.dumps(update).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            return f"Wrong response from the webhook: {exc.code} {exc.reason}"
        except (OSError, ValueError) as exc:
            return f"Connection failed: {exc}"
        return None if 200 <= status < 300 else f"Wrong response from the webhook: {status}"
