"""The SQLite file: WAL, versioned migrations, /forget, retention, JSON persistence with redaction."""

from __future__ import annotations

import datetime as dtm
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from bot.plan import store
from bot.storage import SCHEMA_VERSION, Key, Storage, StorageError, StorageUnavailable, dumps, loads, now
from handlers.persistence import SQLitePersistence


async def test_migrations_are_applied_once_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    s = await Storage(path).open()
    assert await s.schema_version() == SCHEMA_VERSION
    await s.touch(1)
    await s.close()
    s = await Storage(path).open()  # reopening does not migrate again
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
    data = {
        "amount": Decimal("1234.50"),
        "when": dtm.date(2026, 1, 2),
        "note": "call me on 13800138000",
        "pair": (1, 2),
    }
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


async def test_the_file_and_its_folder_are_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "bot.sqlite3"
    s = await Storage(path).open()
    await s.set_user(1, language="en")
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for p in (path, path.with_name(path.name + "-wal")):
        assert p.stat().st_mode & 0o777 == 0o600, p
    await s.close()


async def test_every_write_is_redacted_and_only_identifiers_pass_as_they_are(tmp_path: Path) -> None:
    s = await Storage(tmp_path / "bot.sqlite3").open()
    async with s.transaction() as tx:
        await tx.execute(
            "INSERT INTO plan_saved (user_id, plan_id, created_at, data) VALUES (?, ?, ?, ?)",
            (5, Key("0123456789012345"), 1, {"debts": [{"lender": "call 13800138000"}]}),
        )
        await tx.execute(
            "INSERT INTO feedback (user_id, kind, ref, vote, created_at) VALUES (?, ?, ?, ?, ?)",
            (5, "topic", "mail x@y.cn", 1, 1),
        )
    assert await s.read("SELECT plan_id, data FROM plan_saved") == [
        ("0123456789012345", '{"debts": [{"lender": "call [phone]"}]}')
    ]
    assert await s.read("SELECT ref FROM feedback") == [("mail [email]",)]
    with pytest.raises(ValueError):
        Key("我的电话 13800138000")
    await s.close()


async def test_a_failed_write_leaves_no_transaction_behind(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    s = await Storage(path).open()
    await s.read("PRAGMA busy_timeout=100")
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StorageError) as exc:
        await s.set_user(1, language="en")
    assert exc.value.reason == "busy"
    other.execute("ROLLBACK")
    other.close()
    await s.set_user(1, language="en")  # not "cannot start a transaction within a transaction"
    await s.forget(1)
    assert await s.rows_mentioning(1) == []
    await s.close()


async def test_the_purge_spares_users_with_reminders_to_come(tmp_path: Path) -> None:
    s = await Storage(tmp_path / "bot.sqlite3").open()
    for uid in (1, 2):
        await s.set_user(uid, language="en")
    await store.add_reminders(
        s, [store.Reminder(1, 1, "ab12", dtm.date(2027, 1, 1), now() + 86400, "en", {"lines": []})]
    )
    async with s.transaction() as tx:
        await tx.execute("UPDATE users SET last_seen = ?", (now() - 400 * 86400,))
    assert await s.purge_inactive(180) == [2]
    assert await s.rows_mentioning(1)
    await store.delete_reminders(s, 1)
    assert await s.purge_inactive(180) == [1]
    await s.close()


async def test_a_damaged_file_is_refused_with_a_plain_reason(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    s = await Storage(path).open()
    for uid in range(300):
        await s.set_user(uid, language="en")
    await s.close()
    damage(path, page=2)  # the users table

    with pytest.raises(StorageUnavailable) as exc:
        await Storage(path).open()
    assert exc.value.reason == "damaged"


def damage(path: Path, page: int) -> None:
    """Overwrite the header of one page of the file (as a failing disk would)."""
    data = bytearray(path.read_bytes())
    data[(page - 1) * 4096 : (page - 1) * 4096 + 8] = b"\x0d" + b"\xff" * 7
    path.write_bytes(bytes(data))
