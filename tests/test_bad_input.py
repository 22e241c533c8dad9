"""Bad input gets a clear answer, never a traceback; every evidence span is exactly text[start:end]."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine

ODD_INPUTS = [
    "",
    "   \n\t ",
    "😀😡💀🔪" * 50,
    "\x00\x01\x02\x1b[31m",
    "\u200b\u200c\u200d\ufeff",
    "\u202e法院传票\u202c",
    "مرحبا بالعالم",
    "<b>你再不还钱</b> <script>alert(1)</script> &amp; 就去你家",
    "**不还钱** _曝光你_ [link](http://bit.ly/x)",
    "法" * 100_000,
    "再不还钱就去你家 " * 5_000,
    "\ud800 lone surrogate 去你家",
]


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_inputs_are_assessed_and_answered(engine: Engine, text: str) -> None:
    a = engine.assess(text)
    assert a.verdict in {"scam", "unlawful", "lawful", "unclear"}
    for f in a.findings:
        assert text[f.start : f.end] == f.evidence
    ans = engine.answer(text)
    # a finer topic (public_shaming) answers for its taxonomy topic (family_contact)
    assert ans.topic in engine.kb.topic_by_id and ans.taxonomy_topic in engine.kb.taxonomy.topics


def test_huge_input_says_it_was_truncated(engine: Engine) -> None:
    a = engine.assess("x" * 100_000)
    assert a.warnings and a.verdict == "unclear"


def test_html_inside_text_keeps_exact_offsets(engine: Engine) -> None:
    text = "<b>再不还钱</b>就去你家堵门 &amp;"
    a = engine.assess(text)
    assert a.verdict == "unlawful"
    assert all(text[f.start : f.end] == f.evidence for f in a.findings)


# Text built from the alphabet collectors actually use, plus noise.
WORDS = [
    "不还",
    "就",
    "去你家",
    "通知",
    "家人",
    "法院",
    "坐牢",
    "征信",
    "起诉",
    "不会",
    "联系",
    "曝光",
    "通讯录",
    "警察",
    "还款",
    "APP",
    "http://t.cn/x",
    "13800138000",
    "凌晨3点",
    "¥5000",
    "you",
    "arrest",
    "family",
    "court",
    "will not",
    "call",
    " ",
    "，",
    "。",
    "\u200b",
    "😡",
    "法 院",
    "請",
    "zx",
    "fy",
    "gong安",
]
texty = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=5)), max_size=30).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=texty,
    jurisdiction=st.sampled_from(["CN", "US", None, "zz"]),
    lang=st.sampled_from(["zh-Hans", "zh-Hant", "en", None, "klingon"]),
)
def test_assess_never_raises_and_spans_are_exact(
    engine: Engine, text: str, jurisdiction: str | None, lang: str | None
) -> None:
    a = engine.assess(text, lang, jurisdiction)
    for f in a.findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.evidence
    for e in a.entities:
        assert text[e["start"] : e["end"]] == e["text"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(texty, st.text(max_size=200)))
def test_answer_never_raises(engine: Engine, text: str) -> None:
    a = engine.answer(text)
    assert 0.0 <= a.score <= 1.0
    assert len(a.alternatives) <= 3
