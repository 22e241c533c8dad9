"""/plan end to end: the real Application over HTTP against the fake Bot API (tests/fake_telegram.py, with
uploads added by tests/plan_fake.py): Back, edit from the review screen, cancel, resume, a restart in the
middle, delivery (summary, letters, chart, PDF, calendar), save, reminders and /forget."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from plan_fake import PlanBotUnderTest, PlanFakeTelegram
from pypdf import PdfReader

from bot.engine import Engine
from handlers import reminders


@pytest.fixture
async def pbot(engine: Engine, tmp_path: Path) -> AsyncIterator[PlanBotUnderTest]:
    fake = await PlanFakeTelegram().start()
    harness = PlanBotUnderTest(fake, engine, tmp_path / "bot.sqlite3")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        await fake.stop()
    assert not fake.errors, f"the fake Bot API answered errors: {fake.errors}"


async def say(user: Any, text: str) -> Any:
    await user.send(text)
    return await user.reply()


async def press(user: Any, label: str) -> Any:
    await user.press(label)
    return await user.reply()


async def delivered(user: Any, timeout: float = 90) -> list[Any]:
    """Every message of a plan's delivery, up to the last one (the chart and the PDF take a while to make)."""
    out: list[Any] = []
    ends = ("Nothing about this plan is kept", "方案的任何内容", "could not send all of your plan", "没能把方案全部")
    while not out or not any(k in out[-1].text for k in ends):
        out.append(await user.reply(timeout=timeout))
    return out


async def start(user: Any, region: str | None = "mainland China") -> Any:
    """/plan, after choosing the region whose rules the plan follows (these tests are about mainland lenders)."""
    if region:
        await user.send("/region")
        await user.press(region, message=await user.reply())
        await user.reply()
    await user.send("/plan")
    return await user.reply_after_intro() if hasattr(user, "reply_after_intro") else (await user.replies(2))[-1]


async def one_debt_until_budget(user: Any) -> Any:
    q = await start(user)
    assert "Who is the lender" in q.text
    q = await say(user, "招商银行信用卡中心")
    assert "What kind of debt" in q.text
    q = await press(user, "Credit card")
    assert "principal" in q.text
    q = await say(user, "3万")
    assert "interest" in q.text
    q = await say(user, "1,200")
    assert "penalty" in q.text
    q = await press(user, "Skip")
    assert "fees" in q.text
    q = await say(user, "¥300")
    assert "overdue" in q.text
    q = await press(user, "3 to 6 months")
    assert "interest rate" in q.text
    q = await press(user, "Skip")
    assert "actually reached you" in q.text
    q = await press(user, "Skip")
    assert "another lender" in q.text
    return q


async def budget_until_review(user: Any, income: str = "8000") -> Any:
    q = await say(user, income)
    for answer in ("2000", "1500", None, None, "800", "500", None):  # housing … other
        assert "Essential monthly expenses" in q.text
        q = await (press(user, "Skip") if answer is None else say(user, answer))
    assert "depend on your income" in q.text
    q = await press(user, "1")
    assert "main reason" in q.text
    q = await press(user, "Job loss")
    assert "what happened" in q.text
    q = await say(user, "Laid off in August <b>& now</b> part-time.")
    assert "Check your answers" in q.text
    return q


async def test_interview_back_edit_and_delivery(pbot: PlanBotUnderTest) -> None:
    user = pbot.user(language_code="en")
    q = await start(user)
    q = await say(user, "招商银行信用卡中心")
    q = await press(user, "Credit card")
    q = await say(user, "3万")
    q = await say(user, "1200")
    assert "penalty" in q.text
    # Back: the previous question again, with the answer already given and a Keep button
    q = await press(user, "⬅ Back")
    assert "How much interest" in q.text and "¥1,200" in q.text
    q = await say(user, "1500")  # changed
    assert "penalty" in q.text
    q = await press(user, "Skip")
    q = await say(user, "300")
    q = await press(user, "3 to 6 months")
    q = await press(user, "Skip")
    q = await press(user, "Skip")
    # a second lender, with a rate and money deducted upfront
    q = await press(user, "Yes, add another debt")
    assert "Debt 2" in q.text
    q = await say(user, "某某网贷")
    q = await press(user, "Online lending platform")
    q = await say(user, "一万")
    q = await say(user, "2千")
    q = await press(user, "Skip")
    q = await say(user, "1500")
    q = await say(user, "3个月")
    q = await say(user, "日息0.1%")
    q = await say(user, "8500")
    q = await press(user, "No, go on to my budget")
    assert "monthly income" in q.text
    q = await budget_until_review(user, income="7000")
    assert "招商银行信用卡中心" in q.text and "某某网贷" in q.text and "¥7,000" in q.text
    # edit from the review screen: income, then straight back to the review
    q = await press(user, "✏️ Income")
    assert "monthly income" in q.text and "Keep" in " ".join(q.labels())
    q = await say(user, "8000")
    assert "Check your answers" in q.text and "¥8,000" in q.text
    # the plan
    await user.press("✅ Make my plan")
    out = await delivered(user)
    texts = [m.text for m in out]
    summary = next(t for t in texts if "Your repayment plan" in t)
    assert "Available for repayments: ¥2,400" in summary
    assert "pro rata" in summary and "deducted upfront" in summary
    letters = [m for m in out if m.text.startswith("Letter to")]
    assert len(letters) == 4  # two lenders x (simplified Chinese + English)
    assert any(e["type"] == "pre" for e in letters[0].entities)
    assert "个性化分期还款" in letters[0].text
    assert "<b>& now</b>" in letters[1].text  # user text: escaped in the HTML, intact for the reader
    uploads = {u.filename: u for u in pbot.fake.uploads}
    assert uploads["plan-chart.png"].data.startswith(b"\x89PNG")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(uploads["repayment-plan.pdf"].data)).pages)
    assert "个性化分期还款" in pdf_text.replace(" ", "").replace("\n", "")
    cal = Calendar.from_ical(uploads["payment-dates.ics"].data)
    assert len(cal.walk("VEVENT")) > 2
    assert "Nothing about this plan is kept unless you press Save" in texts[-1]
    # nothing about the plan is stored after delivery
    rows = await pbot.storage.rows_mentioning(user.id)
    assert not [r for r in rows if r[0].startswith("plan_") or (r[0] == "ptb_conversations")]
    assert not any("某某网贷" in json.dumps(r, ensure_ascii=False) for r in rows)
    assert "plan" not in pbot.app.user_data.get(user.id, {})
    # save, then reminders; both stored, both removed by /forget
    await user.press("💾 Save this plan")
    assert (await user.answer())["text"] == "Saved."
    await user.reply()
    await user.press("🔔 Remind me before each payment")
    on = await user.reply()
    assert "remind you at 09:00" in on.text
    rows = await pbot.storage.rows_mentioning(user.id)
    assert {r[0] for r in rows} >= {"plan_saved", "plan_reminders"}
    jobs = reminders.jobs_of(pbot.app, user.id)
    assert len(jobs) == len([r for r in rows if r[0] == "plan_reminders"]) > 2
    # a reminder, run now: sent once, then its row is gone
    await jobs[0].run(pbot.app)
    rem = await user.reply()
    assert "Payment reminder" in rem.text and "Stop reminders" in rem.labels()
    # /forget deletes saved plans and reminders; a reminder job that fires afterwards sends nothing
    await user.send("/forget")
    confirm = await user.reply()
    await user.press(confirm.labels()[0])
    await user.reply()
    rows = await pbot.storage.rows_mentioning(user.id)
    assert not [r for r in rows if r[0].startswith("plan_")]
    await jobs[1].run(pbot.app)
    assert await user.settle(quiet=0.3) == []


async def test_restart_in_the_middle_and_resume(pbot: PlanBotUnderTest) -> None:
    user = pbot.user(language_code="en")
    q = await start(user)
    q = await say(user, "某银行")
    q = await press(user, "Bank loan")
    assert "principal" in q.text
    await pbot.restart()  # a new Application on the same SQLite file
    q = await say(user, "50000")  # the conversation goes on where it was
    assert "How much interest" in q.text
    await pbot.restart()
    await user.send("/plan")  # /plan again: resume or start afresh
    offer = await user.reply()
    assert "unfinished plan" in offer.text
    q = await press(user, "Resume where I left off")
    assert "How much interest" in q.text
    q = await say(user, "0")
    q = await press(user, "⬅ Back")
    assert "How much interest" in q.text
    await user.send("/plan")
    await user.reply()
    q = await press(user, "Start afresh (delete my answers)")
    assert "Who is the lender" in q.text and "Current answer" not in q.text


async def test_cancel_and_friendly_errors(pbot: PlanBotUnderTest) -> None:
    user = pbot.user(language_code="en")
    q = await start(user)
    q = await say(user, "某网贷")
    q = await press(user, "Other")
    q = await say(user, "a lot")
    assert "could not read that as an amount" in q.text and "1.5万" in q.text
    q = await say(user, "15.000")
    assert "Use 15000" in q.labels()
    q = await press(user, "Use 15000")
    assert "How much interest" in q.text
    q = await say(user, "3000-5000")
    assert "not a range" in q.text
    q = await press(user, "✖ Cancel")
    assert "Cancelled" in q.text
    assert "plan" not in pbot.app.user_data.get(user.id, {})
    rows = await pbot.storage.rows_mentioning(user.id)
    assert not [r for r in rows if r[0] == "ptb_conversations"]
    await user.send("/plan")
    intro = await user.replies(2)
    assert "unfinished" not in intro[0].text


async def test_nothing_affordable_in_chinese(pbot: PlanBotUnderTest) -> None:
    user = pbot.user(language_code="zh-hans")
    await user.send("/plan")
    await user.replies(2)
    await say(user, "某某消费金融")
    await press(user, "消费金融贷款")
    await say(user, "两万")
    for _ in range(6):  # interest, penalties, fees, overdue, rate, received
        await press(user, "跳过")
    await press(user, "没有，继续填写收支")
    await say(user, "3000")
    await say(user, "2500")  # housing
    await say(user, "1500")  # food
    for _ in range(5):
        await press(user, "跳过")
    await press(user, "2")
    await press(user, "生病或受伤")
    q = await press(user, "跳过")
    assert "核对" in q.text
    await user.press("✅ 生成我的方案")
    out = await delivered(user)
    summary = next(m.text for m in out if "还款方案" in m.text)
    assert "12348" in summary and "暂停" in summary
    assert "payment-dates.ics" not in {u.filename for u in pbot.fake.uploads}
    letter = next(m.text for m in out if "关于暂停催收" in m.text)
    assert "暂停催收三个月" in letter


async def test_reminders_survive_a_restart_and_saved_plan_reopens(pbot: PlanBotUnderTest) -> None:
    user = pbot.user(language_code="en")
    await one_debt_until_budget(user)
    await press(user, "No, go on to my budget")
    await budget_until_review(user)
    await user.press("✅ Make my plan")
    await delivered(user)
    await user.press("🔔 Remind me before each payment")
    await user.reply()
    await user.press("💾 Save this plan")
    await user.reply()
    n = len([r for r in await pbot.storage.rows_mentioning(user.id) if r[0] == "plan_reminders"])
    assert n > 2
    await pbot.restart()
    await asyncio.sleep(0.6)  # the restore job runs just after start-up
    names = [j.name for j in reminders.jobs_of(pbot.app, user.id)]
    assert len(names) == n
    # /plan offers the saved plan; opening it goes to the review screen with the answers
    await user.send("/plan")
    intro, _first = await user.replies(2)
    assert "My saved plan" in intro.labels()
    q = await press(user, "My saved plan")
    assert "招商银行信用卡中心" in q.text
    q = await press(user, "Open and edit")
    assert "Check your answers" in q.text and "¥30,000" in q.text
    q = await press(user, "✖ Cancel")
    # stop the reminders: rows and jobs gone
    await user.press("Stop reminders")
    stopped = await user.reply()
    assert f"Reminders stopped ({n} deleted)" in stopped.text
    await asyncio.sleep(0.1)
    assert not reminders.jobs_of(pbot.app, user.id)
    rows = await pbot.storage.rows_mentioning(user.id)
    assert [r[0] for r in rows if r[0].startswith("plan_")] == ["plan_saved"]
