"""Behaviour of the Bot API methods.

Each handler receives a :class:`Ctx` with already validated and decoded parameters and
runs with ``state.cond`` held. It returns the ``result`` of the answer or raises
:class:`~tests.fakeapi.models.ApiError`.

Methods without a dedicated handler are answered by :func:`fallback`: ``send*``-like
methods that return a ``Message`` get a generic stored message, everything else ``true``.
"""

from __future__ import annotations

import copy
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .formatting import EntityParseError, plain_text
from .models import ApiError, StoredFile, StoredMessage, bad_request
from .parsing import UploadedFile
from .spec import MethodSpec
from .state import ChatState, FakeState, TopicState

__all__ = ["HANDLERS", "Ctx", "dispatch", "scope_key"]

_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_DEFAULT_ICON_COLOR = 7322096
_MEDIA_FIELDS = {
    "sendphoto": ("photo", "photo"),
    "senddocument": ("document", "document"),
    "sendaudio": ("audio", "audio"),
    "sendvoice": ("voice", "voice"),
    "sendvideo": ("video", "video"),
    "sendanimation": ("animation", "animation"),
    "sendsticker": ("sticker", "sticker"),
    "sendvideonote": ("video_note", "video_note"),
}


@dataclass
class Ctx:
    """Everything a handler needs.

    Attributes:
        state: The world.
        method: The method spec.
        params: Validated, decoded parameters.
        stop_requested: Returns ``True`` once the server is stopping.
        attachments: Multipart parts referenced via ``attach://<name>``.
    """

    state: FakeState
    method: MethodSpec
    params: dict[str, Any]
    stop_requested: Callable[[], bool]
    attachments: dict[str, UploadedFile] = field(default_factory=dict)


Handler = Callable[[Ctx], Any]


def _now() -> int:
    return int(time.time())


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# ------------------------------------------------------------------ updates/webhook


def get_updates(ctx: Ctx) -> Any:
    """``getUpdates`` with long polling, offsets, limit and ``allowed_updates``."""
    state, params = ctx.state, ctx.params
    if state.webhook.get("url"):
        raise ApiError(409, _CONFLICT_WEBHOOK)
    offset = params.get("offset")
    limit = min(max(_int(params.get("limit"), 100), 1), 100)
    timeout = max(_int(params.get("timeout"), 0), 0)
    if "allowed_updates" in params:
        state.allowed_updates = list(params["allowed_updates"]) or None
    state.confirm(offset)
    state.poll_generation += 1
    generation = state.poll_generation
    deadline = time.monotonic() + timeout
    while True:
        result = state.deliverable(limit)
        if result or state.stopped or ctx.stop_requested():
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return []
        state.wait(min(remaining, 0.5))
        if state.poll_generation != generation:
            raise ApiError(409, _CONFLICT_POLL)


def set_webhook(ctx: Ctx) -> Any:
    """``setWebhook``: remembers the URL (updates are then pushed to it)."""
    state, params = ctx.state, ctx.params
    url = str(params.get("url", ""))
    if url and not url.lower().startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook = {"url": url}
    for key in ("max_connections", "ip_address", "secret_token"):
        if key in params:
            state.webhook[key] = params[key]
    if "allowed_updates" in params:
        state.allowed_updates = list(params["allowed_updates"]) or None
    state.cond.notify_all()
    return True


def delete_webhook(ctx: Ctx) -> Any:
    """``deleteWebhook`` (optionally dropping pending updates)."""
    if ctx.params.get("drop_pending_updates"):
        ctx.state.updates.clear()
    ctx.state.webhook = {"url": ""}
    return True


def get_webhook_info(ctx: Ctx) -> Any:
    """``getWebhookInfo``."""
    state = ctx.state
    info: dict[str, Any] = {
        "url": state.webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    for key in ("max_connections", "ip_address", "last_error_date", "last_error_message"):
        if key in state.webhook:
            info[key] = state.webhook[key]
    if state.allowed_updates:
        info["allowed_updates"] = list(state.allowed_updates)
    return info


# ------------------------------------------------------------------------- bot


def get_me(ctx: Ctx) -> Any:
    """``getMe``."""
    return dict(ctx.state.bot_user)


def scope_key(scope: Any) -> str:
    """Canonical key of a ``BotCommandScope`` (``None`` = default scope).

    Args:
        scope: The scope object or ``None``.

    Returns:
        Sorted JSON text.
    """
    return json.dumps(scope if isinstance(scope, dict) else {"type": "default"}, sort_keys=True)


def _language_code(ctx: Ctx) -> None:
    """The spec: "A two-letter ISO 639-1 language code" or empty (all languages)."""
    code = str(ctx.params.get("language_code", ""))
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")


def set_my_commands(ctx: Ctx) -> Any:
    """``setMyCommands`` stored per (scope, language_code)."""
    _language_code(ctx)
    key = (scope_key(ctx.params.get("scope")), str(ctx.params.get("language_code", "")))
    commands = list(ctx.params.get("commands", []))
    if commands:
        ctx.state.commands[key] = commands
    else:
        ctx.state.commands.pop(key, None)
    return True


def get_my_commands(ctx: Ctx) -> Any:
    """``getMyCommands`` for exactly the given (scope, language_code)."""
    key = (scope_key(ctx.params.get("scope")), str(ctx.params.get("language_code", "")))
    return copy.deepcopy(ctx.state.commands.get(key, []))


def delete_my_commands(ctx: Ctx) -> Any:
    """``deleteMyCommands``."""
    key = (scope_key(ctx.params.get("scope")), str(ctx.params.get("language_code", "")))
    ctx.state.commands.pop(key, None)
    return True


def _bot_text_handlers(field_name: str) -> tuple[Handler, Handler]:
    def setter(ctx: Ctx) -> Any:
        _language_code(ctx)
        key = (field_name, str(ctx.params.get("language_code", "")))
        value = str(ctx.params.get(field_name, ""))
        if value:
            ctx.state.bot_texts[key] = value
        else:
            ctx.state.bot_texts.pop(key, None)
        return True

    def getter(ctx: Ctx) -> Any:
        key = (field_name, str(ctx.params.get("language_code", "")))
        return {field_name: ctx.state.bot_texts.get(key, "")}

    return setter, getter


def set_chat_menu_button(ctx: Ctx) -> Any:
    """``setChatMenuButton``."""
    chat_id = ctx.params.get("chat_id")
    button = ctx.params.get("menu_button") or {"type": "default"}
    ctx.state.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
    return True


def get_chat_menu_button(ctx: Ctx) -> Any:
    """``getChatMenuButton``."""
    chat_id = ctx.params.get("chat_id")
    buttons = ctx.state.menu_buttons
    key = chat_id if isinstance(chat_id, int) else None
    return copy.deepcopy(buttons.get(key) or buttons.get(None) or {"type": "commands"})


def log_out(ctx: Ctx) -> Any:
    """``logOut`` / ``close``."""
    return True


# --------------------------------------------------------------------- messages


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return copy.deepcopy(markup)
    return None


def _reply_to(chat: ChatState, params: dict[str, Any]) -> dict[str, Any] | None:
    reply = params.get("reply_parameters")
    if not isinstance(reply, dict):
        return None
    target_chat = reply.get("chat_id")
    if target_chat is not None and target_chat != chat.chat["id"]:
        return None  # replies into other chats are not modelled
    stored = chat.messages.get(_int(reply.get("message_id"), -1))
    if stored is None or stored.deleted:
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    target = copy.deepcopy(stored.data)
    target.pop("reply_to_message", None)
    return target


def _new_outgoing(
    ctx: Ctx,
    content: dict[str, Any],
    *,
    upload: UploadedFile | None = None,
    chat: ChatState | None = None,
) -> StoredMessage:
    """Create and store a bot message in ``params["chat_id"]``."""
    state, params = ctx.state, ctx.params
    chat = chat or state.target_chat(params.get("chat_id"))
    reply_to = _reply_to(chat, params)
    message: dict[str, Any] = {
        "message_id": chat.take_message_id(),
        "from": dict(state.bot_user),
        "chat": dict(chat.chat),
        "date": _now(),
    }
    thread = params.get("message_thread_id")
    if isinstance(thread, int):
        message["message_thread_id"] = thread
        if chat.chat.get("type") in {"supergroup", "private"}:
            message["is_topic_message"] = True
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    message.update(content)
    if params.get("has_spoiler"):
        message["has_media_spoiler"] = True
    if params.get("protect_content"):
        message["has_protected_content"] = True
    markup = _inline_markup(params.get("reply_markup"))
    if markup is not None:
        message["reply_markup"] = markup
    return state.add_message(
        chat,
        message,
        outgoing=True,
        method=ctx.method.name,
        reply_markup=copy.deepcopy(params.get("reply_markup")),
        upload=upload,
    )


def _plain(params: dict[str, Any], key: str) -> str:
    text = str(params.get(key, ""))
    try:
        return plain_text(text, params.get("parse_mode"))
    except EntityParseError:
        return text  # already refused by the constraints check


def send_message(ctx: Ctx) -> Any:
    """``sendMessage``."""
    content: dict[str, Any] = {"text": _plain(ctx.params, "text")}
    if isinstance(ctx.params.get("entities"), list):
        content["entities"] = copy.deepcopy(ctx.params["entities"])
    if isinstance(ctx.params.get("link_preview_options"), dict):
        content["link_preview_options"] = copy.deepcopy(ctx.params["link_preview_options"])
    stored = _new_outgoing(ctx, content)
    stored.raw_text = str(ctx.params["text"])
    stored.parse_mode = ctx.params.get("parse_mode")
    return copy.deepcopy(stored.data)


def _resolve_file(
    state: FakeState, kind: str, value: Any
) -> tuple[StoredFile, UploadedFile | None]:
    """Turn an ``InputFile or String`` value into a stored file."""
    if isinstance(value, UploadedFile):
        file_id, _ = state.register_file(kind, value.data, value.filename, value.content_type)
        return state.files[file_id], value
    text = str(value)
    if text in state.files:
        return state.files[text], None
    if text.lower().startswith(("http://", "https://")):
        name = text.rstrip("/").rsplit("/", 1)[-1] or None
        file_id, _ = state.register_file(kind, b"", name, None)
        return state.files[file_id], None
    raise bad_request("wrong file identifier/HTTP URL specified")


def _media_object(kind: str, stored: StoredFile, params: dict[str, Any]) -> Any:
    base: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    duration = _int(params.get("duration"), 1)
    width, height = _int(params.get("width"), 640), _int(params.get("height"), 360)
    if kind == "photo":
        return [{**base, "width": 800, "height": 600}]
    if kind == "sticker":
        return {
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    if kind == "video_note":
        return {**base, "length": _int(params.get("length"), 240), "duration": duration}
    if kind == "voice":
        return {**base, "duration": duration, **_mime(stored)}
    if kind == "audio":
        return {**base, "duration": duration, **_name(stored), **_mime(stored)}
    if kind in {"video", "animation"}:
        return {
            **base,
            "width": width,
            "height": height,
            "duration": duration,
            **_name(stored),
            **_mime(stored),
        }
    return {**base, **_name(stored), **_mime(stored)}


def _mime(stored: StoredFile) -> dict[str, Any]:
    return {"mime_type": stored.mime_type} if stored.mime_type else {}


def _name(stored: StoredFile) -> dict[str, Any]:
    return {"file_name": stored.filename} if stored.filename else {}


def send_media(ctx: Ctx) -> Any:
    """``sendDocument``, ``sendPhoto``, ``sendVoice``... (upload, file_id or URL)."""
    field_name, kind = _MEDIA_FIELDS[ctx.method.name.lower()]
    chat = ctx.state.target_chat(ctx.params.get("chat_id"))
    stored_file, upload = _resolve_file(ctx.state, kind, ctx.params.get(field_name))
    content: dict[str, Any] = {kind: _media_object(kind, stored_file, ctx.params)}
    if kind == "animation":
        content["document"] = {
            k: v for k, v in content["animation"].items() if k not in {"width", "height"}
        }
        content["document"].pop("duration", None)
    if "caption" in ctx.params:
        content["caption"] = _plain(ctx.params, "caption")
    if isinstance(ctx.params.get("caption_entities"), list):
        content["caption_entities"] = copy.deepcopy(ctx.params["caption_entities"])
    stored = _new_outgoing(ctx, content, upload=upload, chat=chat)
    return copy.deepcopy(stored.data)


def send_location(ctx: Ctx) -> Any:
    """``sendLocation``."""
    location = {"latitude": ctx.params["latitude"], "longitude": ctx.params["longitude"]}
    return copy.deepcopy(_new_outgoing(ctx, {"location": location}).data)


def send_contact(ctx: Ctx) -> Any:
    """``sendContact``."""
    contact = {
        k: ctx.params[k] for k in ("phone_number", "first_name", "last_name") if k in ctx.params
    }
    return copy.deepcopy(_new_outgoing(ctx, {"contact": contact}).data)


def send_dice(ctx: Ctx) -> Any:
    """``sendDice``."""
    emoji = str(ctx.params.get("emoji", "\N{GAME DIE}"))
    dice = {"emoji": emoji, "value": random.randint(1, 6)}
    return copy.deepcopy(_new_outgoing(ctx, {"dice": dice}).data)


def send_media_group(ctx: Ctx) -> Any:
    """``sendMediaGroup``: one stored message per item, sharing a ``media_group_id``."""
    chat = ctx.state.target_chat(ctx.params.get("chat_id"))
    attachments = ctx.attachments
    group_id = str(13_000_000_000_000_000 + len(ctx.state.files))
    result = []
    for item in ctx.params.get("media", []):
        kind = str(item.get("type", "document"))
        media = str(item.get("media", ""))
        value: Any = media
        if media.startswith("attach://"):
            if media[len("attach://") :] not in attachments:
                raise bad_request(f"file {media} not found in the request")
            value = attachments[media[len("attach://") :]]
        stored_file, upload = _resolve_file(ctx.state, kind, value)
        content: dict[str, Any] = {
            kind: _media_object(kind, stored_file, item),
            "media_group_id": group_id,
        }
        if "caption" in item:
            content["caption"] = str(item["caption"])
        stored = _new_outgoing(ctx, content, upload=upload, chat=chat)
        result.append(copy.deepcopy(stored.data))
    return result


def _editable(ctx: Ctx, *, not_found: str = "message to edit not found") -> StoredMessage:
    params = ctx.params
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = ctx.state.existing_chat(params["chat_id"])
    stored = chat.messages.get(_int(params["message_id"], -1))
    if stored is None or stored.deleted:
        raise bad_request(not_found)
    if not stored.outgoing:
        raise bad_request("message can't be edited")
    return stored


def _apply_edit(ctx: Ctx, stored: StoredMessage, changes: dict[str, Any], markup: Any) -> Any:
    stored.history.append(copy.deepcopy(stored.data))
    stored.data.update(changes)
    inline = _inline_markup(markup)
    if inline is None:
        stored.data.pop("reply_markup", None)
    else:
        stored.data["reply_markup"] = inline
    stored.reply_markup = copy.deepcopy(markup)
    stored.data["edit_date"] = _now()
    stored.edited = True
    ctx.state.cond.notify_all()
    return copy.deepcopy(stored.data)


def edit_message_text(ctx: Ctx) -> Any:
    """``editMessageText`` (missing ``reply_markup`` removes the inline keyboard)."""
    params = ctx.params
    if "inline_message_id" in params:
        return True
    stored = _editable(ctx)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    raw = str(params["text"])
    markup = params.get("reply_markup")
    same_text = raw == stored.raw_text and params.get("parse_mode") == stored.parse_mode
    if same_text and _inline_markup(markup) == stored.data.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    changes: dict[str, Any] = {"text": _plain(params, "text")}
    stored.data.pop("entities", None)
    if isinstance(params.get("entities"), list):
        changes["entities"] = copy.deepcopy(params["entities"])
    result = _apply_edit(ctx, stored, changes, markup)
    stored.raw_text = raw
    stored.parse_mode = params.get("parse_mode")
    return result


def edit_message_caption(ctx: Ctx) -> Any:
    """``editMessageCaption``."""
    params = ctx.params
    if "inline_message_id" in params:
        return True
    stored = _editable(ctx)
    if "text" in stored.data:
        raise bad_request("there is no caption in the message to edit")
    caption = _plain(params, "caption") if "caption" in params else None
    markup = params.get("reply_markup")
    if caption == stored.data.get("caption") and _inline_markup(markup) == stored.data.get(
        "reply_markup"
    ):
        raise bad_request(_NOT_MODIFIED)
    if caption is None:
        stored.data.pop("caption", None)
    return _apply_edit(ctx, stored, {} if caption is None else {"caption": caption}, markup)


def edit_message_reply_markup(ctx: Ctx) -> Any:
    """``editMessageReplyMarkup``."""
    params = ctx.params
    if "inline_message_id" in params:
        return True
    stored = _editable(ctx)
    markup = params.get("reply_markup")
    if _inline_markup(markup) == stored.data.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    return _apply_edit(ctx, stored, {}, markup)


def delete_message(ctx: Ctx) -> Any:
    """``deleteMessage`` (marks the message deleted)."""
    chat = (
        ctx.state.chats.get(ctx.params["chat_id"])
        if isinstance(ctx.params.get("chat_id"), int)
        else None
    )
    stored = chat.messages.get(ctx.params["message_id"]) if chat else None
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    stored.deleted = True
    ctx.state.cond.notify_all()
    return True


def delete_messages(ctx: Ctx) -> Any:
    """``deleteMessages`` (silently skips unknown ids, like Telegram)."""
    chat_id = ctx.params.get("chat_id")
    chat = ctx.state.chats.get(chat_id) if isinstance(chat_id, int) else None
    for message_id in ctx.params.get("message_ids", []):
        stored = chat.messages.get(message_id) if chat else None
        if stored is not None:
            stored.deleted = True
    ctx.state.cond.notify_all()
    return True


def copy_message(ctx: Ctx) -> Any:
    """``copyMessage``: copies a stored message into ``chat_id``."""
    source_chat = ctx.state.existing_chat(ctx.params.get("from_chat_id"))
    source = source_chat.messages.get(_int(ctx.params.get("message_id"), -1))
    if source is None or source.deleted:
        raise bad_request("message to copy not found")
    skip = {"message_id", "from", "chat", "date", "edit_date", "reply_markup", "reply_to_message"}
    content = {k: copy.deepcopy(v) for k, v in source.data.items() if k not in skip}
    if "caption" in ctx.params:
        content["caption"] = _plain(ctx.params, "caption")
    stored = _new_outgoing(ctx, content)
    return {"message_id": stored.data["message_id"]}


def forward_message(ctx: Ctx) -> Any:
    """``forwardMessage``."""
    source_chat = ctx.state.existing_chat(ctx.params.get("from_chat_id"))
    source = source_chat.messages.get(_int(ctx.params.get("message_id"), -1))
    if source is None or source.deleted:
        raise bad_request("message to forward not found")
    skip = {"message_id", "from", "chat", "date", "edit_date", "reply_markup", "reply_to_message"}
    content = {k: copy.deepcopy(v) for k, v in source.data.items() if k not in skip}
    content["forward_origin"] = {
        "type": "user",
        "sender_user": copy.deepcopy(source.data.get("from", ctx.state.bot_user)),
        "date": source.data.get("date", _now()),
    }
    return copy.deepcopy(_new_outgoing(ctx, content).data)


def send_chat_action(ctx: Ctx) -> Any:
    """``sendChatAction``."""
    ctx.state.target_chat(ctx.params.get("chat_id"))
    return True


def answer_callback_query(ctx: Ctx) -> Any:
    """``answerCallbackQuery`` (each query can be answered once)."""
    query_id = str(ctx.params["callback_query_id"])
    callback = ctx.state.callbacks.get(query_id)
    if callback is None or callback.answered:
        raise bad_request(_QUERY_INVALID)
    callback.answered = True
    callback.answer = {k: v for k, v in ctx.params.items() if k != "callback_query_id"}
    ctx.state.cond.notify_all()
    return True


# ------------------------------------------------------------------ chats/topics


def get_chat(ctx: Ctx) -> Any:
    """``getChat`` → ``ChatFullInfo``."""
    chat = ctx.state.existing_chat(ctx.params.get("chat_id"))
    info = dict(chat.chat)
    info.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }
    )
    return info


def _member(state: FakeState, chat_id: int, user_id: int) -> dict[str, Any]:
    configured = state.members.get((chat_id, user_id))
    if configured is not None:
        return copy.deepcopy(configured)
    if user_id == state.bot_user["id"]:
        user = dict(state.bot_user)
    else:
        user = dict(
            state.users.get(user_id)
            or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
    return {"status": "member", "user": user}


def get_chat_member(ctx: Ctx) -> Any:
    """``getChatMember`` (configured member or ``ChatMemberMember``)."""
    chat_id = ctx.params.get("chat_id")
    if not isinstance(chat_id, int):
        chat_id = ctx.state.existing_chat(chat_id).chat["id"]
    return _member(ctx.state, chat_id, int(ctx.params["user_id"]))


def get_chat_administrators(ctx: Ctx) -> Any:
    """``getChatAdministrators`` (configured owners and administrators)."""
    chat_id = ctx.params.get("chat_id")
    return [
        copy.deepcopy(member)
        for (member_chat, _), member in sorted(ctx.state.members.items())
        if member_chat == chat_id and member.get("status") in {"creator", "administrator"}
    ]


def get_chat_member_count(ctx: Ctx) -> Any:
    """``getChatMemberCount``."""
    chat_id = ctx.params.get("chat_id")
    configured = sum(1 for (member_chat, _) in ctx.state.members if member_chat == chat_id)
    return max(configured, 2)


def _topic(ctx: Ctx) -> tuple[ChatState, TopicState]:
    chat = ctx.state.existing_chat(ctx.params.get("chat_id"))
    topic = chat.topics.get(_int(ctx.params.get("message_thread_id"), -1))
    if topic is None:
        raise bad_request("TOPIC_ID_INVALID")
    return chat, topic


def create_forum_topic(ctx: Ctx) -> Any:
    """``createForumTopic``: the thread id is the id of the (implicit) service message."""
    chat = ctx.state.target_chat(ctx.params.get("chat_id"))
    if chat.chat["type"] in {"group", "channel"}:
        raise bad_request("the chat is not a forum")
    if chat.chat["type"] == "supergroup":
        chat.chat["is_forum"] = True
    thread_id = chat.take_message_id()
    topic: dict[str, Any] = {
        "message_thread_id": thread_id,
        "name": str(ctx.params["name"]),
        "icon_color": _int(ctx.params.get("icon_color"), _DEFAULT_ICON_COLOR),
    }
    if ctx.params.get("icon_custom_emoji_id"):
        topic["icon_custom_emoji_id"] = str(ctx.params["icon_custom_emoji_id"])
    chat.topics[thread_id] = TopicState(topic)
    return copy.deepcopy(topic)


def close_forum_topic(ctx: Ctx) -> Any:
    """``closeForumTopic``."""
    _, topic = _topic(ctx)
    if topic.closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = True
    return True


def reopen_forum_topic(ctx: Ctx) -> Any:
    """``reopenForumTopic``."""
    _, topic = _topic(ctx)
    if not topic.closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = False
    return True


def edit_forum_topic(ctx: Ctx) -> Any:
    """``editForumTopic``."""
    _, topic = _topic(ctx)
    for key in ("name", "icon_custom_emoji_id"):
        if key in ctx.params:
            topic.topic[key] = ctx.params[key]
    return True


def delete_forum_topic(ctx: Ctx) -> Any:
    """``deleteForumTopic``."""
    chat, topic = _topic(ctx)
    del chat.topics[topic.topic["message_thread_id"]]
    return True


def get_file(ctx: Ctx) -> Any:
    """``getFile``."""
    stored = ctx.state.files.get(str(ctx.params["file_id"]))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def fallback(ctx: Ctx) -> Any:
    """Any other spec method: a generic message for message-returning calls, else ``true``."""
    if "Message" in ctx.method.returns and "chat_id" in ctx.params:
        return copy.deepcopy(_new_outgoing(ctx, {}).data)
    return True


_set_description, _get_description = _bot_text_handlers("description")
_set_short, _get_short = _bot_text_handlers("short_description")
_set_name, _get_name = _bot_text_handlers("name")

HANDLERS: dict[str, Handler] = {
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "getme": get_me,
    "logout": log_out,
    "close": log_out,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setmydescription": _set_description,
    "getmydescription": _get_description,
    "setmyshortdescription": _set_short,
    "getmyshortdescription": _get_short,
    "setmyname": _set_name,
    "getmyname": _get_name,
    "setchatmenubutton": set_chat_menu_button,
    "getchatmenubutton": get_chat_menu_button,
    "sendmessage": send_message,
    **{name: send_media for name in _MEDIA_FIELDS},
    "sendlocation": send_location,
    "sendcontact": send_contact,
    "senddice": send_dice,
    "sendmediagroup": send_media_group,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "deletemessages": delete_messages,
    "copymessage": copy_message,
    "forwardmessage": forward_message,
    "sendchataction": send_chat_action,
    "answercallbackquery": answer_callback_query,
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    "getchatadministrators": get_chat_administrators,
    "getchatmembercount": get_chat_member_count,
    "createforumtopic": create_forum_topic,
    "closeforumtopic": close_forum_topic,
    "reopenforumtopic": reopen_forum_topic,
    "editforumtopic": edit_forum_topic,
    "deleteforumtopic": delete_forum_topic,
    "getfile": get_file,
}


def dispatch(ctx: Ctx) -> Any:
    """Run the handler of ``ctx.method`` (or :func:`fallback`).

    Args:
        ctx: The call context; ``ctx.state.cond`` must be held.

    Returns:
        The ``result`` of the answer.

    Raises:
        ApiError: For Telegram error answers.
    """
    return HANDLERS.get(ctx.method.name.lower(), fallback)(ctx)
