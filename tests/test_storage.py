"""The SQLite file: WAL, versioned migrations, /forget, retention, JSON persistence with redaction."""

from __future__ import annotations

import datetime as dtm
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from bot.storage import SCHEMA_VERSION, Storage, StorageUnavailable, dumps, loads, now
from handlers.persistence import SQLitePersistence


async def test_migrations_are_applied_once_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    s = await Storage(path).open()
    assert await s.schema_version() == SCHEMA_VERSION
    await s.touch(1)
    await s.close()
    s = await Storage(path).open()           # reopening does not migrate again
    assert (await s.get_user(1)) is not None
    await s.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StorageUnavailable) as exc:
        await Storage(path).open()
    assert exc.value.reason == "newer schema" and "newer" in str(exc.value)


async def test_forget_and_retention_remove_every_row(tmp_path: Path) -> None:
    s = await Storage(tmp_path / "bot.sqlite3").open()
    p = SQLitePersistence(s)
    for uid in (11, 22):
        await s.set_user(uid, language="en", jurisdiction="CN")
        await s.add_feedback(uid, "topic", "family_contact", 1)
        await p.update_user_data(uid, {"mode": "check"})
        await p.update_chat_data(uid, {"x": 1})
        await p.update_conversation("plan", (uid, uid), "AMOUNT")
    await s.forget(11)
    assert await s.rows_mentioning(11) == []
    assert await s.rows_mentioning(22)
    async with s.transaction() as tx:
        await tx.execute("UPDATE users SET last_seen = ? WHERE user_id = 22", (now() - 200 * 86400,))
    assert await s.purge_inactive(180) == [22]
    assert await s.rows_mentioning(22) == []
    await s.close()


async def test_persistence_round_trip_is_json_and_redacted(tmp_path: Path) -> None:
    s = await Storage(tmp_path / "bot.sqlite3").open()
    p = SQLitePersistence(s)
    data = {"amount": Decimal("1234.50"), "when": dtm.date(2026, 1, 2), "note": "call me on 13800138000",
            "pair": (1, 2)}
    await p.update_user_data(7, data)
    await p.update_conversation("plan", (7, 7), {"step": 3})
    await p.update_conversation("plan", (8, 8), "X")
    await p.update_conversation("plan", (8, 8), None)
    got = await SQLitePersistence(s).get_user_data()
    assert got[7] == {**data, "note": "call me on [phone]"}
    assert await p.get_conversations("plan") == {(7, 7): {"step": 3}}
    raw = await s.read("SELECT data FROM ptb_user_data")
    assert "13800138000" not in raw[0][0]
    await p.update_user_data(7, {})
    assert await s.read("SELECT * FROM ptb_user_data") == []
    await s.close()


def test_json_codec_keeps_python_types() -> None:
    value = {"d": Decimal("0.1"), "t": dtm.datetime(2026, 1, 1, 8, 30), "s": {1, 2}, "u": (1, "a"), "l": [1]}
    assert loads(dumps(value)) == value
