"""Privacy that holds everywhere: saved plans and reminders are redacted, /forget finishes (or says it will, and
does), old buttons stop working after it, nothing deleted lingers in the files, the files are the owner's only."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from fake_telegram import BotUnderTest, FakeUser
from plan_fake import PlanBotUnderTest
from test_plan_bot import delivered, pbot, press, say, start  # noqa: F401  (pbot is a fixture)

from handlers import reminders

PHONE, ID_NUMBER, EMAIL = "13800138000", "110101199003077777", "lin.wang@example.com"
LENDER = f"某某网贷 客服{PHONE}"


async def deliver_a_plan(
    user: FakeUser,
    lender: str = LENDER,
    details: str = f"My ID is {ID_NUMBER}, write to {EMAIL}.",
    region: str = "mainland China",
    kind: str = "Online lending platform",
) -> list[Any]:
    q = await start(user, region)
    q = await say(user, lender)
    assert "What kind of debt" in q.text
    q = await press(user, kind)
    q = await say(user, "20000")
    for _ in range(6):  # interest … received: all optional
        q = await press(user, "Skip")
    q = await press(user, "No, go on to my budget")
    q = await say(user, "9000")
    for _ in range(7):  # the expenses
        q = await press(user, "Skip")
    q = await press(user, "1")
    q = await press(user, "Job loss")
    q = await say(user, details)
    assert "Check your answers" in q.text
    await user.press("✅ Make my plan")
    return await delivered(user)


def raw_files(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


async def test_saved_plans_and_reminders_are_stored_redacted(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    await deliver_a_plan(user)
    await user.press("💾 Save this plan")
    saved = await user.reply()
    assert "masked" in saved.text and "the lenders' names" in saved.text  # says plainly what it keeps
    await user.press("🔔 Remind me before each payment")
    await user.reply()
    rows = [r for r in await pbot.storage.rows_mentioning(user.id) if r[0] in ("plan_saved", "plan_reminders")]
    assert {r[0] for r in rows} == {"plan_saved", "plan_reminders"}
    text = repr(rows)
    assert "[phone]" in text and "[id-number]" in text and "[email]" in text
    for secret in (PHONE, ID_NUMBER, EMAIL):
        assert secret not in text
        assert secret.encode() not in raw_files(pbot.db_path)


async def test_forget_stops_old_plan_buttons_and_reminders(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    await deliver_a_plan(user, lender="某某消费金融")
    await user.press("🔔 Remind me before each payment")
    await user.reply()
    assert reminders.jobs_of(pbot.app, user.id)
    await user.send("/forget")
    await user.press("Yes, delete everything", message=await user.reply())
    assert "deleted" in (await user.reply()).text
    assert reminders.jobs_of(pbot.app, user.id) == []
    await user.press("💾 Save this plan")  # an old button, under the delivered plan
    assert "expired" in (await user.answer())["text"]
    await asyncio.sleep(0.2)
    rows = await pbot.storage.rows_mentioning(user.id)
    assert [r for r in rows if r[0] != "users"] == []  # at most "seen just now", from this very press


async def test_forgotten_rows_are_overwritten_and_the_log_emptied(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    lender = "独一无二的贷款公司"
    await deliver_a_plan(user, lender=lender)
    await user.press("💾 Save this plan")
    await user.reply()
    assert lender.encode() in raw_files(pbot.db_path)
    await user.send("/forget")
    await user.press("Yes, delete everything", message=await user.reply())
    await user.reply()
    assert lender.encode() not in raw_files(pbot.db_path)
    assert (await pbot.storage.read("PRAGMA secure_delete"))[0][0] == 1


async def test_forget_with_the_database_locked_says_so_retries_and_finishes(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("/lang")
    await user.press("English", message=await user.reply())
    await user.reply()
    await bot.storage.read("PRAGMA busy_timeout=200")
    other = sqlite3.connect(bot.db_path, timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        await user.send("/forget")
        await user.press("Yes, delete everything", message=await user.reply())
        pending = await user.reply()
        assert "could not delete everything yet" in pending.text and "Sorry" not in pending.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    done = await user.reply(timeout=15)
    assert "everything I stored about you has been deleted" in done.text
    assert await bot.storage.rows_mentioning(user.id) == []
    await user.send("/lang")  # the connection is not left inside a transaction
    await user.press("English", message=await user.reply())
    assert "English" in (await user.reply()).text
    await user.send("/forget")
    await user.press("Yes, delete everything", message=await user.reply())
    assert "everything I stored about you has been deleted" in (await user.reply()).text


async def test_twenty_forgets_at_once_all_finish(bot: BotUnderTest) -> None:
    users = [bot.user(language_code="en") for _ in range(20)]
    for u in users:
        await u.send("/forget")
    confirms = [await u.reply() for u in users]
    for u, confirm in zip(users, confirms, strict=True):
        await u.press("Yes, delete everything", message=confirm)
    for u in users:
        assert "everything I stored about you has been deleted" in (await u.reply(timeout=20)).text
        assert await bot.storage.rows_mentioning(u.id) == []


async def test_privacy_says_what_plans_keep_and_that_reminders_count_as_activity(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("/privacy")
    text = (await user.reply()).text
    assert "kept only if you press Save" in text and "counts as activity" in text
    await user.send("/forget")
    assert "saved plans and your reminders" in (await user.reply()).text
