"""The Telegram-free dialogue: what a text is, button data, memory of ambiguous texts, inbound limit."""

from __future__ import annotations

import itertools

import pytest

from bot.dialogue import MAX_CALLBACK_DATA, Dialogue, InboundLimiter, PendingTexts, classify
from bot.engine import Answer, Engine


@pytest.mark.parametrize(
    "text, kind",
    [
        ("不还钱会坐牢吗", "question"),
        ("can they call my mother?", "question"),
        ("他们说要告诉我妈，可以吗", "question"),
        ("how long can they wait before suing me", "question"),
        (
            "【某某金融】尊敬的客户，您的借款已逾期15天，今天18点前不还款，我们将通知您的紧急联系人和单位领导。",
            "message",
        ),
        ("Dear customer, your account is 30 days past due. Pay today or we will contact your employer.", "message"),
    ],
)
def test_messages_and_questions(engine: Engine, text: str, kind: str) -> None:
    d = Dialogue(engine)
    assert classify(d.analyse(text, "zh-Hans", "CN")) == kind


def test_forwarded_and_modes_decide(engine: Engine) -> None:
    an = Dialogue(engine).analyse("can they call my mother?", "en", "CN")
    assert classify(an, forwarded=True) == "message"
    assert classify(an, mode="check") == "message"
    assert classify(an, mode="ask") == "question"


def test_button_data_always_fits_in_64_bytes(engine: Engine) -> None:
    d = Dialogue(engine)
    a = engine.assess("\n".join(s.examples[0][1] for s in engine.kb.signals), "en", "CN")
    assert len(a.findings) > 5
    for reply in d.assessment(a, "en"):
        for b in itertools.chain.from_iterable(reply.buttons):
            assert b.data is None or len(b.data.encode()) <= MAX_CALLBACK_DATA
            if b.data and b.data.startswith("a:"):  # each detail screen still knows what it is about
                assert d.detail(b.data.split(":")[1], b.data.split(":", 2)[2], "en").replies
    for t in engine.kb.topics:
        for b in itertools.chain.from_iterable(d.topic(t.id, "zh-Hant", "CN").buttons):
            assert len((b.data or "").encode()) <= MAX_CALLBACK_DATA
    assert len(set(d.short_ids.values())) == len(engine.kb.signals)


def test_did_you_mean_offers_the_top_three_topics(engine: Engine) -> None:
    from bot.answer import TopicScore

    topics = [t.id for t in engine.kb.topics if t.id not in ("crisis", "out_of_scope")][:4]
    audience = engine.audience(None, "en", "US")
    ans = Answer("x", "en", audience, topics[0], 0.3, [TopicScore(t, 0.2) for t in topics[1:]], False)
    reply = Dialogue(engine).answer(ans, "en")[0]
    assert "Did you mean:" in reply.html
    # each choice answers under the law the question was asked under
    assert [row[0].data for row in reply.buttons[:3]] == [f"t:{t}:US" for t in topics[:3]]


def test_pending_texts_are_per_user_single_use_and_expire() -> None:
    p = PendingTexts(ttl=60)
    token = p.put(1, "secret text")
    assert p.pop(2, token) is None
    assert p.pop(1, token) == "secret text"
    assert p.pop(1, token) is None
    p2 = PendingTexts(ttl=-1)
    t2 = p2.put(1, "x")
    assert p2.pop(1, t2) is None and len(p2) == 0


def test_inbound_limiter_warns_once_per_window() -> None:
    lim = InboundLimiter(per_minute=3)
    results = [lim.allow(1, now=100.0 + i) for i in range(6)]
    assert [r[0] for r in results] == [True, True, True, False, False, False]
    assert [r[1] for r in results] == [False, False, False, True, False, False]
    assert lim.allow(1, now=200.0) == (True, False)
    assert lim.allow(2, now=100.0) == (True, False)


@pytest.mark.parametrize(
    "text",
    [
        "借金の取り立てが毎日来ます。家族に連絡すると言われました",
        "빚 독촉 전화가 매일 와요",
        "Bạn chưa thanh toán khoản vay, vui lòng trả ngay",
    ],
)
def test_a_language_the_bot_does_not_read_gets_a_note_in_every_language_it_reads(engine: Engine, text: str) -> None:
    d = Dialogue(engine)
    (reply,) = d.respond(d.analyse(text, "zh-Hant"), "zh-Hant", kind="question")
    assert "English" in reply.html and "中文 (简体)" in reply.html and "請用其中一種" in reply.html
    assert engine.answer(text).topic == "out_of_scope"
