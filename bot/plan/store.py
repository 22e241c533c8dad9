"""Saved plans and payment reminders in the bot's SQLite file (tables plan_saved and plan_reminders, created by
migration 1 -> 2 of bot/storage.py). Only what the user asked to keep: a plan when they press "Save",
reminders when they ask for them. Everything is written through Storage.transaction(), so phone, ID, card
numbers and e-mail addresses are masked in both (in a lender's name or the user's own words). Storage.forget()
and purge_inactive() delete both tables' rows (the purge spares users with reminders still to come).

What a saved plan keeps: the answers of the interview (lenders' names, kinds of debt, amounts, how long
overdue, rates, income, essential expenses, number of dependants, the reason and the user's own words about
what happened). A reminder keeps its date, the lenders' names and the amounts due that day, the time zone and
the language.
"""

from __future__ import annotations

import datetime as dtm
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.plan.schedule import Plan
from bot.storage import Key, Storage

CHINA = dtm.timezone(dtm.timedelta(hours=8), "CST")
REMIND_AT = dtm.time(9, 0)  # 09:00 local time, the day before the payment

# zones a US user can choose for reminders (the first is the default when they do not choose)
US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
_FIXED = {"Asia/Shanghai": CHINA, "America/New_York": dtm.timezone(dtm.timedelta(hours=-5), "EST")}


def timezone_for(jurisdiction: str | None) -> str:
    """The time zone of reminders for a jurisdiction (an IANA name). US users may choose among US_ZONES."""
    return US_ZONES[0] if (jurisdiction or "").upper() == "US" else "Asia/Shanghai"


def zone(name: str) -> dtm.tzinfo:
    """The tzinfo of a zone name; a fixed offset when the system has no time-zone database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return _FIXED.get(name, CHINA)


@dataclass(frozen=True)
class Reminder:
    user_id: int
    chat_id: int
    plan_id: str
    due: dtm.date
    fire_at: int
    lang: str
    payload: dict[str, Any]

    @property
    def zone(self) -> str:
        return str(self.payload.get("zone") or "Asia/Shanghai")


def reminder_rows(
    plan: Plan,
    *,
    user_id: int,
    chat_id: int,
    plan_id: str,
    lang: str,
    zone_name: str = "Asia/Shanghai",
    now: dtm.datetime | None = None,
) -> list[Reminder]:
    """One reminder per payment date still ahead: the day before at 09:00 in the user's zone (or as soon as
    possible when that moment has passed but the payment has not)."""
    now = now or dtm.datetime.now(dtm.UTC)
    tz = zone(zone_name)
    by_date: dict[dtm.date, list[dict[str, Any]]] = {}
    for c in plan.creditors:
        for p in c.payments:
            by_date.setdefault(p.date, []).append(
                {"lender": c.debt.lender, "amount": p.amount, "n": p.n, "months": c.months}
            )
    out = []
    for due, lines in sorted(by_date.items()):
        fire = dtm.datetime.combine(due - dtm.timedelta(days=1), REMIND_AT, tzinfo=tz)
        due_end = dtm.datetime.combine(due, dtm.time(23, 59), tzinfo=tz)
        if due_end <= now:
            continue
        out.append(
            Reminder(user_id, chat_id, plan_id, due, int(fire.timestamp()), lang, {"lines": lines, "zone": zone_name})
        )
    return out


_COLUMNS = "user_id, chat_id, plan_id, due, fire_at, lang, payload"


async def add_reminders(storage: Storage, reminders: list[Reminder]) -> None:
    async with storage.transaction() as tx:
        await tx.executemany(
            f"INSERT INTO plan_reminders ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(user_id, plan_id, due) DO UPDATE SET fire_at = excluded.fire_at, lang = excluded.lang, "
            "payload = excluded.payload, chat_id = excluded.chat_id",
            [
                (r.user_id, r.chat_id, Key(r.plan_id), Key(r.due.isoformat()), r.fire_at, Key(r.lang), r.payload)
                for r in reminders
            ],
        )


def _row(row: Any) -> Reminder:
    return Reminder(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        dtm.date.fromisoformat(row[3]),
        int(row[4]),
        str(row[5]),
        json.loads(row[6]),
    )


async def list_reminders(storage: Storage, user_id: int | None = None) -> list[Reminder]:
    sql = f"SELECT {_COLUMNS} FROM plan_reminders"
    args: tuple[Any, ...] = ()
    if user_id is not None:
        sql += " WHERE user_id = ?"
        args = (user_id,)
    return [_row(r) for r in await storage.read(sql + " ORDER BY fire_at", args)]


async def get_reminder(storage: Storage, user_id: int, plan_id: str, due: str) -> Reminder | None:
    rows = await storage.read(
        f"SELECT {_COLUMNS} FROM plan_reminders WHERE user_id = ? AND plan_id = ? AND due = ?", (user_id, plan_id, due)
    )
    return _row(rows[0]) if rows else None


async def delete_reminder(storage: Storage, user_id: int, plan_id: str, due: str) -> None:
    async with storage.transaction() as tx:
        await tx.execute(
            "DELETE FROM plan_reminders WHERE user_id = ? AND plan_id = ? AND due = ?",
            (user_id, Key(plan_id), Key(due)),
        )


async def delete_reminders(storage: Storage, user_id: int) -> int:
    async with storage.transaction() as tx:
        return await tx.execute("DELETE FROM plan_reminders WHERE user_id = ?", (user_id,))


async def save_plan(storage: Storage, user_id: int, plan_id: str, answers: dict[str, Any]) -> None:
    async with storage.transaction() as tx:
        await tx.execute(
            "INSERT INTO plan_saved (user_id, plan_id, created_at, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(user_id, plan_id) DO UPDATE SET created_at = excluded.created_at, data = excluded.data",
            (user_id, Key(plan_id), int(dtm.datetime.now(dtm.UTC).timestamp()), answers),
        )


async def saved_plans(storage: Storage, user_id: int) -> list[tuple[str, int, dict[str, Any]]]:
    rows = await storage.read(
        "SELECT plan_id, created_at, data FROM plan_saved WHERE user_id = ? ORDER BY created_at DESC", (user_id,)
    )
    return [(str(r[0]), int(r[1]), json.loads(r[2])) for r in rows]


async def delete_saved(storage: Storage, user_id: int) -> int:
    async with storage.transaction() as tx:
        return await tx.execute("DELETE FROM plan_saved WHERE user_id = ?", (user_id,))
