"""Telegram misbehaving, through the fake Bot API: 429s, 500s, 502s, dropped connections and late answers. A
reply is delivered once, or the user is told once; never both, never neither; one slow chat holds up no other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_telegram import BotUnderTest, FakeTelegram
from telegram.ext import AIORateLimiter

from bot.engine import Engine
from handlers.telegram_retry import PatientRateLimiter


@pytest.fixture
async def quick_bot(fake_telegram: FakeTelegram, engine: Engine, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The real bot, with short backoffs between retries (the bounds are the production ones)."""
    limiter = PatientRateLimiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0), first_backoff=0.05)
    harness = BotUnderTest(fake_telegram, engine, tmp_path / "bot.sqlite3", rate_limiter=limiter)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    assert not fake_telegram.errors


async def test_a_429_beyond_three_retries_still_delivers_the_reply_once(quick_bot: BotUnderTest) -> None:
    user = quick_bot.user(language_code="en")
    quick_bot.fake.inject("sendMessage", "429", times=4, retry_after=1, chat_id=user.id)
    await user.send("/start")
    replies = await user.all_replies(quiet=1.0, timeout=30)
    assert [r.labels()[0] for r in replies] == ["Check a message"]
    assert quick_bot.fake.faults_hit["429"] == 4


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_server_errors_and_dropped_connections_are_retried(quick_bot: BotUnderTest, kind: str) -> None:
    user = quick_bot.user(language_code="en")
    quick_bot.fake.inject("sendMessage", kind, times=3, chat_id=user.id)
    await user.send("/start")
    replies = await user.all_replies(quiet=1.0, timeout=30)
    assert len(replies) == 1 and "Check a message" in replies[0].labels()
    assert "something went wrong" not in replies[0].text


async def test_a_late_answer_is_waited_for_not_apologised_for(quick_bot: BotUnderTest) -> None:
    user = quick_bot.user(language_code="en")
    quick_bot.fake.inject("sendMessage", "slow", delay=7.0, chat_id=user.id)  # past PTB's 5 s default
    await user.send("/start")
    replies = await user.all_replies(quiet=2.0, timeout=30)
    assert len(replies) == 1 and "Check a message" in replies[0].labels()


async def test_when_telegram_keeps_failing_the_user_is_told_once(quick_bot: BotUnderTest) -> None:
    user = quick_bot.user(language_code="en")
    quick_bot.fake.inject("sendMessage", "502", times=6, chat_id=user.id)  # every try of the reply
    await user.send("/start")
    replies = await user.all_replies(quiet=1.0, timeout=30)
    assert len(replies) == 1 and "something went wrong" in replies[0].text


async def test_a_button_is_always_answered_even_when_the_reply_fails(quick_bot: BotUnderTest) -> None:
    user = quick_bot.user(language_code="en")
    await user.send("/start")
    await user.reply()
    quick_bot.fake.inject("sendMessage", "502", times=6, chat_id=user.id)
    await user.press("Check a message")
    await user.answer(timeout=30)  # no spinner left on the button
    assert "something went wrong" in (await user.reply(timeout=30)).text


async def test_one_chat_waiting_out_a_429_holds_up_no_other(bot: BotUnderTest) -> None:
    slow, quick = bot.user(language_code="en"), bot.user(language_code="en")
    bot.fake.inject("sendMessage", "429", retry_after=4, chat_id=slow.id)
    await slow.send("/start")
    await quick.send("/start")
    assert "Check a message" in (await quick.reply(timeout=3.5)).labels()  # before the slow chat's wait ends
    assert "Check a message" in (await slow.reply(timeout=30)).labels()


async def test_forged_and_outdated_buttons_are_answered_as_expired(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("/start")
    menu = await user.reply()
    for data in ("x" * 64, "a:r:zzz", "p:sv:open:nothex", "fb:p:'; DROP TABLE users;--:u", "rp:-1", "lang:xx"):
        await user.press_data(data, menu)
        await user.answer()
        assert "no longer have" in (await user.reply()).text
    assert await bot.storage.read("SELECT COUNT(*) FROM users") != []
