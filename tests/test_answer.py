"""Question answering: the right topic, crisis always first, unrelated questions out of scope."""

from __future__ import annotations

import pytest

from bot.engine import Engine

# Written for these tests (not copied from any evaluation set): one everyday phrasing per topic.
QUESTIONS = [
    ("催收的说要打电话给我爸妈，他们有这个权利吗", "family_contact"),
    ("Can the collection agency phone my boss about my loan?", "family_contact"),
    ("网贷逾期三个月了会不会被判刑", "criminal_liability"),
    ("Will the police arrest me for an unpaid credit card?", "criminal_liability"),
    ("催收员说今晚要上门，我能不开门吗", "home_visit"),
    ("逾期记录在征信上要保留几年", "credit_report"),
    ("借一万到手八千，这种砍头息合法吗", "interest_and_fees"),
    ("收到一个短信说法院已经立案了，怎么查是不是真的", "lawsuit"),
    ("欠款过了三年还能起诉我吗", "limitation_period"),
    ("我想跟银行协商分期还款，该怎么说", "negotiate_plan"),
    ("被暴力催收了去哪里投诉", "complain"),
    ("催收打电话我可以录音当证据吗", "evidence"),
    ("怎么确认打电话来的催收公司是不是正规的", "collector_identity"),
    ("有人让我转账到个人账户减免利息，是不是骗子", "scam_check"),
    ("老公欠的网贷我需要帮他还吗", "family_liability"),
    ("催收说要冻结我的微信和支付宝", "account_freeze"),
    ("一天接到几十个催收电话，半夜也打，怎么办", "harassment_calls"),
    ("我的债务被转让给一家资产管理公司了，我要还给谁", "debt_sold"),
    ("今天天气怎么样", "out_of_scope"),
    ("How do I bake sourdough bread?", "out_of_scope"),
]


@pytest.mark.parametrize(("question", "topic"), QUESTIONS)
def test_everyday_questions_find_their_topic(engine: Engine, question: str, topic: str) -> None:
    assert engine.answer(question).topic == topic


CRISIS = [
    "欠了太多钱，真的不想活了",
    "我觉得活着没什么意思了，家人没有我会更好",
    "催收天天打，我想一了百了",
    "我已经写好遗书了",
    "I can't take this anymore, I just want to end it all",
    "Everyone would be better off without me. Can they sue me?",
    "真係唔想再生存落去",
]


@pytest.mark.parametrize("question", CRISIS)
def test_crisis_language_always_wins(engine: Engine, question: str) -> None:
    a = engine.answer(question)
    assert a.topic == "crisis" and a.score == 1.0


@pytest.mark.parametrize(
    "question", ["笑死我了", "今天累死了", "想死你了，宝贝", "I'm dying to know the interest rate"]
)
def test_everyday_hyperbole_is_not_crisis(engine: Engine, question: str) -> None:
    assert engine.answer(question).topic != "crisis"


def test_low_confidence_offers_three_alternatives(engine: Engine) -> None:
    a = engine.answer("催收")
    assert len(a.alternatives) == 3
    assert all(alt.topic != a.topic for alt in a.alternatives)
