"""The bot's one SQLite file, through aiosqlite: users, feedback, the persistence's state, saved plans and reminders.

Privacy rules kept here, not left to callers:
- one boundary for every write: `transaction()`. Its `execute` stores a str parameter only after redaction
  (phone, ID, card numbers, e-mail addresses: bot.redact), a dict or list as redacted JSON; only a `Key`
  (an identifier the code made, such as a plan id or a date, checked to be one) is stored as it is. No other
  path writes to the file, so nothing stored can skip redaction;
- no message content is stored: there is no column for it;
- `forget(user_id)` deletes every row about a user, in every table, then checkpoints the write-ahead log
  (`secure_delete` is on, so deleted rows are overwritten, and the -wal file is emptied);
- `purge_inactive(days)` deletes users (and all their rows) not seen for that long, except those with a
  reminder still to come: a reminder the user asked for counts as activity;
- the file and its folder are created readable by the owner only (0600 / 0700).

Transactions: each unit of work is one `transaction()` (`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any
error, so a failed write never leaves the shared connection inside a transaction). Units are serialised on the
one connection. Failures are raised as StorageError, with a plain reason.

The schema is versioned: MIGRATIONS[i] brings the file from version i to i+1, applied at open time in one
transaction each; `PRAGMA user_version` holds the version.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import logging
import os
import re
import sqlite3
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite

from bot.redact import redact, redact_data

_LOGGER = logging.getLogger(__name__)

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
USER_TABLES = (
    ("feedback", "user_id"),
    ("ptb_user_data", "user_id"),
    ("ptb_chat_data", "chat_id"),
    ("plan_saved", "user_id"),
    ("plan_reminders", "user_id"),
    ("users", "user_id"),
)
_DATA_TABLES = {"ptb_user_data": "user_id", "ptb_chat_data": "chat_id"}


def now() -> int:
    return int(time.time())


class StorageError(Exception):
    """The database could not do what was asked. `reason` says why in plain words (busy, full, read-only,
    damaged, unavailable)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class StorageUnavailable(StorageError):
    """The bot runs without its database (it could not be opened): nothing is read or written."""


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "busy"
    if "full" in text or "no space" in text:
        return "full"
    if "readonly" in text or "read-only" in text or "read only" in text or "permission" in text:
        return "read-only"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "damaged"
    return "failed"


_ADVICE = {
    "damaged": "Move the file aside (keep it for recovery) to start with an empty one.",
    "full": "Free some disk space and restart.",
    "read-only": "Make the file and its folder writable.",
    "busy": "Another program holds the file locked.",
    "newer schema": "Run the newer program.",
}


class Key(str):
    """An identifier stored as it is (not redacted): a plan id, a date, a JSON list of chat and user ids.
    Only short strings of ASCII letters, digits and a few separators qualify, so a user's text cannot."""

    _SHAPE = re.compile(r"[A-Za-z0-9_.:,\-\[\] ]{0,200}")

    def __new__(cls, value: str) -> Key:
        if not isinstance(value, str) or not cls._SHAPE.fullmatch(value):
            raise ValueError(f"not an identifier: {str(value)[:40]!r}")
        return super().__new__(cls, value)


class Json:
    """A value stored as (redacted) JSON, whatever its type: a conversation state may be a bare string."""

    def __init__(self, value: Any):
        self.value = value


def stored(value: Any) -> Any:
    """A parameter as it is written: the one place where redaction meets the database."""
    if value is None or isinstance(value, (int, float, bytes)):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, Key):
        return str(value)
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Json):
        return dumps(redact_data(value.value))
    if isinstance(value, (dict, list, tuple)):
        return dumps(redact_data(value))
    raise TypeError(f"cannot store a {type(value).__name__}")


class Transaction:
    """One unit of work on the connection (see Storage.transaction)."""

    def __init__(self, db: aiosqlite.Connection):
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = await self._db.execute(sql, [stored(p) for p in params])
        return int(cur.rowcount or 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._db.executemany(sql, [[stored(p) for p in row] for row in rows])

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self._db.execute_fetchall(sql, list(params))]


class Storage:
    SEEN_FLUSH = 5.0  # seconds between batched writes of last_seen
    CACHE_SIZE = 20_000

    def __init__(self, path: Path | str):
        self.path = Path(path) if str(path) != ":memory:" else path
        self._db: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()
        self._lock = asyncio.Lock()  # one unit of work at a time on the one connection
        # user rows, read through: this object is the only writer of the users table
        self._users: OrderedDict[int, dict[str, Any] | None] = OrderedDict()
        self._seen: dict[int, int] = {}  # user -> last seen, not yet written
        self._flusher: asyncio.Task[None] | None = None
        self.problem: str | None = None  # why the database could not be opened (degraded mode)
        self.problem_reason: str | None = None  # the same in one word (busy, full, read-only, damaged …)
        self._degraded_logged = False

    # -- lifecycle -----------------------------------------------------------------------------------

    async def open(self) -> Storage:
        """Open the file (creating it and its folder, owner-only), switch to WAL, check it, apply pending
        migrations. Idempotent. Raises StorageUnavailable, with a plain reason, when the file cannot be used."""
        async with self._open_lock:
            if self._db is not None:
                return self
            try:
                self._prepare_file()
                db = await aiosqlite.connect(str(self.path), isolation_level=None)
            except (OSError, sqlite3.Error) as exc:
                raise self._unavailable(exc) from None
            try:
                await db.execute("PRAGMA busy_timeout=5000")
                await db.execute("PRAGMA journal_mode=WAL")
                await db.execute("PRAGMA synchronous=NORMAL")
                await db.execute("PRAGMA foreign_keys=ON")
                await db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in pages
                rows = await db.execute_fetchall("PRAGMA quick_check")
                verdict = " ".join(str(r[0]) for r in rows)
                if verdict != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict[:200]})")
                await self._migrate(db)
            except (OSError, sqlite3.Error, RuntimeError) as exc:
                await db.close()
                raise self._unavailable(exc) from None
            except BaseException:
                await db.close()
                raise
            self._db = db
            self.problem = self.problem_reason = None
            self._flusher = asyncio.get_running_loop().create_task(self._flush_seen_forever())
        return self

    async def open_or_degrade(self) -> bool:
        """Open; when the file cannot be used, log one clear line and go on without it (the bot still assesses
        and answers, keeping no state). True when open."""
        if self._db is not None:
            return True
        try:
            await self.open()
        except StorageUnavailable as exc:
            if not self._degraded_logged:
                self._degraded_logged = True
                _LOGGER.error(
                    "the database cannot be used (%s): running without stored state; messages are still "
                    "assessed and questions answered. %s",
                    exc.reason,
                    _ADVICE.get(exc.reason, ""),
                )
            return False
        return True

    def _prepare_file(self) -> None:
        if not isinstance(self.path, Path):
            return
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        if self.path.stat().st_mode & 0o077 and self.path.stat().st_uid == os.getuid():
            os.chmod(self.path, 0o600)

    def _unavailable(self, exc: BaseException) -> StorageUnavailable:
        reason = "newer schema" if isinstance(exc, RuntimeError) else _reason(exc)
        self.problem, self.problem_reason = f"{reason} ({exc})", reason
        return StorageUnavailable(reason, f"{self.path}: {exc}")

    async def close(self) -> None:
        async with self._open_lock:
            if self._flusher is not None:
                self._flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._flusher
                self._flusher = None
            if self._db is not None:
                with contextlib.suppress(Exception):
                    await self.flush_seen()
                with contextlib.suppress(Exception):
                    await self._db.close()
                self._db = None
            self._users.clear()

    @property
    def is_open(self) -> bool:
        return self._db is not None

    def state(self) -> dict[str, Any]:
        """For /healthz and the heartbeat: open, unavailable (with the reason in a word) or closed; no path, no
        message text."""
        if self._db is not None:
            return {"state": "open", "schema": SCHEMA_VERSION}
        if self.problem_reason:
            return {"state": "unavailable", "reason": self.problem_reason}
        return {"state": "closed"}

    async def _migrate(self, db: aiosqlite.Connection) -> None:
        async with db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"the database {self.path} has schema version {version}, newer than this program ({SCHEMA_VERSION})"
            )
        for i in range(version, SCHEMA_VERSION):
            try:
                await db.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[i]}\nPRAGMA user_version = {i + 1};\nCOMMIT;")
            except BaseException:
                if db.in_transaction:
                    await db.rollback()
                raise

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageUnavailable("unavailable", self.problem or "storage is not open")
        return self._db

    # -- units of work ---------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on any error (re-raised as StorageError)."""
        db = self._connection()
        async with self._lock:
            try:
                if db.in_transaction:  # never expected; never inherit someone else's half-done work
                    await db.rollback()
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(_reason(exc), str(exc)) from exc
            try:
                yield Transaction(db)
                await db.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    if db.in_transaction:
                        await db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(_reason(exc), str(exc)) from exc
                raise

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        db = self._connection()
        async with self._lock:
            try:
                return [tuple(r) for r in await db.execute_fetchall(sql, list(params))]
            except sqlite3.Error as exc:
                raise StorageError(_reason(exc), str(exc)) from exc

    async def schema_version(self) -> int:
        rows = await self.read("PRAGMA user_version")
        return int(rows[0][0]) if rows else 0

    # -- users ---------------------------------------------------------------------------------------

    async def touch(self, user_id: int) -> None:
        """Note that the user was seen. Written in batches (every SEEN_FLUSH seconds, and at close): one commit
        for many users instead of one per message; a crash loses at most a few seconds of `last_seen`."""
        if self._db is None:
            return
        self._seen[user_id] = now()
        row = self._users.get(user_id)
        if row is not None:
            row["last_seen"] = self._seen[user_id]

    async def flush_seen(self) -> None:
        if not self._seen or self._db is None:
            return
        seen, self._seen = self._seen, {}
        try:
            async with self.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO users (user_id, created_at, last_seen) VALUES (?, ?, ?) "
                    "ON CONFLICT(user_id) DO UPDATE SET last_seen = MAX(users.last_seen, excluded.last_seen)",
                    [(uid, t, t) for uid, t in seen.items()],
                )
        except StorageError:
            for uid, t in seen.items():  # try again at the next round
                self._seen[uid] = max(t, self._seen.get(uid, 0))
            raise
        for uid in seen:  # rows created by this flush: read them again when needed
            if self._users.get(uid, 0) is None:
                del self._users[uid]

    async def _flush_seen_forever(self) -> None:
        while True:
            await asyncio.sleep(self.SEEN_FLUSH)
            try:
                await self.flush_seen()
            except Exception as exc:  # the next round tries again; close() flushes too
                _LOGGER.warning("could not write last_seen (%s)", getattr(exc, "reason", type(exc).__name__))

    async def get_user(self, user_id: int) -> dict[str, Any] | None:
        if self._db is None:
            return None
        if user_id in self._users:
            self._users.move_to_end(user_id)
            row = self._users[user_id]
            return dict(row) if row is not None else None
        rows = await self.read(
            "SELECT user_id, language, jurisdiction, consent_store_text, created_at, last_seen FROM users "
            "WHERE user_id = ?",
            (user_id,),
        )
        raw = next(iter(rows), None)
        keys = ("user_id", "language", "jurisdiction", "consent_store_text", "created_at", "last_seen")
        row = dict(zip(keys, raw, strict=True)) if raw is not None else None
        self._users[user_id] = row
        if row is not None and user_id in self._seen:
            row["last_seen"] = max(row["last_seen"], self._seen[user_id])
        while len(self._users) > self.CACHE_SIZE:
            self._users.popitem(last=False)
        return dict(row) if row is not None else None

    async def _ensure_row(self, tx: Transaction, user_id: int) -> None:
        t = self._seen.pop(user_id, None) or now()
        await tx.execute(
            "INSERT INTO users (user_id, created_at, last_seen) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET last_seen = MAX(users.last_seen, excluded.last_seen)",
            (user_id, t, t),
        )

    async def set_user(self, user_id: int, **fields: Any) -> None:
        allowed = {"language", "jurisdiction", "consent_store_text"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown user fields: {sorted(unknown)}")
        self._users.pop(user_id, None)
        async with self.transaction() as tx:
            await self._ensure_row(tx, user_id)
            if fields:
                assignments = ", ".join(f"{k} = ?" for k in fields)
                await tx.execute(f"UPDATE users SET {assignments} WHERE user_id = ?", (*fields.values(), user_id))
        self._users.pop(user_id, None)

    async def note_activity(self, user_id: int) -> None:
        """Something the user asked for happened (a reminder was sent): the retention clock starts again."""
        if self._db is not None:
            await self.touch(user_id)

    # -- feedback ------------------------------------------------------------------------------------

    async def add_feedback(self, user_id: int, kind: str, ref: str, vote: int) -> None:
        async with self.transaction() as tx:
            await self._ensure_row(tx, user_id)
            await tx.execute(
                "INSERT INTO feedback (user_id, kind, ref, vote, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(user_id, kind, ref) DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
                (user_id, kind, ref, 1 if vote > 0 else -1, now()),
            )

    async def feedback_counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(kind, ref) -> (thumbs up, thumbs down); for maintainers of the knowledge base."""
        rows = await self.read("SELECT kind, ref, SUM(vote = 1), SUM(vote = -1) FROM feedback GROUP BY kind, ref")
        return {(kind, ref): (int(up), int(down)) for kind, ref, up, down in rows}

    # -- persistence rows ----------------------------------------------------------------------------

    async def load_all(self, table: str) -> dict[int, Any]:
        column = _DATA_TABLES[table]
        return {int(k): loads(v) for k, v in await self.read(f"SELECT {column}, data FROM {table}")}

    async def load_data(self, table: str, key: int) -> Any:
        column = _DATA_TABLES[table]
        rows = await self.read(f"SELECT data FROM {table} WHERE {column} = ?", (key,))
        return loads(rows[0][0]) if rows else None

    async def save_data(self, table: str, key: int, data: Any) -> None:
        column = _DATA_TABLES[table]
        async with self.transaction() as tx:
            if not data:
                await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))
            else:
                await tx.execute(
                    f"INSERT INTO {table} ({column}, data) VALUES (?, ?) "
                    f"ON CONFLICT({column}) DO UPDATE SET data = excluded.data",
                    (key, data),
                )

    async def delete_data(self, table: str, key: int) -> None:
        column = _DATA_TABLES[table]
        async with self.transaction() as tx:
            await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))

    async def load_conversations(self, name: str) -> dict[tuple[Any, ...], Any]:
        rows = await self.read("SELECT key, state FROM ptb_conversations WHERE name = ?", (Key(name),))
        return {tuple(json.loads(k)): loads(s) for k, s in rows}

    async def save_conversation(self, name: str, key: tuple[Any, ...], state: Any) -> None:
        k = Key(json.dumps(list(key)))
        async with self.transaction() as tx:
            if state is None:
                await tx.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (Key(name), k))
                return
            await tx.execute(
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
                (Key(name), k, Json(state)),
            )
            await tx.executemany(
                "INSERT OR IGNORE INTO ptb_conversation_members (name, key, member) VALUES (?, ?, ?)",
                [(Key(name), k, int(m)) for m in key if isinstance(m, int)],
            )

    # -- deletion ------------------------------------------------------------------------------------

    async def forget(self, user_id: int) -> None:
        """Delete every row about the user: profile, feedback, persisted data, conversations, saved plans and
        reminders; then empty the write-ahead log, so that the deleted rows are nowhere in the files."""
        await self._delete_users([user_id])
        await self.checkpoint()

    async def checkpoint(self) -> None:
        db = self._connection()
        async with self._lock:
            with contextlib.suppress(sqlite3.Error):  # busy readers: the next checkpoint empties it
                await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def purge_inactive(self, days: int) -> list[int]:
        """Delete every row of users not seen for `days` days and with no reminder still to come; their ids."""
        cutoff = now() - int(days) * 86400
        await self.flush_seen()
        rows = await self.read(
            "SELECT user_id FROM users WHERE last_seen < ? AND user_id NOT IN (SELECT user_id FROM plan_reminders)",
            (cutoff,),
        )
        ids = [int(r[0]) for r in rows]
        if ids:
            await self._delete_users(ids)
            await self.checkpoint()
        return ids

    async def _delete_users(self, ids: list[int]) -> None:
        for uid in ids:
            self._users.pop(uid, None)
            self._seen.pop(uid, None)
        async with self.transaction() as tx:
            for uid in ids:
                for table, column in USER_TABLES:
                    await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (uid,))
                await tx.execute(
                    "DELETE FROM ptb_conversations WHERE (name, key) IN "
                    "(SELECT name, key FROM ptb_conversation_members WHERE member = ?)",
                    (uid,),
                )
        for uid in ids:  # a last_seen noted while the rows were being deleted must not bring them back
            self._seen.pop(uid, None)
            self._users.pop(uid, None)

    async def rows_mentioning(self, user_id: int) -> list[tuple[str, tuple[Any, ...]]]:
        """Every row, in every table, with a column equal to the user id or a JSON key containing it.

        Used by the privacy tests and by `/privacy` maintainers to check that nothing is left behind.
        """
        await self.flush_seen()
        found: list[tuple[str, tuple[Any, ...]]] = []
        tables = [r[0] for r in await self.read("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in await self.read(f"SELECT * FROM {table}"):
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
        ((k, v),) = d.items()
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
