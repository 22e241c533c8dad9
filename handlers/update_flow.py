"""How updates flow into the handlers: in order per user, malformed ones skipped, long pastes joined.

- FlushingUpdateProcessor: several users at once, each user's updates one at a time and in order, the
  persistence written right after each update (state survives `kill -9`).
- ScreeningRequest: the getUpdates transport. An update that python-telegram-bot cannot read would fail every
  getUpdates call (the offset never moves: thousands of tracebacks a minute); it is replaced by an empty update
  with the same id, so polling goes on, and logged once.
- PasteJoiner: Telegram splits a long paste into messages of at most 4096 characters, sent a moment apart.
  A text about that long is held for JOIN_WINDOW seconds, and the texts that follow it from the same user
  within the window are joined to it: one message, one verdict.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import HTTPXRequest, RequestData

_LOGGER = logging.getLogger("rights_bot")


def update_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_user:
            return update.effective_user.id
        if update.effective_chat:
            return update.effective_chat.id
    return 0


class FlushingUpdateProcessor(BaseUpdateProcessor):
    """Processes updates one user at a time (several users at once when max_concurrent_updates > 1) and
    writes the persistence right after each update, so that state survives a crash (`kill -9`)."""

    def __init__(self, max_concurrent_updates: int = 1):
        super().__init__(max_concurrent_updates)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def user_turn(self, key: int) -> Any:
        """Hold this user's turn: nothing else of theirs is processed meanwhile."""
        lock, n = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, n + 1)
        try:
            async with lock:
                yield
        finally:
            lock, n = self._locks[key]
            if n <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, n - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.user_turn(update_key(update)):
            await coroutine
            await self.flush()

    async def flush(self) -> None:
        app = self.application
        if app is not None and app.persistence is not None and app.running:
            await app.update_persistence()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class ScreeningRequest(HTTPXRequest):
    """getUpdates, with updates that cannot be read replaced by empty ones (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._reported: set[int] = set()

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
        code, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if code == 200 and url.endswith("/getUpdates"):
            payload = self.screen(payload)
        return code, payload

    def screen(self, payload: bytes) -> bytes:
        try:
            body = json.loads(payload)
        except ValueError:
            return payload
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            return payload
        kept: list[Any] = []
        changed = False
        for item in result:
            if _readable(item):
                kept.append(item)
                continue
            changed = True
            uid = item.get("update_id") if isinstance(item, dict) else None
            if isinstance(uid, int) and not isinstance(uid, bool):
                kept.append({"update_id": uid})
                if uid not in self._reported:
                    self._reported.add(uid)
                    _LOGGER.warning("skipped update %d: it is malformed", uid)
            else:
                _LOGGER.warning("skipped an update without an id: it is malformed")
        if not changed:
            return payload
        body["result"] = kept
        return json.dumps(body).encode()


def _readable(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("update_id"), int):
        return False
    try:
        Update.de_json(item, None)
    except Exception:  # noqa: BLE001  whatever the parser trips on, the update is unreadable
        return False
    return True


# -- long pastes ---------------------------------------------------------------------------------------------------

JOIN_WINDOW = 2.0
LONG_PART = 3500  # UTF-16 units: Telegram's parts of a split paste are just under 4096


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Held:
    update: Update
    parts: list[str] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None


class PasteJoiner:
    """Holds a long text for a moment and joins what follows it (see the module docstring). `handle` is called
    with the first part's update and the joined text, inside the user's turn of the update processor."""

    def __init__(self, window: float = JOIN_WINDOW, enabled: bool = True):
        self.window, self.enabled = window, enabled  # the local chat reads whole pastes: nothing to join
        self._held: dict[int, _Held] = {}
        self.handle: Callable[[Update, str], Awaitable[None]] | None = None
        self.processor: FlushingUpdateProcessor | None = None
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None

    def holding(self, user_id: int) -> bool:
        return user_id in self._held

    def offer(self, user_id: int, update: Update, text: str) -> bool:
        """True when the text is held (the caller does nothing more with this update)."""
        held = self._held.get(user_id)
        if held is None:
            if not self.enabled or utf16_len(text) < LONG_PART:
                return False
            held = self._held[user_id] = _Held(update)
        held.parts.append(text)
        if held.timer is not None:
            held.timer.cancel()
        held.timer = self._later(user_id, held)
        return True

    def _later(self, user_id: int, held: _Held) -> asyncio.Task[None]:
        async def fire() -> None:
            await asyncio.sleep(self.window)
            turn = self.processor.user_turn(user_id) if self.processor else contextlib.nullcontext()
            async with turn:
                if self._held.get(user_id) is held:
                    await self._run(user_id, held)
                    if self.processor is not None:
                        await self.processor.flush()

        if self.application is not None:
            return self.application.create_task(fire(), update=held.update, name="paste-join")
        return asyncio.get_running_loop().create_task(fire())

    async def release(self, user_id: int) -> None:
        """Handle the held text now (another update of this user arrived: keep the order)."""
        held = self._held.get(user_id)
        if held is None:
            return
        if held.timer is not None and held.timer is not asyncio.current_task():
            held.timer.cancel()
        await self._run(user_id, held)

    async def _run(self, user_id: int, held: _Held) -> None:
        self._held.pop(user_id, None)
        if self.handle is not None:
            await self.handle(held.update, "\n".join(held.parts))  # the split ate a newline or a space

    def forget_user(self, user_id: int) -> None:
        held = self._held.pop(user_id, None)
        if held is not None and held.timer is not None:
            held.timer.cancel()
