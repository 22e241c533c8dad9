"""Never the wrong country's law: whatever a user in one region sees — an assessment and every screen behind its
buttons, every topic answer and its details, crisis and danger replies — names no channel, number, statute or
currency of another jurisdiction. A region the knowledge base does not cover sees none of any."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from bot.config import LANGUAGES
from bot.dialogue import Dialogue, Reply
from bot.engine import Engine
from bot.kb.loader import GENERAL

REGIONS = ["CN", "US", "HK", "TW", "GB", "KE", "other"]  # four covered, three not


@lru_cache(maxsize=1)
def _dialogue(engine: Engine) -> Dialogue:
    return Dialogue(engine)


def _markers(engine: Engine, judge: str) -> list[re.Pattern[str]]:
    """What only another jurisdiction would show: its numbers, web addresses, law titles and channel names."""
    kb = engine.kb
    out: list[re.Pattern[str]] = []
    # a number both places use (110 is the police in mainland China and in Taiwan) is nobody's marker
    own_contacts = {ch.contact for ch in kb.channels.values() if ch.jurisdiction == judge and ch.contact}
    for ch in kb.channels.values():
        if ch.jurisdiction == judge:
            continue
        if ch.contact and ch.contact not in own_contacts:
            out.append(re.compile(rf"(?<![\d.]){re.escape(ch.contact)}(?![\d])"))
        if ch.url:
            out.append(re.compile(re.escape(ch.url.split("//")[-1].strip("/"))))
        for name in ch.name.root.values():
            out.append(re.compile(re.escape(name)))
    for law in kb.laws.values():
        if law.jurisdiction != judge:
            for title in law.title.root.values():
                if len(title) >= 4:
                    out.append(re.compile(re.escape(title)))
    foreign_currency = {
        "CN": ["¥", "人民币", "人民幣"],
        "US": ["US$"],
        "TW": ["NT$", "新臺幣", "新台幣", "新台币"],
        "HK": ["HK$", "港幣", "港币", "港元"],
    }
    for code, symbols in foreign_currency.items():
        if code != judge:
            out.extend(re.compile(re.escape(s)) for s in symbols)
    return out


def _texts(replies: list[Reply]) -> str:
    return "\n".join(r.html + "\n" + " ".join(b.label for row in r.buttons for b in row) for r in replies)


def _example_of(engine: Engine, category: str) -> tuple[str, str]:
    for s in engine.kb.signals:
        if s.category == category and s.examples:
            return s.examples[0][1], s.id
    raise AssertionError(category)


def _check(engine: Engine, region: str, text: str, where: str) -> None:
    judge = engine.audience(None, "en", region).judge
    for rx in _markers(engine, judge):
        m = rx.search(text)
        assert m is None, f"{where}: a user in {region} sees {m.group(0)!r} of another jurisdiction"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("region", REGIONS)
def test_assessments_and_every_detail_screen_stay_in_the_users_jurisdiction(
    engine: Engine, region: str, lang: str
) -> None:
    d = _dialogue(engine)
    for category in engine.kb.taxonomy.practices:
        text, _sid = _example_of(engine, category)
        analysis = d.analyse(text, lang, region)
        assert analysis.audience.region == (region if region != "other" else analysis.audience.region)
        replies = d.assessment(analysis.assessment, lang)
        for row in replies[-1].buttons:
            for b in row:
                if b.data and b.data.startswith("a:"):
                    _, what, rest = b.data.split(":", 2)
                    replies += d.detail(what, rest, lang).replies
        _check(engine, region, _texts(replies), f"{category} ({lang})")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("region", REGIONS)
def test_topic_answers_crisis_and_danger_stay_in_the_users_jurisdiction(engine: Engine, region: str, lang: str) -> None:
    d = _dialogue(engine)
    for topic in engine.kb.topics:
        replies = [d.topic(topic.id, lang, region)]
        for what in ("l", "c"):
            replies += d.topic_detail(what, topic.id, lang, region).replies
        _check(engine, region, _texts(replies), f"topic {topic.id} ({lang})")
    _check(
        engine,
        region,
        _texts([d.crisis(lang, region), d.danger(lang, region), d.family_card(lang, None, region)]),
        f"crisis/danger/family card ({lang})",
    )


@pytest.mark.parametrize("region", ["GB", "KE", "other"])
def test_an_uncovered_region_is_told_its_law_is_not_covered(engine: Engine, region: str) -> None:
    d = _dialogue(engine)
    analysis = d.analyse("We will call your employer and tell your family about your debt.", "en", region)
    assert analysis.audience.judge == GENERAL
    html = d.assessment(analysis.assessment, "en")[-1].html
    assert "not covered yet" in html
    assert analysis.assessment.verdict == "unlawful"
    assert not any(f.judgement.legal_basis for f in analysis.assessment.findings)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("您在我司的借款HK$12,000已逾期，請盡快還款。", "HK"),
        ("有關欠款請致電 +852 3123 4567 查詢。", "HK"),
        ("台北地方法院支付命令：請於三日內匯款新臺幣50,000元。", "TW"),
        ("Your loan of KES 15,000 is overdue. Pay via M-Pesa today.", "KE"),
        ("You owe £1,200. We may start county court proceedings.", "GB"),
        ("Your account is past due. Please pay $250 by Friday via Zelle.", "US"),
        ("你嘅卡數仲欠$3,000，今個月唔還就麻煩。", "HK"),
        ("您的借款已逾期，请尽快通过支付宝还款。", "CN"),
    ],
)
def test_the_region_is_inferred_from_strong_cues_in_the_message(engine: Engine, text: str, region: str) -> None:
    audience = engine.audience(engine.read(text), None, None)
    assert (audience.region, audience.how) == (region, "inferred")


def test_without_cues_the_languages_usual_region_applies(engine: Engine) -> None:
    assert engine.audience(engine.read("请尽快还款"), None, None).region == "CN"
    assert engine.audience(engine.read("Please repay soon."), None, None).region == "US"
    # a bare $ is a weak cue: a Chinese message with "$10,000" is not judged by US law
    assert engine.audience(engine.read("閣下借款$10,000已逾期，請盡快還款。"), "zh-Hant", None).region != "US"
    chosen = engine.audience(engine.read("您在我司的借款HK$12,000已逾期"), None, "CN")
    assert (chosen.region, chosen.how) == ("CN", "given")  # the user's choice wins over the message's cues


def test_english_messages_are_detected_the_same_under_every_jurisdiction(engine: Engine) -> None:
    text = "We will escalate to your employer and tell your family if you don't pay today."
    found = {code: {f.category for f in engine.assess(text, "en", code).findings} for code in ("CN", "US", "KE")}
    assert found["CN"] == found["US"] == found["KE"] and "contact_third_party" in found["CN"]


# -- Taiwan: a typical message and a typical question in traditional Chinese (written for these tests) ----------


def test_a_taiwanese_fake_payment_order_is_a_scam_judged_by_taiwan_law(engine: Engine) -> None:
    d = _dialogue(engine)
    text = (
        "臺灣新北地方法院支付命令：台端積欠帳款新臺幣52,000元，請於今日內匯款至承辦專員帳戶，戶名陳美玲，逾期強制執行。"
    )
    analysis = d.analyse(text, "zh-Hant", None)
    assert (analysis.audience.region, analysis.audience.how, analysis.audience.judge) == ("TW", "inferred", "TW")
    assessment = analysis.assessment
    assert assessment.verdict == "scam"
    assert "payment_redirect" in {f.category for f in assessment.findings}
    basis = [ref for f in assessment.findings for ref in f.judgement.legal_basis]
    assert basis and all(ref.startswith("tw.") for ref in basis)
    html = d.assessment(assessment, "zh-Hant")[-1].html
    assert "中華民國刑法" in html and "臺灣" in html


def test_a_taiwanese_credit_bureau_threat_and_a_night_call(engine: Engine) -> None:
    threat = engine.assess("再不繳清帳款，我們就讓你聯徵爛掉，這輩子別想跟銀行借錢。", "zh-Hant")
    assert threat.audience.judge == "TW"  # 聯徵 points to Taiwan
    assert {f.id for f in threat.findings} >= {"false_legal_threat.credit_ruin_threat"}
    night = engine.assess("凌晨一點了還不接？卡費今天一定要繳。", "zh-Hant", "TW")
    found = {f.category: f for f in night.findings}
    assert "harassment_frequency" in found
    assert "tw.outsourcing_rules.14_hours" in found["harassment_frequency"].judgement.legal_basis


def test_a_taiwanese_question_about_jail_is_answered_with_taiwan_law(engine: Engine) -> None:
    d = _dialogue(engine)
    answer = engine.answer("卡債繳不出來會不會被抓去關？", "zh-Hant", "TW")
    assert answer.topic == "criminal_liability"
    reply = d.topic(answer.topic, "zh-Hant", "TW")
    assert "強制執行法" in reply.html and "165" in reply.html
    _check(engine, "TW", reply.html, "criminal_liability (zh-Hant)")


def test_taiwanese_formal_replies_never_acknowledge_the_debt(engine: Engine) -> None:
    data = engine.kb.jurisdictions["TW"]
    phrases = {"zh-Hant": ("不構成", "承認"), "zh-Hans": ("不构成", "承认"), "en": ("does not acknowledge",)}
    for cat, judg in data.judgements.items():
        for entry, fields in [(cat, judg), *judg.signals.items()]:
            if fields.replies is None:
                continue
            for lang, words in phrases.items():
                formal = fields.replies.formal.get(lang)
                assert all(w in formal for w in words), f"{entry} ({lang}): the formal reply must not admit the debt"


# -- Hong Kong ---------------------------------------------------------------------------------------------------


def test_a_typical_hong_kong_message_is_judged_by_hong_kong_law(engine: Engine) -> None:
    text = "你再唔找數，聽日就喺你大廈大堂貼街招，仲會去你屋企門口淋紅油。"
    analysis = _dialogue(engine).analyse(text, "zh-Hant", None)
    assert (analysis.audience.region, analysis.audience.how) == ("HK", "inferred")
    a = analysis.assessment
    assert {"public_shaming", "threat_violence"} <= {f.category for f in a.findings}
    refs = {r for f in a.findings for r in f.judgement.legal_basis}
    assert {"hk.crimes_ordinance.60", "hk.code_banking.43_2"} <= refs and all(r.startswith("hk.") for r in refs)
    replies = _dialogue(engine).assessment(a, "zh-Hant")
    html = _texts(replies)
    assert "香港" in html and "999" in html
    _check(engine, "HK", html, "HK message")


def test_a_typical_hong_kong_question_gets_hong_kong_law_and_numbers(engine: Engine) -> None:
    d = _dialogue(engine)
    analysis = d.analyse("財務公司話唔還錢就拉我坐監，係咪真㗎？", "zh-Hant", "HK")
    assert analysis.answer.topic == "criminal_liability" and analysis.answer.confident
    html = _texts(d.answer(analysis.answer, "zh-Hant"))
    assert "49B" in html and "18222" in html
    _check(engine, "HK", html, "HK question")
    crisis = _texts([d.crisis("zh-Hant", "HK")])
    assert "18111" in crisis and "999" in crisis
    _check(engine, "HK", crisis, "HK crisis")


def test_the_interest_caps_of_hong_kong_are_the_2022_ones(engine: Engine) -> None:
    cites = engine.kb.citations
    assert cites["hk.mlo.24"].effective == cites["hk.mlo.25"].effective == "2022-12-30"
    assert "48%" in cites["hk.mlo.24"].summary.get("en") and "36%" in cites["hk.mlo.25"].summary.get("en")
    assert engine.kb.jurisdictions["HK"].info.late_hours is None  # no fixed calling hours: none invented


@pytest.mark.parametrize("text", ["您的借款已逾期1天，请尽快还款。", "逾期60天了，再不还就起诉。", "已逾期852天。"])
def test_a_bare_number_points_nowhere(engine: Engine, text: str) -> None:
    # the dialling codes are cues only with their plus sign ('+1', '+60', '+852'), not as any "1" or "60"
    audience = engine.audience(engine.read(text), None, None)
    assert (audience.region, audience.how) == ("CN", "default")
