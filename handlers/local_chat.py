"""`make run` without a token: a chat in the terminal with the very same Application and handlers.

The Application is built by handlers.app.build_application like the real bot; only its transport differs: a
`LocalBotAPI` (a python-telegram-bot BaseRequest) answers the Bot API calls in process, printing what the bot
sends. Each message typed is a message from one local user; `#3` presses button 3 of the latest keyboard (the
buttons are shown as [#1] [#2] …; a plain number is a text, such as an amount); a message starting with ">" is
sent as a forwarded message. End of input ends the chat.

Reading: on a terminal, prompt_toolkit reads the input (raw mode, so a paste longer than the terminal's 4 KB
line buffer arrives whole, and a multi-line paste is one message; Enter sends it). Through a pipe each line is
one message, of any length.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.config import load_settings, state_dir
from bot.i18n import gettext_for, normalise_language_code

LOCAL_TOKEN = "1:local-chat-token-not-a-real-telegram-token"
BOT_ID = 1
USER_ID = 4242
_TAGS = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>")
PRESS = "#"  # "#2" presses the second button; "2" alone is a text
_PRESS = re.compile(r"^#\s*(\d{1,3})$")


def html_to_terminal(text: str, ansi: bool) -> str:
    """Telegram HTML as terminal text: bold/italic as ANSI styles (when on a terminal), links with their URL."""

    def tag(m: re.Match[str]) -> str:
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if name == "a" and not closing:
            href = re.search(r'href="([^"]*)"', attrs)
            return f"[{html.unescape(href.group(1))}] " if href else ""
        if not ansi:
            return ""
        if closing:
            return "\033[0m"
        return {
            "b": "\033[1m",
            "strong": "\033[1m",
            "i": "\033[3m",
            "em": "\033[3m",
            "u": "\033[4m",
            "code": "\033[36m",
            "pre": "\033[36m",
        }.get(name, "")

    return html.unescape(_TAGS.sub(tag, text))


class LocalBotAPI(BaseRequest):
    """The Bot API, answered in process for one local user and printed to a stream."""

    def __init__(self, out: TextIO, *, ansi: bool = False, files_dir: Path | None = None):
        self.out, self.ansi = out, ansi
        self.files_dir = files_dir or state_dir() / "local-chat"
        self.messages: dict[int, dict[str, Any]] = {}
        self.message_ids = itertools.count(1)
        self.keyboard: list[dict[str, Any]] = []  # buttons of the latest keyboard, in reading order
        self.keyboard_message: dict[str, Any] | None = None
        self.answered: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        handler = getattr(self, f"_{endpoint.lower()}", None)
        if handler is None:
            result: Any = True
        else:
            result = handler(params, files)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- endpoints -----------------------------------------------------------------------------------------

    def _getme(self, p: dict[str, Any], files: Any) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "rights-bot", "username": "rights_local_bot"}

    def _getupdates(self, p: dict[str, Any], files: Any) -> Any:
        return []

    def _getmycommands(self, p: dict[str, Any], files: Any) -> Any:
        return []

    def _sendmessage(self, p: dict[str, Any], files: Any) -> Any:
        msg = self._store(p, str(p.get("text", "")))
        self._print(msg)
        return msg

    def _editmessagetext(self, p: dict[str, Any], files: Any) -> Any:
        msg = self.messages.get(int(p.get("message_id", 0)))
        if msg is None:
            return True
        msg["text"] = str(p.get("text", ""))
        msg["reply_markup"] = _markup(p.get("reply_markup"))
        if not msg["reply_markup"]:
            msg.pop("reply_markup")
        self._print(msg)
        return msg

    def _editmessagereplymarkup(self, p: dict[str, Any], files: Any) -> Any:
        msg = self.messages.get(int(p.get("message_id", 0)))
        if msg is None:
            return True
        markup = _markup(p.get("reply_markup"))
        if markup:
            msg["reply_markup"] = markup
        else:
            msg.pop("reply_markup", None)
        if self.keyboard_message is msg:
            self._set_keyboard(msg)
            if self.keyboard:
                self._print_buttons()
        return msg

    def _answercallbackquery(self, p: dict[str, Any], files: Any) -> Any:
        if p.get("text"):
            self.out.write(f"  ({p['text']})\n")
            self.out.flush()
        return True

    def _senddocument(self, p: dict[str, Any], files: Any) -> Any:
        return self._file(p, files, "document")

    def _sendphoto(self, p: dict[str, Any], files: Any) -> Any:
        return self._file(p, files, "photo")

    def _file(self, p: dict[str, Any], files: dict[str, Any], kind: str) -> Any:
        saved = []
        for name, value in files.items():
            filename, data = value[0], value[1]
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(str(filename or name)).name
            path.write_bytes(data)
            saved.append(path)
        msg = self._store(p, str(p.get("caption", "")))
        self.out.write(f"\n[{kind}] {', '.join(str(s) for s in saved)}\n")
        if msg["text"]:
            self.out.write(html_to_terminal(msg["text"], self.ansi) + "\n")
        self.out.flush()
        msg.pop("text", None)
        msg["document" if kind == "document" else "photo"] = (
            {"file_id": "local", "file_unique_id": "local"}
            if kind == "document"
            else [{"file_id": "local", "file_unique_id": "local", "width": 1, "height": 1}]
        )
        return msg

    # -- helpers -------------------------------------------------------------------------------------------

    def _store(self, p: dict[str, Any], text: str) -> dict[str, Any]:
        mid = next(self.message_ids)
        msg: dict[str, Any] = {
            "message_id": mid,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": int(p.get("chat_id", USER_ID)), "type": "private", "first_name": "you"},
            "from": self._getme({}, None),
        }
        markup = _markup(p.get("reply_markup"))
        if markup:
            msg["reply_markup"] = markup
        self.messages[mid] = msg
        return msg

    def _print(self, msg: dict[str, Any]) -> None:
        self.out.write("\n" + html_to_terminal(msg["text"], self.ansi) + "\n")
        if msg.get("reply_markup", {}).get("inline_keyboard"):
            self._set_keyboard(msg)
            self._print_buttons()
        self.out.flush()

    def _set_keyboard(self, msg: dict[str, Any]) -> None:
        self.keyboard_message = msg
        rows = msg.get("reply_markup", {}).get("inline_keyboard", [])
        self.keyboard = [b for row in rows for b in row]

    def _print_buttons(self) -> None:
        rows = (self.keyboard_message or {}).get("reply_markup", {}).get("inline_keyboard", [])
        n = 0
        for row in rows:
            cells = []
            for b in row:
                n += 1
                cells.append(f"[{PRESS}{n}] {b['text']}" + (f" <{b['url']}>" if b.get("url") else ""))
            self.out.write("  " + "   ".join(cells) + "\n")
        self.out.flush()


def _markup(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, str):
        raw = json.loads(raw)
    return raw if isinstance(raw, dict) and raw.get("inline_keyboard") else None


class LocalChat:
    """Turns typed lines into updates for the Application and waits until each one is handled."""

    def __init__(self, app: Any, api: LocalBotAPI, language_code: str | None):
        self.app, self.api = app, api
        self.user = {"id": USER_ID, "is_bot": False, "first_name": "you"}
        if language_code:
            self.user["language_code"] = language_code
        self.chat = {"id": USER_ID, "type": "private", "first_name": "you"}
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(100_000)

    async def line(self, text: str) -> None:
        text = text.rstrip("\r\n")
        if not text.strip():
            return
        press = _PRESS.match(text.strip())
        if press:
            await self.press(int(press.group(1)))
            return
        forwarded = text.startswith(">")
        if forwarded:
            text = text[1:].strip()
        elif text.startswith("\\"):
            text = text[1:]
        msg: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        m = re.match(r"^/[A-Za-z0-9_]+", text)
        if m:
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(m.group(0))}]
        if forwarded:
            msg["forward_origin"] = {"type": "hidden_user", "sender_user_name": "?", "date": msg["date"]}
        await self.put({"message": msg})

    async def press(self, n: int) -> None:
        buttons = self.api.keyboard
        if not 1 <= n <= len(buttons):
            _ = gettext_for(self.lang())
            self.api.out.write(_("There is no button %(n)d.") % {"n": n} + "\n")
            return
        button = buttons[n - 1]
        if "callback_data" not in button:
            self.api.out.write(f"{button.get('url', '')}\n")
            return
        self.api.out.write(f"  » {button['text']}\n")
        await self.put(
            {
                "callback_query": {
                    "id": str(next(self.update_ids)),
                    "from": self.user,
                    "chat_instance": str(USER_ID),
                    "data": button["callback_data"],
                    "message": self.api.keyboard_message,
                }
            }
        )

    async def put(self, data: dict[str, Any]) -> None:
        update = Update.de_json({"update_id": next(self.update_ids), **data}, self.app.bot)
        await self.app.update_queue.put(update)
        await self.app.update_queue.join()

    def lang(self) -> str:
        code = self.user.get("language_code")
        return normalise_language_code(code if isinstance(code, str) else None)


def _language_from_environment() -> str | None:
    for var in ("RIGHTS_BOT_CHAT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        code = value.split(".")[0].replace("_", "-").lower()
        if code.startswith(("zh", "en")):
            return code
    return None


def _line_reader(stdin: Any) -> asyncio.Queue[Any]:
    """Lines of a pipe in a queue, read by a daemon thread (so Ctrl-C never waits for a pending read)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                raw = stdin.readline()
            except (OSError, ValueError):
                raw = b""
            loop.call_soon_threadsafe(queue.put_nowait, raw)
            if not raw:
                return

    threading.Thread(target=read, name="local-chat-stdin", daemon=True).start()
    return queue


class _TerminalReader:
    """Messages typed or pasted on a terminal, through prompt_toolkit (None at Ctrl-D)."""

    def __init__(self) -> None:
        from prompt_toolkit import PromptSession  # noqa: PLC0415

        self.session: Any = PromptSession()

    async def get(self) -> str | None:
        try:
            return str(await self.session.prompt_async("> "))
        except EOFError:
            return None


async def chat(engine: Any, stdin: Any, out: TextIO, *, interactive: bool, language_code: str | None) -> int:
    from handlers.app import build_application, start_application, stop_application  # noqa: PLC0415

    api = LocalBotAPI(out, ansi=interactive and out.isatty())
    app = build_application(
        token=LOCAL_TOKEN,
        engine=engine,
        settings=load_settings(),
        request=api,
        get_updates_request=LocalBotAPI(out),
        rate_limiter=False,
        updater=False,
        join_pastes=False,
    )
    await start_application(app, polling=False)
    session = LocalChat(app, api, language_code)
    _ = gettext_for(session.lang())
    terminal: _TerminalReader | None = None
    try:
        if interactive:
            out.write(
                _(
                    "Local chat with the bot. Paste a message (several lines paste as one message) or ask a "
                    "question; type #1, #2 … to press a button; start a message with > to forward it; Ctrl-D "
                    "to quit."
                )
                + "\n"
            )
            out.flush()
            await session.line("/start")
            try:
                terminal = _TerminalReader()
            except Exception:  # noqa: BLE001  no usable terminal after all: read lines
                terminal = None
        lines = None if terminal is not None else _line_reader(stdin)
        while True:
            if terminal is not None:
                out.write("\n")
                raw: Any = await terminal.get()
                if raw is None:
                    break
            else:
                assert lines is not None
                if interactive:
                    out.write("\n> ")
                    out.flush()
                raw = await lines.get()
                if not raw:
                    break
            await session.line(raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw)
    finally:
        await stop_application(app)
        if interactive:
            out.write("\n")
            out.flush()
    return 0


def run_local_chat(args: argparse.Namespace | None = None) -> int:
    """`rights-bot chat` / `make run` without TELEGRAM_BOT_TOKEN."""
    from bot.load_engine import load_engine  # noqa: PLC0415
    from handlers.app import configure_logging  # noqa: PLC0415

    configure_logging(os.environ.get("RIGHTS_BOT_LOG_LEVEL", "WARNING"), LOCAL_TOKEN)
    engine = load_engine()
    try:
        return asyncio.run(
            chat(
                engine,
                sys.stdin.buffer,
                sys.stdout,
                interactive=sys.stdin.isatty(),
                language_code=_language_from_environment(),
            )
        )
    except KeyboardInterrupt:
        return 0
