"""Saved plans and payment reminders in the bot's SQLite file (tables plan_saved and plan_reminders, created by
migration 1 -> 2 of bot/storage.py). Only what the user asked to keep: a plan when they press "Save",
reminders when they ask for them. Storage.forget() and purge_inactive() delete both tables' rows.
"""

from __future__ import annotations

import datetime as dtm
import json
from dataclasses import dataclass
from typing import Any

from bot.plan.schedule import Plan

CHINA = dtm.timezone(dtm.timedelta(hours=8), "CST")
REMIND_AT = dtm.time(9, 0)            # 09:00 China time, the day before the payment


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
    def job_name(self) -> str:
        return f"plan-reminder:{self.user_id}:{self.plan_id}:{self.due.isoformat()}"


def reminder_rows(plan: Plan, *, user_id: int, chat_id: int, plan_id: str, lang: str,
                  now: dtm.datetime | None = None) -> list[Reminder]:
    """One reminder per payment date still ahead: the day before at 09:00 China time (or as soon as possible
    when that moment has passed but the payment has not)."""
    now = now or dtm.datetime.now(dtm.timezone.utc)
    by_date: dict[dtm.date, list[dict[str, Any]]] = {}
    for c in plan.creditors:
        for p in c.payments:
            by_date.setdefault(p.date, []).append({"lender": c.debt.lender, "amount": p.amount, "n": p.n,
                                                   "months": c.months})
    out = []
    for due, lines in sorted(by_date.items()):
        fire = dtm.datetime.combine(due - dtm.timedelta(days=1), REMIND_AT, tzinfo=CHINA)
        due_end = dtm.datetime.combine(due, dtm.time(23, 59), tzinfo=CHINA)
        if due_end <= now:
            continue
        out.append(Reminder(user_id, chat_id, plan_id, due, int(fire.timestamp()), lang, {"lines": lines}))
    return out


async def add_reminders(storage: Any, reminders: list[Reminder]) -> None:
    await storage.db.executemany(
        "INSERT INTO plan_reminders (user_id, chat_id, plan_id, due, fire_at, lang, payload) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(user_id, plan_id, due) DO UPDATE SET fire_at = excluded.fire_at, lang = excluded.lang, "
        "payload = excluded.payload, chat_id = excluded.chat_id",
        [(r.user_id, r.chat_id, r.plan_id, r.due.isoformat(), r.fire_at, r.lang,
          json.dumps(r.payload, ensure_ascii=False)) for r in reminders])
    await storage.db.commit()


def _row(row: Any) -> Reminder:
    return Reminder(int(row[0]), int(row[1]), str(row[2]), dtm.date.fromisoformat(row[3]), int(row[4]), str(row[5]),
                    json.loads(row[6]))


async def list_reminders(storage: Any, user_id: int | None = None) -> list[Reminder]:
    sql = "SELECT user_id, chat_id, plan_id, due, fire_at, lang, payload FROM plan_reminders"
    args: tuple[Any, ...] = ()
    if user_id is not None:
        sql += " WHERE user_id = ?"
        args = (user_id,)
    async with storage.db.execute(sql + " ORDER BY fire_at", args) as cur:
        return [_row(r) async for r in cur]


async def get_reminder(storage: Any, user_id: int, plan_id: str, due: str) -> Reminder | None:
    async with storage.db.execute(
            "SELECT user_id, chat_id, plan_id, due, fire_at, lang, payload FROM plan_reminders "
            "WHERE user_id = ? AND plan_id = ? AND due = ?", (user_id, plan_id, due)) as cur:
        row = await cur.fetchone()
    return _row(row) if row else None


async def delete_reminder(storage: Any, user_id: int, plan_id: str, due: str) -> None:
    await storage.db.execute("DELETE FROM plan_reminders WHERE user_id = ? AND plan_id = ? AND due = ?",
                             (user_id, plan_id, due))
    await storage.db.commit()


async def delete_reminders(storage: Any, user_id: int) -> int:
    cur = await storage.db.execute("DELETE FROM plan_reminders WHERE user_id = ?", (user_id,))
    await storage.db.commit()
    return int(cur.rowcount or 0)


async def save_plan(storage: Any, user_id: int, plan_id: str, answers: dict[str, Any]) -> None:
    await storage.db.execute(
        "INSERT INTO plan_saved (user_id, plan_id, created_at, data) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(user_id, plan_id) DO UPDATE SET created_at = excluded.created_at, data = excluded.data",
        (user_id, plan_id, int(dtm.datetime.now(dtm.timezone.utc).timestamp()),
         json.dumps(answers, ensure_ascii=False)))
    await storage.db.commit()


async def saved_plans(storage: Any, user_id: int) -> list[tuple[str, int, dict[str, Any]]]:
    async with storage.db.execute("SELECT plan_id, created_at, data FROM plan_saved WHERE user_id = ? "
                                  "ORDER BY created_at DESC", (user_id,)) as cur:
        return [(str(r[0]), int(r[1]), json.loads(r[2])) async for r in cur]


async def delete_saved(storage: Any, user_id: int) -> int:
    cur = await storage.db.execute("DELETE FROM plan_saved WHERE user_id = ?", (user_id,))
    await storage.db.commit()
    return int(cur.rowcount or 0)
