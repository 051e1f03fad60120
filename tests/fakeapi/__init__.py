"""A local fake of the Telegram Bot API for end-to-end tests and benchmarks.

Usage::

    from tests.fakeapi import FakeBotApi

    with FakeBotApi() as fake:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)            # f"{fake.url}/bot"
            .base_file_url(fake.base_file_url)  # f"{fake.url}/file/bot"
            .build()
        )
        fake.send_text(42, "Hallo")
        ...
        assert fake.violations == []

Modules:

* ``spec`` - loads ``api.min.json`` and validates calls and objects against it.
* ``parsing`` - decodes query strings, url-encoded, JSON and multipart bodies.
* ``constraints`` / ``formatting`` - documented limits (text length, callback_data size,
  parse_mode markup) that the JSON spec cannot express.
* ``state`` - chats, messages, updates, files, settings (one lock + condition).
* ``methods`` - behaviour of each Bot API method; unknown-but-valid methods answer with a
  generic stored message (if they return ``Message`` and have ``chat_id``) or ``true``.
* ``updates`` - builders for users, chats, media and entities.
* ``faults`` / ``limits`` - fault injection and flood-limit emulation.
* ``server`` - the threaded HTTP server and request dispatch.
* ``webhook`` - pushes updates to a URL set with ``setWebhook``.
* ``fake`` - :class:`FakeBotApi`, the test-side API.
"""

from .fake import DEFAULT_TOKEN, FakeBotApi
from .faults import FAULT_KINDS, Fault, FaultInjector
from .limits import RateLimiter
from .models import ApiError, Call, StoredFile, StoredMessage
from .parsing import UploadedFile
from .spec import SPEC_ENV_VAR, ApiSpec, default_spec_path, load_spec
from .updates import MESSAGE_KINDS

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "MESSAGE_KINDS",
    "SPEC_ENV_VAR",
    "ApiError",
    "ApiSpec",
    "Call",
    "FakeBotApi",
    "Fault",
    "FaultInjector",
    "RateLimiter",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "default_spec_path",
    "load_spec",
]
