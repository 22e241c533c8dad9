"""Normalisation: what collectors do to dodge filters is undone, and offsets still point at the original."""

from __future__ import annotations

import pytest

from bot.engine import Engine


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("法 院", "法院"),
        ("起*诉", "起诉"),
        ("征-信", "征信"),
        ("征.信", "征信"),
        ("法😡院", "法院"),
        ("請轉告張三", "请转告张三"),
        ("ＡＢＣ１２３", "abc123"),
        ("z\u200bx逾期", "征信逾期"),
        ("fan罪", "犯罪"),
        ("gong安会来", "公安会来"),
        ("留案di", "留案底"),
        ("坐劳", "坐牢"),
        ("崔收", "催收"),
        ("I WILL CALL", "i will call"),
        ("c@ll ur b0ss", "call your boss"),
        ("P.a.y t0day", "pay today"),
        ("你个🐶东西", "你个狗东西"),
        ("你就是个 l a o l a i", "你就是个老赖"),
        ("tx录", "通讯录"),
        ("zheng xin xiu fu 找我", "征信修复找我"),
        ("等著瞧", "等着瞧"),
        ("pay $500 by 11pm", "pay $500 by 11pm"),
    ],
)
def test_normalised_text(engine: Engine, text: str, expected: str) -> None:
    assert engine.normaliser.normalise(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["法 院传票", "請轉告張三，fan罪", "🙂🙂 征\u200b信 𠀋 zx", "a\u202eb\u202cc", "ＡＢ　ＣＤ", "", "\x00\x01"],
)
def test_every_normalised_char_maps_into_the_original(engine: Engine, text: str) -> None:
    norm = engine.normaliser.normalise(text)
    assert len(norm.starts) == len(norm.text) == len(norm.ends)
    for s, e in zip(norm.starts, norm.ends, strict=True):
        assert 0 <= s < e <= len(text)


def test_pinyin_is_not_rewritten_inside_english_words(engine: Engine) -> None:
    # "zx" and "fy" stand for 征信 / 法院 only in Chinese text and only as whole tokens
    assert engine.normaliser.normalise("Call me at zxcv, fyi").text == "call me at zxcv, fyi"
    assert engine.normaliser.normalise("xyz").text == "xyz"


def test_evidence_of_an_obfuscated_word_is_the_original_spelling(engine: Engine) -> None:
    text = "已经构成fan罪了"
    norm = engine.normaliser.normalise(text)
    i = norm.text.index("犯罪")
    start, end = norm.span(i, i + 2)
    assert text[start:end] == "fan罪"
