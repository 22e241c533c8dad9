"""/plan under faults and odd input, end to end: a database that will not write, a delivery that fails half-way,
a crisis false positive, a collection message pasted mid-interview, an interview left for long, a fast user,
absurd numbers, reminders in the user's time zone."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fake_telegram import BotUnderTest
from plan_fake import PlanBotUnderTest, PlanFakeTelegram
from telegram.ext import AIORateLimiter
from test_bot import practice_example
from test_plan_bot import delivered, pbot, press, say, start  # noqa: F401  (pbot is a fixture)
from test_privacy import deliver_a_plan

from bot.engine import Engine
from bot.plan import store
from handlers.telegram_retry import PatientRateLimiter


@pytest.fixture
async def quick_pbot(engine: Engine, tmp_path: Path) -> AsyncIterator[PlanBotUnderTest]:
    """The plan bot with short backoffs between retries."""
    fake = await PlanFakeTelegram().start()
    limiter = PatientRateLimiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0), first_backoff=0.02)
    harness = PlanBotUnderTest(fake, engine, tmp_path / "bot.sqlite3", rate_limiter=limiter)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        await fake.stop()


def plan_state(bot: Any, user: Any) -> dict[str, Any] | None:
    return bot.app.user_data.get(user.id, {}).get("plan")


async def test_answers_are_not_taken_while_they_cannot_be_saved(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    await start(user)
    await say(user, "某银行")
    await pbot.storage.read("PRAGMA query_only=ON")  # the file takes no write (as when full or read-only)
    refused = await press(user, "Bank loan")
    assert "cannot save your answers right now" in refused.text and "not kept" in refused.text
    assert plan_state(pbot, user)["step"] == "kind"
    await pbot.storage.read("PRAGMA query_only=OFF")
    q = await press(user, "Bank loan")  # the same button still works
    assert "principal" in q.text


async def test_a_failed_delivery_keeps_the_answers_and_parts_can_be_sent_again(quick_pbot: PlanBotUnderTest) -> None:
    user = quick_pbot.user(language_code="en")
    quick_pbot.fake.inject("sendDocument", "502", times=6)
    out = await deliver_a_plan(user, lender="某某小贷")
    assert "could not send all of your plan" in out[-1].text
    assert plan_state(quick_pbot, user) is not None  # the answers are still there
    await user.press("🔁 Send my plan again")
    out = await delivered(user)
    assert {u.filename for u in quick_pbot.fake.uploads} >= {"plan-chart.png", "repayment-plan.pdf"}
    assert plan_state(quick_pbot, user) is None  # deleted once all was sent
    await user.press("🔁 Send a part again")
    await user.press("PDF", message=await user.reply())
    again = await user.reply(timeout=60)
    assert "repayment-plan.pdf" in again.text
    assert [u.filename for u in quick_pbot.fake.uploads].count("repayment-plan.pdf") == 2


async def test_a_crisis_false_positive_keeps_the_answer_and_shows_support(
    pbot: PlanBotUnderTest,  # noqa: F811
    engine: Engine,
) -> None:
    text = "Laid off in August, and some nights I feel I can't go on."  # an answer that also reads as crisis
    assert engine.answer(text, "en").topic == "crisis"
    user = pbot.user(language_code="en")
    await deliver_until_details(user)
    await user.send(text)
    support, review = await user.replies(2)
    assert "What you wrote worries me" in support.text and "12356" in support.text  # the region's line (CN)
    assert "Check your answers" in review.text and "Laid off in August" in review.text


async def deliver_until_details(user: Any) -> None:
    await start(user)
    await say(user, "某银行")
    await press(user, "Bank loan")
    await say(user, "20000")
    for _ in range(6):
        await press(user, "Skip")
    await press(user, "No, go on to my budget")
    await say(user, "9000")
    for _ in range(7):
        await press(user, "Skip")
    await press(user, "1")
    q = await press(user, "Job loss")
    assert "what happened" in q.text


async def test_a_collection_message_pasted_mid_interview_is_assessed_not_stored(
    pbot: PlanBotUnderTest,  # noqa: F811
    engine: Engine,
) -> None:
    user = pbot.user(language_code="zh-hans")
    await user.send("/plan")
    await user.replies(2)
    threat = practice_example(engine, "threat_violence")
    await user.send(threat)
    replies = await user.all_replies(quiet=0.5)
    assert any("结论" in r.text for r in replies)
    back = replies[-1]
    assert back.labels() == ["↩ 回到我的方案"]
    assert plan_state(pbot, user)["debts"][0]["lender"] is None
    q = await press(user, "↩ 回到我的方案")
    assert "出借方" in q.text or "贷款机构" in q.text or "借款" in q.text


async def test_an_interview_left_for_long_no_longer_takes_texts(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    await start(user)
    await asyncio.sleep(0.3)  # the handler has finished with the question
    pbot.app.user_data[user.id]["plan"]["updated_at"] = time.time() - 3600
    await user.send("Can they call my mother about my debt?")
    replies = await user.all_replies(quiet=0.5)
    assert "unfinished plan" in replies[-1].text and "/plan" in replies[-1].text
    assert plan_state(pbot, user)["debts"][0]["lender"] is None
    await user.send("hello")
    assert not any("unfinished plan" in r.text for r in await user.all_replies(quiet=0.5))  # said once
    await user.send("/plan")
    offer = await user.reply()
    assert "unfinished plan" in offer.text
    q = await press(user, "Resume where I left off")
    assert "Who is the lender" in q.text
    q = await say(user, "某银行")  # texts are answers again
    assert "What kind of debt" in q.text


async def test_a_fast_interview_is_never_cut_by_the_inbound_limit(bot: BotUnderTest) -> None:
    assert bot.app.bot_data["services"].limiter.per_minute == 20
    user = bot.user(language_code="en")
    await deliver_until_details(user)  # 23 updates within the minute
    q = await say(user, "My hours were cut.")
    assert "Check your answers" in q.text


async def test_absurd_numbers_get_a_friendly_question_again(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    await start(user)
    await say(user, "某银行")
    await press(user, "Bank loan")
    q = await say(user, "1" * 50)
    assert "too large" in q.text and "principal" in q.text
    q = await say(user, "15," + "0" * 50)
    assert "separators" in q.text and not any(label.startswith("Use ") for label in q.labels())
    q = await say(user, "3万")
    assert "How much interest" in q.text


async def test_us_reminders_are_at_nine_in_the_zone_the_user_chooses(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    assert store.timezone_for("CN") == "Asia/Shanghai" and store.timezone_for("US") == "America/New_York"
    user = pbot.user(language_code="en")
    await deliver_a_plan(user, lender="Acme Lending", region="the United States", kind="Credit card")
    await user.press("🔔 Remind me before each payment")
    zones = await user.reply()
    assert "US Pacific time" in zones.labels()
    await user.press("US Pacific time", message=zones)
    on = await user.reply()
    assert "09:00 (US Pacific time)" in on.text
    rows = await store.list_reminders(pbot.storage, user.id)
    assert rows
    for r in rows:
        fire = dtm.datetime.fromtimestamp(r.fire_at, ZoneInfo("America/Los_Angeles"))
        assert fire.time() == dtm.time(9, 0) and fire.date() == r.due - dtm.timedelta(days=1)


async def test_cn_reminders_are_at_nine_china_time(pbot: PlanBotUnderTest) -> None:  # noqa: F811
    user = pbot.user(language_code="en")
    await deliver_a_plan(user, lender="某某消费金融")
    await user.press("🔔 Remind me before each payment")
    assert "09:00 (China time)" in (await user.reply()).text
    for r in await store.list_reminders(pbot.storage, user.id):
        fire = dtm.datetime.fromtimestamp(r.fire_at, ZoneInfo("Asia/Shanghai"))
        assert fire.time() == dtm.time(9, 0) and fire.date() == r.due - dtm.timedelta(days=1)
