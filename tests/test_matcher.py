"""The pattern language: any / all with window and order, negation, `unless`, English word boundaries."""

from __future__ import annotations

import re

import pytest

from bot.engine import Engine
from bot.kb.schema import Pattern
from bot.matcher import Matcher, required_literals

VOCAB = {"family": ["家人", "父母", "family", "your mother"], "tell": ["通知", "联系", "call", "contact"]}


def match(engine: Engine, pattern: dict, text: str, jurisdiction: str = "CN") -> str | None:
    late_hours = engine.night(engine.judges[jurisdiction])
    lex = engine.kb.lexicon
    m = Matcher(
        engine.normaliser,
        [[Pattern.model_validate(pattern)]],
        VOCAB,
        list(lex.negators),
        list(lex.breakers),
        list(lex.conditionals),
    )
    norm = engine.normaliser.normalise(text)
    spans = m.match(m.hits(norm, engine.entity_finder.find(norm, late_hours)))
    if 0 not in spans:
        return None
    start, end = norm.span(*spans[0])
    return text[start:end]


ALL = {"all": [["$tell"], ["$family"]], "window": 10}


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("再不还就通知你家人", "通知你家人"),
        ("你的家人我们都会联系", "家人我们都会联系"),
        ("我们不会联系您的家人和单位", None),  # negation
        ("不还钱我们就联系你父母", "联系你父母"),  # 不 + breaker 就: not a negation
        ("我们严禁催收员联系您的家人", None),
        ("通知：请按时还款。你的家人很关心你", None),  # too far apart (window 10)
        ("We will call your mother today", "call your mother"),
        ("We will not call your family", None),
        ("If you don't pay we will call your family", "call your family"),
        ("We will recontact your familyhood", None),  # whole words only
    ],
)
def test_all_groups_window_negation(engine: Engine, text: str, evidence: str | None) -> None:
    assert match(engine, ALL, text) == evidence


def test_ordered_groups(engine: Engine) -> None:
    p = {"all": [["$tell"], ["$family"]], "ordered": True}
    assert match(engine, p, "通知你家人") == "通知你家人"
    assert match(engine, p, "家人会被通知") is None


def test_unless_voids_the_sentence(engine: Engine) -> None:
    p = {"any": ["起诉"], "unless": ["依法"]}
    assert match(engine, p, "我们将依法起诉") is None
    assert match(engine, p, "我们将依法处理。明天起诉你") == "起诉"


def test_negation_inside_the_matched_words_does_not_count(engine: Engine) -> None:
    assert match(engine, {"any": ["绝不放过你"]}, "我们绝不放过你") == "绝不放过你"


def test_prefix_terms_match_endings(engine: Engine) -> None:
    p = {"any": ["arrest*"]}
    assert match(engine, p, "You will be ARRESTED tomorrow") == "ARRESTED"
    assert match(engine, p, "the arrears are due") is None


def test_entities_in_patterns(engine: Engine) -> None:
    p = {"all": [["点击", "click"], ["@url_suspicious"]], "window": 30}
    assert match(engine, p, "请点击 http://jd-huankuan.cc/a 还款") == "点击 http://jd-huankuan.cc/a"
    assert match(engine, p, "请点击 https://www.icbc.com.cn 查看") is None
    # a link right after Chinese, with no space, as people type it and as OCR reads it
    assert match(engine, p, "请点击链接查看传票t.cn/A1b2C3") == "点击链接查看传票t.cn/A1b2C3"


def test_late_hour_depends_on_jurisdiction(engine: Engine) -> None:
    p = {"any": ["@late_hour"]}
    assert match(engine, p, "我凌晨3点再打给你") == "凌晨3点"
    assert match(engine, p, "晚上8点前回电") is None
    assert match(engine, p, "we called at 9:30 pm", "US") == "9:30 pm"
    assert match(engine, p, "we called at 9:30 pm", "CN") is None


def test_a_twelve_hour_clock_is_not_read_as_a_night_call(engine: Engine) -> None:
    p = {"any": ["@late_hour"]}
    # a payment receipt at 2:33 PM was once a 2 a.m. call
    assert match(engine, p, "Confirmed. Ksh500 received on 3/5/24 at 2:33 PM", "US") is None
    assert match(engine, p, "昨天下午3:12打给你", "CN") is None
    assert match(engine, p, "半夜12:30还在打", "CN") is not None
    assert match(engine, p, "凌晨1:30又打来了", "CN") is not None


def test_without_fixed_calling_hours_the_honest_scope_night_is_read(engine: Engine) -> None:
    # Hong Kong has no fixed calling hours (no late_hours): a 2 a.m. call is still read as late, by general/'s night
    assert engine.kb.jurisdictions["HK"].info.late_hours is None
    assert engine.night(engine.judges["HK"]) == engine.kb.jurisdictions["general"].info.late_hours
    p = {"any": ["@late_hour"]}
    assert match(engine, p, "佢哋凌晨2點打嚟追數", "HK") == "凌晨2點"


def test_a_regex_is_only_skipped_when_it_cannot_match(engine: Engine) -> None:
    # regexes run only where one of their required literals occurs: a wrong literal would silently drop findings
    assert required_literals(r"(?:您|你)的(?:借款|贷款)已?逾期") == frozenset({"逾期"})  # the most selective part
    assert required_literals(r"\b(?:pay|send)\s(?:it\s)?to\b") == frozenset({"pay", "send"})
    assert required_literals(r"a?b*") is None
    assert required_literals(r"x(?i:court)") == frozenset({"x"})  # a case-blind part requires nothing
    examples = [engine.normaliser.normalise(t).text for s in engine.kb.signals for _, t in s.examples]
    for s in engine.kb.signals:
        for p in s.patterns:
            if p.regex is None:
                continue
            literals = required_literals(p.regex)
            for text in examples:
                for m in re.finditer(p.regex, text):
                    assert literals is None or any(lit in m.group(0) for lit in literals), (s.id, p.regex)


def test_amounts_in_the_currencies_of_regions_not_covered_are_amounts(engine: Engine) -> None:
    p = {"any": ["@amount"]}
    assert match(engine, p, "Your loan of KSh 1,200 is overdue") == "KSh 1,200"
    assert match(engine, p, "Pay Rs. 4,500 today") == "Rs. 4,500"
    assert match(engine, p, "a fine of £250") == "£250"
    # a Latin symbol is a whole word
    assert match(engine, p, "it takes 3 days") is None
