"""How updates reach the handlers: a malformed update is skipped (polling goes on), the parts of a long paste
are one message, the inbound limit says when to try again, users are served side by side and each in order."""

from __future__ import annotations

import asyncio
import re

import pytest
from fake_telegram import BotUnderTest
from test_bot import practice_example

from bot.engine import Engine


async def test_a_malformed_update_is_skipped_and_logged_once(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.user(language_code="en")
    with caplog.at_level("WARNING"):
        bad = bot.fake.push_update({"message": {"message_id": "x", "chat": 5, "date": "never"}})
        await user.send("/start")
        assert "Check a message" in (await user.reply()).labels()
    skipped = [r for r in caplog.records if f"skipped update {bad['update_id']}" in r.getMessage()]
    assert len(skipped) == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_long_paste_split_by_telegram_gets_one_verdict(bot: BotUnderTest, engine: Engine) -> None:
    threat = practice_example(engine, "threat_violence")
    filler = "我们是某某金融客服中心，您的借款已经逾期，请尽快登录官方应用处理还款事宜，以免影响您的信用记录。\n"
    text = filler * 120 + threat + "\n" + filler * 80
    parts = [text[i : i + 4000] for i in range(0, len(text), 4000)]
    assert len(parts) >= 3
    user = bot.user(language_code="zh-hans")
    await user.send("/check")
    await user.reply()
    for part in parts:  # as a Telegram client sends a long paste
        await user.send(part)
    replies = await user.all_replies(quiet=3.0, timeout=30)
    verdicts = [r for r in replies if "结论" in r.text]
    assert len(verdicts) == 1 and "违法" in verdicts[0].text


async def test_a_short_text_is_answered_at_once(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("Can they really send me to jail?")
    await user.reply(timeout=1.5)  # not held back for joining


async def test_over_the_limit_the_user_is_told_once_when_to_try_again(bot: BotUnderTest) -> None:
    limit = bot.app.bot_data["services"].limiter.per_minute
    user = bot.user(language_code="en")
    for i in range(limit + 5):
        await user.send(f"hello {i}")
    replies = await user.all_replies(quiet=0.5)
    notes = [r for r in replies if "very fast" in r.text]
    assert len(notes) == 1
    seconds = int(re.search(r"wait (\d+) seconds", notes[0].text).group(1))
    assert 1 <= seconds <= 60


async def test_buttons_are_not_limited(bot: BotUnderTest) -> None:
    limit = bot.app.bot_data["services"].limiter.per_minute
    user = bot.user(language_code="en")
    await user.send("/rights")
    await user.reply()
    for i in range(limit + 5):
        await user.press("Next ▶" if i % 2 == 0 else "◀ Previous")
        await user.answer()
        assert "page" in (await user.reply()).text
    assert not any("very fast" in r.text for r in await user.settle(quiet=0.5))


async def test_each_users_updates_stay_in_order_while_users_are_served_together(bot: BotUnderTest) -> None:
    users = [bot.user(language_code="en") for _ in range(30)]
    for u in users:
        await u.send("/check")
        await u.send("Can they really send me to jail?")
        await u.send("/help")
    for u in users:
        prompt, verdict, help_ = await u.reply(timeout=30), await u.reply(timeout=30), await u.reply(timeout=30)
        assert "Paste or forward" in prompt.text and "Verdict" in verdict.text and "/privacy" in help_.text
    await asyncio.sleep(0)
