"""The bot's one SQLite file, through aiosqlite: users, feedback and the conversation state of the persistence.

Privacy rules kept here, not left to callers:
- no message content is stored: there is no column for it; free-form data handed to `save_data` (the
  persistence's user/chat data) has phone, ID, card numbers and e-mail addresses redacted first;
- `forget(user_id)` deletes every row about a user, in every table;
- `purge_inactive(days)` deletes users (and all their rows) not seen for that long.

The schema is versioned: MIGRATIONS[i] brings the file from version i to i+1, applied at open time in one
transaction each; `PRAGMA user_version` holds the version.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import logging
import time
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite

from bot.redact import redact_data

MIGRATIONS: list[str] = [
    # 0 -> 1
    """
    CREATE TABLE users (
        user_id        INTEGER PRIMARY KEY,
        language       TEXT,              -- chosen with /lang; NULL: follow Telegram's language_code
        jurisdiction   TEXT,              -- chosen with /region; NULL: the default
        consent_store_text INTEGER NOT NULL DEFAULT 0,   -- opt-in to keep message text (no feature asks yet)
        created_at     INTEGER NOT NULL,
        last_seen      INTEGER NOT NULL
    );
    CREATE INDEX users_last_seen ON users(last_seen);
    CREATE TABLE feedback (
        user_id    INTEGER NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('topic', 'practice')),
        ref        TEXT NOT NULL,         -- a topic or practice id of the knowledge base
        vote       INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, kind, ref)
    );
    CREATE TABLE ptb_user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE ptb_chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE ptb_bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
    CREATE TABLE ptb_callback_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
    CREATE TABLE ptb_conversations (
        name  TEXT NOT NULL,
        key   TEXT NOT NULL,              -- JSON list of the conversation key (chat id, user id ...)
        state TEXT NOT NULL,              -- JSON
        PRIMARY KEY (name, key)
    );
    CREATE TABLE ptb_conversation_members (
        name TEXT NOT NULL, key TEXT NOT NULL, member INTEGER NOT NULL,
        PRIMARY KEY (name, key, member),
        FOREIGN KEY (name, key) REFERENCES ptb_conversations(name, key) ON DELETE CASCADE
    );
    CREATE INDEX ptb_conversation_members_member ON ptb_conversation_members(member);
    """,
    # 1 -> 2: /plan (issue 4; bot/plan/store.py): only what the user asked to keep. A plan is stored only when
    # the user presses "Save"; reminders only when they ask for them. forget() and purge() delete both.
    """
    CREATE TABLE plan_saved (
        user_id    INTEGER NOT NULL,
        plan_id    TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        data       TEXT NOT NULL,         -- JSON: the plan's answers (the INPUT.json format of docs/plan.md)
        PRIMARY KEY (user_id, plan_id)
    );
    CREATE TABLE plan_reminders (
        user_id  INTEGER NOT NULL,
        chat_id  INTEGER NOT NULL,
        plan_id  TEXT NOT NULL,
        due      TEXT NOT NULL,           -- YYYY-MM-DD of the payment
        fire_at  INTEGER NOT NULL,        -- unix time of the reminder (the day before, 09:00 China time)
        lang     TEXT NOT NULL,
        payload  TEXT NOT NULL,           -- JSON: lenders and amounts due that day
        PRIMARY KEY (user_id, plan_id, due)
    );
    CREATE INDEX plan_reminders_fire_at ON plan_reminders(fire_at);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# tables that hold a row per user, and the column naming the user; forget() and purge() walk this list
USER_TABLES = (("feedback", "user_id"), ("ptb_user_data", "user_id"), ("ptb_chat_data", "chat_id"),
               ("plan_saved", "user_id"), ("plan_reminders", "user_id"),
               ("users", "user_id"))


def now() -> int:
    return int(time.time())


class Storage:
    SEEN_FLUSH = 5.0          # seconds between batched writes of last_seen
    CACHE_SIZE = 20_000

    def __init__(self, path: Path | str):
        self.path = Path(path) if str(path) != ":memory:" else path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # user rows, read through: this object is the only writer of the users table
        self._users: OrderedDict[int, dict[str, Any] | None] = OrderedDict()
        self._seen: dict[int, int] = {}          # user -> last seen, not yet written
        self._flusher: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    async def open(self) -> "Storage":
        """Open the file (creating folders), switch to WAL, apply pending migrations. Idempotent."""
        async with self._lock:
            if self._db is not None:
                return self
            if isinstance(self.path, Path):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(str(self.path))
            try:
                await db.execute("PRAGMA journal_mode=WAL")
                await db.execute("PRAGMA synchronous=NORMAL")
                await db.execute("PRAGMA foreign_keys=ON")
                await db.execute("PRAGMA busy_timeout=5000")
                await self._migrate(db)
            except BaseException:
                await db.close()
                raise
            self._db = db
            self._flusher = asyncio.get_running_loop().create_task(self._flush_seen_forever())
        return self

    async def close(self) -> None:
        async with self._lock:
            if self._flusher is not None:
                self._flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._flusher
                self._flusher = None
            if self._db is not None:
                with contextlib.suppress(Exception):
                    await self.flush_seen()
                await self._db.close()
                self._db = None
            self._users.clear()

    @property
    def is_open(self) -> bool:
        return self._db is not None

    async def _migrate(self, db: aiosqlite.Connection) -> None:
        async with db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"the database {self.path} has schema version {version}, newer than this program "
                               f"({SCHEMA_VERSION})")
        for i in range(version, SCHEMA_VERSION):
            try:
                await db.executescript(f"BEGIN;\n{MIGRATIONS[i]}\nPRAGMA user_version = {i + 1};\nCOMMIT;")
            except BaseException:
                if db.in_transaction:
                    await db.rollback()
                raise

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- users ---------------------------------------------------------------------------------------

    async def touch(self, user_id: int) -> None:
        """Note that the user was seen. Written in batches (every SEEN_FLUSH seconds, and at close): one commit
        for many users instead of one per message; a crash loses at most a few seconds of `last_seen`."""
        self._seen[user_id] = now()
        self._cached_seen(user_id)

    def _cached_seen(self, user_id: int) -> None:
        row = self._users.get(user_id)
        if row is not None:
            row["last_seen"] = self._seen[user_id]

    async def flush_seen(self) -> None:
        if not self._seen or self._db is None:
            return
        seen, self._seen = self._seen, {}
        await self._db.executemany(
            "INSERT INTO users (user_id, created_at, last_seen) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET last_seen = MAX(users.last_seen, excluded.last_seen)",
            [(uid, t, t) for uid, t in seen.items()])
        await self._db.commit()
        for uid in seen:      # rows created by this flush: read them again when needed
            if self._users.get(uid, 0) is None:
                del self._users[uid]

    async def _flush_seen_forever(self) -> None:
        while True:
            await asyncio.sleep(self.SEEN_FLUSH)
            try:
                await self.flush_seen()
            except Exception:  # the next round tries again; close() flushes too
                logging.getLogger(__name__).exception("could not write last_seen")

    async def _ensure_row(self, user_id: int) -> None:
        t = self._seen.pop(user_id, None) or now()
        await self.db.execute(
            "INSERT INTO users (user_id, created_at, last_seen) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET last_seen = MAX(users.last_seen, excluded.last_seen)", (user_id, t, t))
        await self.db.commit()
        self._users.pop(user_id, None)

    async def get_user(self, user_id: int) -> dict[str, Any] | None:
        if user_id in self._users:
            self._users.move_to_end(user_id)
            row = self._users[user_id]
            return dict(row) if row is not None else None
        rows = await self.db.execute_fetchall(      # one round trip to the database thread
            "SELECT user_id, language, jurisdiction, consent_store_text, created_at, last_seen FROM users "
            "WHERE user_id = ?", (user_id,))
        raw = next(iter(rows), None)
        keys = ("user_id", "language", "jurisdiction", "consent_store_text", "created_at", "last_seen")
        row = dict(zip(keys, raw)) if raw is not None else None
        self._users[user_id] = row
        if row is not None and user_id in self._seen:
            row["last_seen"] = max(row["last_seen"], self._seen[user_id])
        while len(self._users) > self.CACHE_SIZE:
            self._users.popitem(last=False)
        return dict(row) if row is not None else None

    async def set_user(self, user_id: int, **fields: Any) -> None:
        allowed = {"language", "jurisdiction", "consent_store_text"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown user fields: {sorted(unknown)}")
        await self._ensure_row(user_id)
        if fields:
            assignments = ", ".join(f"{k} = ?" for k in fields)
            await self.db.execute(f"UPDATE users SET {assignments} WHERE user_id = ?", (*fields.values(), user_id))
            await self.db.commit()
        self._users.pop(user_id, None)

    # -- feedback ------------------------------------------------------------------------------------

    async def add_feedback(self, user_id: int, kind: str, ref: str, vote: int) -> None:
        await self._ensure_row(user_id)
        await self.db.execute(
            "INSERT INTO feedback (user_id, kind, ref, vote, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(user_id, kind, ref) DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
            (user_id, kind, ref, 1 if vote > 0 else -1, now()))
        await self.db.commit()

    async def feedback_counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(kind, ref) -> (thumbs up, thumbs down); for maintainers of the knowledge base."""
        out: dict[tuple[str, str], tuple[int, int]] = {}
        async with self.db.execute(
                "SELECT kind, ref, SUM(vote = 1), SUM(vote = -1) FROM feedback GROUP BY kind, ref") as cur:
            async for kind, ref, up, down in cur:
                out[(kind, ref)] = (int(up), int(down))
        return out

    # -- persistence rows ----------------------------------------------------------------------------

    async def load_all(self, table: str) -> dict[int, Any]:
        column = {"ptb_user_data": "user_id", "ptb_chat_data": "chat_id"}[table]
        async with self.db.execute(f"SELECT {column}, data FROM {table}") as cur:
            return {int(k): loads(v) async for k, v in cur}

    async def save_data(self, table: str, key: int, data: Any) -> None:
        column = {"ptb_user_data": "user_id", "ptb_chat_data": "chat_id"}[table]
        if not data:
            await self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))
        else:
            await self.db.execute(f"INSERT INTO {table} ({column}, data) VALUES (?, ?) "
                                  f"ON CONFLICT({column}) DO UPDATE SET data = excluded.data",
                                  (key, dumps(redact_data(data))))
        await self.db.commit()

    async def delete_data(self, table: str, key: int) -> None:
        column = {"ptb_user_data": "user_id", "ptb_chat_data": "chat_id"}[table]
        await self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))
        await self.db.commit()

    async def load_singleton(self, table: str) -> Any:
        assert table in ("ptb_bot_data", "ptb_callback_data")
        async with self.db.execute(f"SELECT data FROM {table} WHERE id = 1") as cur:
            row = await cur.fetchone()
        return loads(row[0]) if row else None

    async def save_singleton(self, table: str, data: Any) -> None:
        assert table in ("ptb_bot_data", "ptb_callback_data")
        await self.db.execute(f"INSERT INTO {table} (id, data) VALUES (1, ?) "
                              "ON CONFLICT(id) DO UPDATE SET data = excluded.data", (dumps(data),))
        await self.db.commit()

    async def load_conversations(self, name: str) -> dict[tuple[Any, ...], Any]:
        async with self.db.execute("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,)) as cur:
            return {tuple(json.loads(k)): loads(s) async for k, s in cur}

    async def save_conversation(self, name: str, key: tuple[Any, ...], state: Any) -> None:
        k = json.dumps(list(key))
        if state is None:
            await self.db.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, k))
        else:
            await self.db.execute("INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                                  "ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
                                  (name, k, dumps(state)))
            await self.db.executemany(
                "INSERT OR IGNORE INTO ptb_conversation_members (name, key, member) VALUES (?, ?, ?)",
                [(name, k, int(m)) for m in key if isinstance(m, int)])
        await self.db.commit()

    # -- deletion ------------------------------------------------------------------------------------

    async def forget(self, user_id: int) -> None:
        """Delete every row about the user: profile, feedback, persisted data and conversations."""
        await self._delete_users([user_id])

    async def purge_inactive(self, days: int) -> list[int]:
        """Delete every row of users not seen for `days` days; return their ids."""
        cutoff = now() - int(days) * 86400
        await self.flush_seen()
        async with self.db.execute("SELECT user_id FROM users WHERE last_seen < ?", (cutoff,)) as cur:
            ids = [int(r[0]) async for r in cur]
        if ids:
            await self._delete_users(ids)
        return ids

    async def _delete_users(self, ids: list[int]) -> None:
        for uid in ids:
            self._users.pop(uid, None)
            self._seen.pop(uid, None)
        await self.db.execute("BEGIN")
        try:
            for uid in ids:
                for table, column in USER_TABLES:
                    await self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (uid,))
                await self.db.execute(
                    "DELETE FROM ptb_conversations WHERE (name, key) IN "
                    "(SELECT name, key FROM ptb_conversation_members WHERE member = ?)", (uid,))
            await self.db.commit()
        except BaseException:
            await self.db.rollback()
            raise

    async def rows_mentioning(self, user_id: int) -> list[tuple[str, tuple[Any, ...]]]:
        """Every row, in every table, with a column equal to the user id or a JSON key containing it.

        Used by the privacy tests and by `/privacy` maintainers to check that nothing is left behind.
        """
        await self.flush_seen()
        found: list[tuple[str, tuple[Any, ...]]] = []
        async with self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            tables = [r[0] async for r in cur]
        for table in tables:
            async with self.db.execute(f"SELECT * FROM {table}") as cur:
                async for row in cur:
                    for value in row:
                        if value == user_id or (isinstance(value, str) and str(user_id) in value):
                            found.append((table, tuple(row)))
                            break
        return found


# -- JSON with a few Python types (persisted user data is JSON, never pickle) --------------------------

def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return {"__decimal__": str(o)}
    if isinstance(o, dtm.datetime):
        return {"__datetime__": o.isoformat()}
    if isinstance(o, dtm.date):
        return {"__date__": o.isoformat()}
    if isinstance(o, (set, frozenset)):
        return {"__set__": sorted(o, key=repr)}
    if isinstance(o, tuple):
        return {"__tuple__": list(o)}
    raise TypeError(f"cannot store a {type(o).__name__} in the bot's database (use JSON-like data)")


def _hook(d: dict[str, Any]) -> Any:
    if len(d) == 1:
        (k, v), = d.items()
        if k == "__decimal__":
            return Decimal(v)
        if k == "__datetime__":
            return dtm.datetime.fromisoformat(v)
        if k == "__date__":
            return dtm.date.fromisoformat(v)
        if k == "__set__":
            return set(v)
        if k == "__tuple__":
            return tuple(v)
    return d


def _tag_tuples(o: Any) -> Any:
    # json.dumps turns tuples into lists before `default` sees them; tag them first
    if isinstance(o, tuple):
        return {"__tuple__": [_tag_tuples(x) for x in o]}
    if isinstance(o, list):
        return [_tag_tuples(x) for x in o]
    if isinstance(o, dict):
        return {k: _tag_tuples(v) for k, v in o.items()}
    return o


def dumps(data: Any) -> str:
    return json.dumps(_tag_tuples(data), default=_default, ensure_ascii=False, sort_keys=True)


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_hook)
