"""A python-telegram-bot persistence on the bot's SQLite file (aiosqlite), through bot.storage.Storage.

User data, chat data and conversation states are stored as JSON (never pickle), with personal data redacted
(bot.redact). Bot data and arbitrary callback data are not kept (the bot uses neither). Unchanged entries are
not rewritten. The application flushes after every update (see handlers.update_flow.FlushingUpdateProcessor),
so a conversation survives a restart, `kill -9` included; the /plan interview writes its state itself, before
each next question (`write_user_data_now`), so that an answer the file did not take is never acknowledged.

When the database cannot be opened (damaged, locked, read-only, full), the bot runs without stored state: the
persistence reads nothing and writes nothing (bot.storage logs why, once).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.storage import Storage, StorageUnavailable, dumps

CDCData = Any
ConversationDict = dict[tuple[Any, ...], object]
ConversationKey = tuple[Any, ...]


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, storage: Storage, update_interval: float = 60):
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.storage = storage
        self._saved: dict[tuple[str, int], str] = {}  # last JSON written per row, to skip unchanged rows

    async def _db(self) -> Storage:
        if not self.storage.is_open and not await self.storage.open_or_degrade():
            raise StorageUnavailable("unavailable", self.storage.problem or "")
        return self.storage

    @property
    def degraded(self) -> bool:
        return not self.storage.is_open

    # -- reading (once, at Application.initialize) ----------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        try:
            data = await (await self._db()).load_all("ptb_user_data")
        except StorageUnavailable:
            return {}
        self._saved.update({("ptb_user_data", k): dumps(v) for k, v in data.items()})
        return data

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        try:
            data = await (await self._db()).load_all("ptb_chat_data")
        except StorageUnavailable:
            return {}
        self._saved.update({("ptb_chat_data", k): dumps(v) for k, v in data.items()})
        return data

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        try:
            return await (await self._db()).load_conversations(name)
        except StorageUnavailable:
            return {}

    # -- writing ----------------------------------------------------------------------------------------

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        if self.degraded:
            return
        await (await self._db()).save_conversation(name, tuple(key), new_state)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._save("ptb_user_data", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        await self._save("ptb_chat_data", chat_id, data)

    async def write_user_data_now(self, user_id: int, data: dict[Any, Any]) -> None:
        """Write one user's data at once (StorageError when the file does not take it)."""
        await self._save("ptb_user_data", user_id, data, strict=True)

    async def _save(self, table: str, key: int, data: dict[Any, Any], strict: bool = False) -> None:
        if self.degraded and not strict:
            return
        text = dumps(data) if data else ""
        if self._saved.get((table, key), "") == text:
            return
        await (await self._db()).save_data(table, key, data)
        if text:
            self._saved[(table, key)] = text
        else:
            self._saved.pop((table, key), None)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        self._saved.pop(("ptb_chat_data", chat_id), None)
        if not self.degraded:
            await (await self._db()).delete_data("ptb_chat_data", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self._saved.pop(("ptb_user_data", user_id), None)
        if not self.degraded:
            await (await self._db()).delete_data("ptb_user_data", user_id)

    def forget_cache(self, user_id: int) -> None:
        """After Storage.forget(): the rows are gone, so nothing is 'already saved' any more."""
        self._saved.pop(("ptb_user_data", user_id), None)
        self._saved.pop(("ptb_chat_data", user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        """Everything is written as it changes; nothing is buffered here."""
        return None
