"""A fake Telegram Bot API server on loopback, for end-to-end tests and the load benchmark.

The bot under test is the real Application talking real HTTP (httpx) to this server, which checks requests
the way Telegram does and answers 400 with Telegram's wording when they are wrong:

- HTML parse mode: only Telegram's tags; `<` must be escaped; tags must nest and close; entities decoded
  (&lt; &gt; &amp; &quot; and numeric ones); otherwise "Bad Request: can't parse entities: ...";
- text 1-4096 UTF-16 code units after entity parsing ("message is too long", "message text is empty");
- inline keyboards: an array of arrays of buttons, each with a text and exactly one action; callback_data
  1-64 bytes ("BUTTON_DATA_INVALID"); at most 8 buttons a row and 100 in all;
- chats must exist (a user must have written first), callback queries answered once, edits must change
  something ("message is not modified"), commands menus well-formed.

Updates reach the bot by getUpdates long polling, or pushed to a webhook set with setWebhook. Photos and
documents sent by a user (`send_photo`, `send_document`) are stored as files: getFile gives their file_path
(refusing files over 20 MB with "file is too big", as Telegram does) and /file/bot<token>/<path> serves them.

Faults, the way Telegram and the network produce them (`fake.inject(method, kind, times=…)`, method "*" for
any): "429" (Too Many Requests with parameters.retry_after), "500", "502" (an HTML page, as from a proxy),
"drop" (the connection closed with no answer, the request not processed) and "slow" (processed and answered
`delay` seconds late). `chat_id` limits a fault to one chat. `fake.faults_hit` counts the faults served.

Use in tests (the fixtures `fake_telegram` and `bot` are defined in conftest.py):

    async def test_something(bot):                 # a running bot wired to a fresh FakeTelegram
        user = bot.user(language_code="en")        # a private chat with a new user
        await user.send("/start")
        reply = await user.reply()                 # the next message the bot sent (or edited) in that chat
        assert "Check a message" in reply.labels()
        await user.press("Check a message")        # presses a button of the latest message that has it
        await bot.restart()                        # a new Application on the same SQLite file
    async def test_raw(fake_telegram): ...        # only the server (bot not started)

`bot.fake.errors` lists every 400 the server answered; the `bot` fixture fails the test if any remain
unexpected (set `bot.expect_errors = True` to allow them).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tornado import httputil
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as TornadoApp
from tornado.web import RequestHandler

DEFAULT_TOKEN = "123456789:AAHfake-test-token_ABCDEFGHIJKLMNOPQRSTUV"
BOT_ID = 123456789
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files ("file is too big")

# Telegram's HTML tags -> entity type (span needs class="tg-spoiler")
TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class Fault:
    method: str  # Bot API method ("sendMessage"), or "*" for every method but getUpdates
    kind: str  # 429 | 500 | 502 | drop | slow
    times: int = 1  # how many requests it hits
    retry_after: int = 1  # for 429
    delay: float = 0.0  # for slow
    chat_id: int | None = None  # only requests for this chat


class BadRequest(Exception):
    def __init__(self, description: str, code: int = 400):
        super().__init__(description)
        self.description, self.code = description, code


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- Telegram's HTML ------------------------------------------------------------------------------------------


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a Telegram-HTML text; BadRequest with Telegram's wording when it is wrong."""
    out: list[str] = []
    units = 0
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    def fail(msg: str) -> BadRequest:
        return BadRequest(f"Bad Request: can't parse entities: {msg}")

    while i < n:
        c = text[i]
        if c == "&":
            m = re.match(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{1,10});", text[i:])
            decoded = None
            if m:
                name = m.group(1)
                if name.startswith("#x"):
                    code = int(name[2:], 16)
                elif name.startswith("#"):
                    code = int(name[1:])
                else:
                    code = ord(NAMED_ENTITIES[name]) if name in NAMED_ENTITIES else -1
                if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                    decoded = chr(code)
            if decoded is not None and m is not None:
                out.append(decoded)
                units += utf16_len(decoded)
                i += len(m.group(0))
            else:  # Telegram keeps an unknown entity as it is
                out.append("&")
                units += 1
                i += 1
            continue
        if c != "<":
            out.append(c)
            units += utf16_len(c)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] != "/":
            j = i
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            if j >= n:
                raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = text[i:j].lower()
            if tag not in TAGS:
                raise fail(f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}')
            attrs: dict[str, str] = {}
            k = j
            while True:
                while k < n and text[k].isspace():
                    k += 1
                if k >= n:
                    raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if text[k] == ">":
                    k += 1
                    break
                a = k
                while k < n and (text[k].isalnum() or text[k] in "-_"):
                    k += 1
                attr = text[a:k].lower()
                if not attr:
                    raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}')
                while k < n and text[k].isspace():
                    k += 1
                if k >= n or text[k] != "=":
                    if k < n and text[k] == ">" or (k < n and text[k].isalpha()):
                        attrs[attr] = ""
                        continue
                    raise fail(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte '
                        f"offset {byte_offset(begin)}"
                    )
                k += 1
                while k < n and text[k].isspace():
                    k += 1
                if k < n and text[k] in "'\"":
                    q = text[k]
                    end = text.find(q, k + 1)
                    if end < 0:
                        raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                    value = text[k + 1 : end]
                    k = end + 1
                else:
                    a = k
                    while k < n and not text[k].isspace() and text[k] != ">":
                        k += 1
                    value = text[a:k]
                attrs[attr] = _decode_attr(value)
            if tag == "span" and attrs.get("class") != "tg-spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
            if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
                raise fail(f"Custom emoji entity must have a valid emoji-id at byte offset {byte_offset(begin)}")
            if tag == "blockquote" and any(t == "blockquote" for t, _, _ in stack):
                raise fail("Blockquote entities can't be nested")
            stack.append((tag, attrs, units))
            i = k
        else:
            i += 1
            j = text.find(">", i)
            if j < 0:
                raise fail(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            name = text[i:j].strip().lower()
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            tag, attrs, start = stack.pop()
            if name != tag:
                raise fail(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{tag}>", found "</{name}>"'
                )
            length = units - start
            if length > 0:
                entity: dict[str, Any] = {"type": TAGS[tag], "offset": start, "length": length}
                if tag == "a":
                    entity["url"] = attrs.get("href", "")
                    if not entity["url"]:
                        entity = {"type": "url", "offset": start, "length": length}
                if tag == "pre" and "class" in attrs:
                    entity["language"] = attrs["class"].removeprefix("language-")
                if tag == "tg-emoji":
                    entity["custom_emoji_id"] = attrs["emoji-id"]
                entities.append(entity)
            i = j + 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _decode_attr(value: str) -> str:
    return re.sub(r"&(lt|gt|amp|quot);", lambda m: NAMED_ENTITIES[m.group(1)], value)


def check_text(text: Any, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(text, str):
        raise BadRequest("Bad Request: message text is empty")
    if parse_mode and parse_mode.upper() == "HTML":
        plain, entities = parse_html(text)
    elif parse_mode:
        raise BadRequest(f"Bad Request: unsupported parse_mode in this fake: {parse_mode}")
    else:
        plain, entities = text, []
    if not plain.strip():
        raise BadRequest("Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise BadRequest("Bad Request: message is too long")
    return plain, entities


def check_markup(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise BadRequest("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in raw:
        return raw  # reply keyboards, force reply, remove: accepted as they are
    rows = raw["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise BadRequest('Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    total = 0
    for row in rows:
        if len(row) > 8:
            raise BadRequest("Bad Request: BUTTONS_TOO_MUCH")
        for b in row:
            total += 1
            if not isinstance(b, dict) or not isinstance(b.get("text"), str):
                raise BadRequest('Bad Request: can\'t find field "text"')
            if not b["text"].strip():
                raise BadRequest("Bad Request: BUTTON_TEXT_INVALID")
            actions = [
                k
                for k in (
                    "callback_data",
                    "url",
                    "login_url",
                    "switch_inline_query",
                    "switch_inline_query_current_chat",
                    "switch_inline_query_chosen_chat",
                    "copy_text",
                    "callback_game",
                    "pay",
                    "web_app",
                )
                if k in b
            ]
            if len(actions) != 1:
                raise BadRequest("Bad Request: text buttons are unallowed in the inline keyboard")
            if "callback_data" in b:
                data = b["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
            if "url" in b and not re.match(r"^(https?|tg)://[^\s]+$", str(b["url"])):
                raise BadRequest("Bad Request: BUTTON_URL_INVALID")
    if total > 100:
        raise BadRequest("Bad Request: BUTTONS_TOO_MUCH")
    return raw


# -- what the bot sent ----------------------------------------------------------------------------------------


@dataclass
class BotMessage:
    """One message of the bot as a user sees it: `text` after entity parsing, `html` as sent."""

    chat_id: int
    message_id: int
    text: str
    html: str
    entities: list[dict[str, Any]]
    markup: dict[str, Any] | None
    event: str = "send"  # send | edit | markup

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        return list((self.markup or {}).get("inline_keyboard", []))

    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def button(self, label: str) -> dict[str, Any]:
        for row in self.buttons:
            for b in row:
                if b["text"] == label or b.get("callback_data") == label:
                    return b
        raise KeyError(f"no button {label!r} in {self.labels()}")

    def bold(self) -> list[str]:
        return [_slice16(self.text, e["offset"], e["length"]) for e in self.entities if e["type"] == "bold"]


def _slice16(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le")


@dataclass
class Chat:
    id: int
    type: str = "private"
    title: str | None = None
    user: dict[str, Any] | None = None

    def json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user:
            d["first_name"] = self.user["first_name"]
        else:
            d["title"] = self.title or "Group"
        return d


@dataclass
class Stored:
    chat_id: int
    message_id: int
    from_bot: bool
    text: str
    html: str
    entities: list[dict[str, Any]]
    markup: dict[str, Any] | None
    date: int = field(default_factory=lambda: int(time.time()))


class FakeTelegram:
    """The server. Start with `await start()`; `url` goes to TELEGRAM_BASE_URL / build_application(base_url)."""

    api_handler: type  # the request handler class (defined below); a subclass may swap in its own

    def __init__(self, token: str = DEFAULT_TOKEN, username: str = "rights_test_bot"):
        self.token = token
        self.username = username
        self.port = 0
        self._server: HTTPServer | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._user_ids = itertools.count(1001)
        self._query_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], Stored] = {}
        self.outbox: dict[int, asyncio.Queue[BotMessage]] = {}
        self.queries: dict[str, dict[str, Any] | None] = {}  # id -> answer (None while unanswered)
        self.query_answered: dict[str, asyncio.Event] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.errors: list[tuple[str, str]] = []
        self.calls: dict[str, int] = {}
        self.sent_at: list[float] = []  # time of every sendMessage accepted
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes): photos and documents
        self._webhook_task: asyncio.Task[None] | None = None
        self._closing = False
        self.faults: list[Fault] = []
        self.faults_hit: dict[str, int] = {}

    # -- lifecycle ----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
        chat_id: int | None = None,
    ) -> Fault:
        fault = Fault(method, kind, times, retry_after, delay, chat_id)
        self.faults.append(fault)
        return fault

    def take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.times <= 0 or (fault.method != method and (fault.method != "*" or method == "getUpdates")):
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            fault.times -= 1
            self.faults_hit[fault.kind] = self.faults_hit.get(fault.kind, 0) + 1
            return fault
        return None

    async def start(self, port: int = 0) -> FakeTelegram:
        app = TornadoApp(
            [
                (r"/bot([^/]+)/([A-Za-z]+)", self.api_handler, {"fake": self}),
                (r"/file/bot([^/]+)/(.*)", _FileHandler, {"fake": self}),
            ]
        )
        sockets = bind_sockets(port, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = HTTPServer(app, idle_connection_timeout=60)
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._webhook_task
        if self._server:
            self._server.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.close_all_connections(), 5)

    # -- users and chats ----------------------------------------------------------------------------------

    def user(
        self,
        *,
        user_id: int | None = None,
        language_code: str | None = "en",
        first_name: str = "Lin",
        username: str | None = None,
    ) -> FakeUser:
        uid = user_id or next(self._user_ids)
        info: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            info["language_code"] = language_code
        if username:
            info["username"] = username
        chat = self.chats.get(uid) or Chat(uid, "private", user=info)
        self.chats[uid] = chat
        return FakeUser(self, info, chat)

    def group(self, *, chat_id: int = -100123, title: str = "Family group") -> Chat:
        chat = self.chats.get(chat_id) or Chat(chat_id, "supergroup", title=title)
        self.chats[chat_id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _queue(self, chat_id: int) -> asyncio.Queue[BotMessage]:
        return self.outbox.setdefault(chat_id, asyncio.Queue())

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._new_update.set()
        return update

    # -- the Bot API ----------------------------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        self.calls[method] = self.calls.get(method, 0) + 1
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            raise BadRequest("Not Found", 404)
        return await handler(params)

    async def api_getme(self, p: dict[str, Any]) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Rights bot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def api_getupdates(self, p: dict[str, Any]) -> Any:
        if self.webhook:
            raise BadRequest(
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
                409,
            )
        offset = int(p.get("offset") or 0)
        limit = min(100, int(p.get("limit") or 100))
        timeout = min(float(p.get("timeout") or 0), 30.0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self._updates and not self._closing:
            self._new_update.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)
        return self._updates[:limit]

    async def api_setwebhook(self, p: dict[str, Any]) -> Any:
        url = str(p.get("url") or "")
        if not url:
            return await self.api_deletewebhook(p)
        if not re.match(r"^https?://", url):
            raise BadRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {"url": url, "secret_token": p.get("secret_token")}
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._push_webhook())
        return True

    async def api_deletewebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        if str(p.get("drop_pending_updates", "")).lower() in ("true", "1"):
            self._updates.clear()
        return True

    async def api_getwebhookinfo(self, p: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _push_webhook(self) -> None:
        client = AsyncHTTPClient()
        while not self._closing and self.webhook:
            if not self._updates:
                self._new_update.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), 0.5)
                continue
            update = self._updates[0]
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(self.webhook["secret_token"])
            try:
                await client.fetch(
                    HTTPRequest(
                        self.webhook["url"], method="POST", headers=headers, body=json.dumps(update), request_timeout=10
                    )
                )
                self._updates.pop(0)
            except (HTTPClientError, OSError):
                await asyncio.sleep(0.1)

    async def api_setmycommands(self, p: dict[str, Any]) -> Any:
        commands = _json(p.get("commands"))
        if not isinstance(commands, list) or len(commands) > 100:
            raise BadRequest("Bad Request: commands must be an array of at most 100 BotCommand")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise BadRequest("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise BadRequest("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        lang = str(p.get("language_code") or "")
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise BadRequest("Bad Request: invalid language code specified")
        scope = json.dumps(_json(p.get("scope")) or {"type": "default"}, sort_keys=True)
        self.commands[(scope, lang)] = commands
        return True

    async def api_getmycommands(self, p: dict[str, Any]) -> Any:
        scope = json.dumps(_json(p.get("scope")) or {"type": "default"}, sort_keys=True)
        return self.commands.get((scope, str(p.get("language_code") or "")), [])

    async def api_deletemycommands(self, p: dict[str, Any]) -> Any:
        scope = json.dumps(_json(p.get("scope")) or {"type": "default"}, sort_keys=True)
        self.commands.pop((scope, str(p.get("language_code") or "")), None)
        return True

    def _chat(self, p: dict[str, Any]) -> Chat:
        raw = p.get("chat_id")
        try:
            chat_id = int(str(raw))
        except ValueError:
            raise BadRequest("Bad Request: chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise BadRequest("Bad Request: chat not found")
        return chat

    async def api_sendmessage(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        plain, entities = check_text(p.get("text"), p.get("parse_mode"))
        markup = check_markup(p.get("reply_markup"))
        mid = self._next_message_id(chat.id)
        stored = Stored(chat.id, mid, True, plain, str(p.get("text")), entities, markup)
        self.messages[(chat.id, mid)] = stored
        self.sent_at.append(time.monotonic())
        self._queue(chat.id).put_nowait(BotMessage(chat.id, mid, plain, stored.html, entities, markup, "send"))
        return self._message_json(stored)

    async def api_editmessagetext(self, p: dict[str, Any]) -> Any:
        stored = self._editable(p)
        plain, entities = check_text(p.get("text"), p.get("parse_mode"))
        markup = check_markup(p.get("reply_markup"))
        if plain == stored.text and entities == stored.entities and markup == stored.markup:
            raise BadRequest(
                "Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        stored.text, stored.html, stored.entities, stored.markup = plain, str(p.get("text")), entities, markup
        self._queue(stored.chat_id).put_nowait(
            BotMessage(stored.chat_id, stored.message_id, plain, stored.html, entities, markup, "edit")
        )
        return self._message_json(stored)

    async def api_editmessagereplymarkup(self, p: dict[str, Any]) -> Any:
        stored = self._editable(p)
        markup = check_markup(p.get("reply_markup"))
        if markup == stored.markup or (not markup and not stored.markup):
            raise BadRequest(
                "Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        stored.markup = markup
        self._queue(stored.chat_id).put_nowait(
            BotMessage(stored.chat_id, stored.message_id, stored.text, stored.html, stored.entities, markup, "markup")
        )
        return self._message_json(stored)

    def _editable(self, p: dict[str, Any]) -> Stored:
        chat = self._chat(p)
        try:
            mid = int(str(p.get("message_id")))
        except ValueError:
            raise BadRequest("Bad Request: message to edit not found") from None
        stored = self.messages.get((chat.id, mid))
        if stored is None:
            raise BadRequest("Bad Request: message to edit not found")
        if not stored.from_bot:
            raise BadRequest("Bad Request: message can't be edited")
        return stored

    async def api_answercallbackquery(self, p: dict[str, Any]) -> Any:
        qid = str(p.get("callback_query_id"))
        if qid not in self.queries or self.queries[qid] is not None:
            raise BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
        self.queries[qid] = {"text": text, "show_alert": str(p.get("show_alert", "")).lower() in ("true", "1")}
        self.query_answered.setdefault(qid, asyncio.Event()).set()
        return True

    async def api_sendchataction(self, p: dict[str, Any]) -> Any:
        self._chat(p)
        return True

    async def api_deletemessage(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        if self.messages.pop((chat.id, int(str(p.get("message_id")))), None) is None:
            raise BadRequest("Bad Request: message to delete not found")
        return True

    async def api_getfile(self, p: dict[str, Any]) -> Any:
        file_id = str(p.get("file_id") or "")
        if file_id not in self.files:
            raise BadRequest("Bad Request: invalid file_id")
        path, data = self.files[file_id]
        if len(data) > MAX_DOWNLOAD:
            raise BadRequest("Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(data), "file_path": path}

    def add_file(self, data: bytes, folder: str, ext: str) -> dict[str, Any]:
        """Store a file the way Telegram does for a photo or document: returns its file_id and size."""
        n = len(self.files) + 1
        file_id = f"AgAC{n:04d}{folder}"
        self.files[file_id] = (f"{folder}/file_{n}.{ext}", bytes(data))
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(data)}

    async def api_close(self, p: dict[str, Any]) -> Any:
        return True

    async def api_logout(self, p: dict[str, Any]) -> Any:
        return True

    def _message_json(self, m: Stored) -> dict[str, Any]:
        chat = self.chats[m.chat_id]
        out: dict[str, Any] = {"message_id": m.message_id, "date": m.date, "chat": chat.json(), "text": m.text}
        if m.from_bot:
            out["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Rights bot", "username": self.username}
        if m.entities:
            out["entities"] = m.entities
        if m.markup:
            out["reply_markup"] = m.markup
        return out

    # -- driving the user side ------------------------------------------------------------------------------

    def user_message(
        self,
        chat: Chat,
        user: dict[str, Any],
        text: str,
        *,
        forward_from: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        mid = self._next_message_id(chat.id)
        msg: dict[str, Any] = {"message_id": mid, "date": int(time.time()), "chat": chat.json(), "from": user}
        if text:
            msg["text"] = text
            ents = list(entities or [])
            m = re.match(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
            if m:
                ents.insert(0, {"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))})
            for mm in re.finditer(r"@[A-Za-z0-9_]{5,32}", text):
                if not m or mm.start() >= m.end():
                    ents.append(
                        {"type": "mention", "offset": utf16_len(text[: mm.start()]), "length": utf16_len(mm.group(0))}
                    )
            if ents:
                msg["entities"] = ents
        if forward_from is not None:
            msg["forward_origin"] = {"type": "hidden_user", "sender_user_name": forward_from, "date": msg["date"]}
        if extra:
            msg.update(extra)
        self.messages[(chat.id, mid)] = Stored(chat.id, mid, False, text, text, [], None)
        return msg


class FakeUser:
    """A Telegram user in a chat with the bot (a private chat unless `in_chat` is used)."""

    def __init__(self, fake: FakeTelegram, info: dict[str, Any], chat: Chat):
        self.fake, self.info, self.chat = fake, info, chat
        self.last_query: str | None = None

    @property
    def id(self) -> int:
        return int(self.info["id"])

    def in_chat(self, chat: Chat) -> FakeUser:
        return FakeUser(self.fake, self.info, chat)

    async def send(self, text: str, *, forward_from: str | None = None, **extra: Any) -> dict[str, Any]:
        msg = self.fake.user_message(self.chat, self.info, text, forward_from=forward_from, extra=extra or None)
        self.fake.push_update({"message": msg})
        return msg

    async def send_other(self, **content: Any) -> dict[str, Any]:
        """A message without text (a sticker, a photo ...): content is merged into the message."""
        msg = self.fake.user_message(self.chat, self.info, "", extra=content)
        self.fake.push_update({"message": msg})
        return msg

    async def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        forward_from: str | None = None,
    ) -> dict[str, Any]:
        """A photo, as Telegram delivers it: re-encoded as JPEG (at most 2560 px a side), in several sizes
        (a 320 px thumbnail and the full picture), each with its own file_id."""
        sizes = []
        for limit in (320, 2560):
            jpeg, w, h = _as_telegram_photo(data, limit)
            sizes.append({**self.fake.add_file(jpeg, "photos", "jpg"), "width": w, "height": h})
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if media_group_id:
            content["media_group_id"] = media_group_id
        msg = self.fake.user_message(self.chat, self.info, "", forward_from=forward_from, extra=content)
        self.fake.push_update({"message": msg})
        return msg

    async def send_document(
        self, data: bytes, *, file_name: str, mime_type: str, caption: str | None = None, file_size: int | None = None
    ) -> dict[str, Any]:
        """A file sent as a document (no re-encoding); `file_size` may claim another size than len(data)."""
        info = self.fake.add_file(data, "documents", file_name.rsplit(".", 1)[-1])
        doc = {**info, "file_name": file_name, "mime_type": mime_type}
        if file_size is not None:
            doc["file_size"] = file_size
        content: dict[str, Any] = {"document": doc}
        if caption:
            content["caption"] = caption
        msg = self.fake.user_message(self.chat, self.info, "", extra=content)
        self.fake.push_update({"message": msg})
        return msg

    async def press(self, label: str, message: BotMessage | None = None) -> str:
        """Press the button with this label (or callback data) on `message`, else on the latest bot message in
        this chat that has it. Returns the callback query id."""
        target = message or self._latest_with(label)
        button = target.button(label)
        if "callback_data" not in button:
            raise ValueError(f"button {label!r} is not a callback button")
        qid = str(next(self.fake._query_ids))
        self.fake.queries[qid] = None
        stored = self.fake.messages[(target.chat_id, target.message_id)]
        self.fake.push_update(
            {
                "callback_query": {
                    "id": qid,
                    "from": self.info,
                    "chat_instance": str(self.chat.id),
                    "message": self.fake._message_json(stored),
                    "data": button["callback_data"],
                }
            }
        )
        self.last_query = qid
        return qid

    async def press_data(self, data: str, message: BotMessage) -> str:
        """A callback query with any data (as a forged or outdated client would send) on a bot message."""
        qid = str(next(self.fake._query_ids))
        self.fake.queries[qid] = None
        stored = self.fake.messages[(message.chat_id, message.message_id)]
        self.fake.push_update(
            {
                "callback_query": {
                    "id": qid,
                    "from": self.info,
                    "chat_instance": str(self.chat.id),
                    "message": self.fake._message_json(stored),
                    "data": data,
                }
            }
        )
        self.last_query = qid
        return qid

    def _latest_with(self, label: str) -> BotMessage:
        for (chat_id, mid), m in sorted(self.fake.messages.items(), key=lambda kv: -kv[0][1]):
            if chat_id == self.chat.id and m.from_bot:
                bm = BotMessage(chat_id, mid, m.text, m.html, m.entities, m.markup)
                with contextlib.suppress(KeyError):
                    bm.button(label)
                    return bm
        raise KeyError(f"no message in chat {self.chat.id} has a button {label!r}")

    async def reply(self, timeout: float = 10.0, *, include_markup_edits: bool = False) -> BotMessage:
        """The next message the bot sent or edited in this chat."""
        queue = self.fake._queue(self.chat.id)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                m = await asyncio.wait_for(queue.get(), max(0.001, remaining))
            except TimeoutError:
                raise AssertionError(
                    f"no reply from the bot in chat {self.chat.id} within {timeout}s (errors: {self.fake.errors})"
                ) from None
            if m.event != "markup" or include_markup_edits:
                return m

    async def replies(self, n: int, timeout: float = 10.0) -> list[BotMessage]:
        return [await self.reply(timeout) for _ in range(n)]

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0, *, expect_any: bool = False) -> list[BotMessage]:
        """Every message the bot sends until it has been quiet for `quiet` seconds (possibly none). With
        expect_any, the first one is awaited up to `timeout` first (robust on a slow machine)."""
        out: list[BotMessage] = []
        if expect_any:
            out.append(await self.reply(timeout))
        deadline = time.monotonic() + timeout
        queue = self.fake._queue(self.chat.id)
        while time.monotonic() < deadline:
            try:
                m = await asyncio.wait_for(queue.get(), quiet)
            except TimeoutError:
                break
            if m.event != "markup":
                out.append(m)
        return out

    async def all_replies(self, quiet: float = 0.3, timeout: float = 10.0) -> list[BotMessage]:
        """The bot's next reply (awaited up to `timeout`) and everything it sends until quiet for `quiet` s."""
        return await self.settle(quiet, timeout, expect_any=True)

    async def answer(self, qid: str | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """How the bot answered a pressed button (the toast)."""
        qid = qid or self.last_query
        assert qid is not None
        event = self.fake.query_answered.setdefault(qid, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)
        return self.fake.queries[qid] or {}


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class _ApiHandler(RequestHandler):
    def initialize(self, fake: FakeTelegram) -> None:  # type: ignore[override]
        self.fake = fake

    def check_xsrf_cookie(self) -> None:
        return None

    async def get(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def _handle(self, token: str, method: str) -> None:
        self.set_header("Content-Type", "application/json")
        if token != self.fake.token:
            self.set_status(401)
            self.finish(json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}))
            return
        params = self._params()
        fault = self.fake.take_fault(method, params)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault is not None:
            self._fail(fault)
            return
        try:
            result = await self.fake.call(method, params)
        except BadRequest as exc:
            self.fake.errors.append((method, exc.description))
            self.set_status(exc.code)
            self.finish(json.dumps({"ok": False, "error_code": exc.code, "description": exc.description}))
            return
        if (
            self.request.connection
            and getattr(self.request.connection, "stream", None) is not None
            and self.request.connection.stream.closed()
        ):
            return
        self.finish(json.dumps({"ok": True, "result": result}, ensure_ascii=False))

    def _fail(self, fault: Fault) -> None:
        if fault.kind == "drop":
            self.detach().close()  # the connection ends with no answer at all
            return
        if fault.kind == "502":
            self.set_status(502)
            self.set_header("Content-Type", "text/html")
            self.finish("<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>")
            return
        code = int(fault.kind)
        body: dict[str, Any] = {
            "ok": False,
            "error_code": code,
            "description": "Internal Server Error"
            if code == 500
            else f"Too Many Requests: retry after {fault.retry_after}",
        }
        if code == 429:
            body["parameters"] = {"retry_after": fault.retry_after}
        self.set_status(code)
        self.finish(json.dumps(body))

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[-1].decode("utf-8") for k, v in self.request.query_arguments.items()}
        ctype = self.request.headers.get("Content-Type", "")
        body = self.request.body or b""
        if ctype.startswith("application/json") and body:
            params.update(json.loads(body))
        elif ctype.startswith("application/x-www-form-urlencoded"):
            params.update(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        elif ctype.startswith("multipart/form-data"):
            args: dict[str, list[bytes]] = {}
            files: dict[str, list[httputil.HTTPFile]] = {}
            httputil.parse_body_arguments(ctype, body, args, files)
            params.update({k: v[-1].decode("utf-8") for k, v in args.items()})
        return params


class _FileHandler(RequestHandler):
    def initialize(self, fake: FakeTelegram) -> None:  # type: ignore[override]
        self.fake = fake

    async def get(self, token: str, path: str) -> None:
        if token != self.fake.token:
            self.set_status(401)
            self.finish("Unauthorized")
            return
        for file_path, data in self.fake.files.values():
            if file_path == path:
                self.set_header("Content-Type", "application/octet-stream")
                self.finish(data)
                return
        self.set_status(404)
        self.finish("Not Found")


def _as_telegram_photo(data: bytes, limit: int) -> tuple[bytes, int, int]:
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB")
    img.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=87)
    return buf.getvalue(), img.width, img.height


# -- the bot under test ---------------------------------------------------------------------------------------


class BotUnderTest:
    """The real Application (handlers.app.build_application) polling a FakeTelegram, on a fresh SQLite file."""

    def __init__(self, fake: FakeTelegram, engine: Any, db_path: Path, **build: Any):
        self.fake, self.engine, self.db_path, self.build = fake, engine, db_path, build
        self.app: Any = None
        self.expect_errors = False

    @property
    def storage(self) -> Any:
        return self.app.bot_data["services"].storage

    def settings(self) -> Any:
        from bot.config import load_settings

        return dataclasses.replace(load_settings(), database=self.db_path)

    async def start(self) -> BotUnderTest:
        from telegram.ext import AIORateLimiter

        from handlers.app import build_application, start_application

        build = {"rate_limiter": AIORateLimiter(overall_max_rate=0, group_max_rate=0), **self.build}
        self.app = build_application(
            token=self.fake.token, engine=self.engine, settings=self.settings(), base_url=self.fake.url, **build
        )
        await start_application(self.app, poll_timeout=1.0)
        return self

    async def stop(self) -> None:
        from handlers.app import stop_application

        if self.app is not None:
            await stop_application(self.app)
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def user(self, **kwargs: Any) -> FakeUser:
        return self.fake.user(**kwargs)


FakeTelegram.api_handler = _ApiHandler
