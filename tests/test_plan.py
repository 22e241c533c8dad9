"""/plan without Telegram: amounts as people type them, the budget, the schedule's properties, the checks."""

from __future__ import annotations

import datetime as dtm
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.plan.amounts import AmountError, format_yuan, parse_amount, parse_count, parse_months, parse_rate
from bot.plan.budget import make_budget
from bot.plan.checks import check_charges
from bot.plan.model import DEBT_KINDS, PlanInput, PlanInputError
from bot.plan.schedule import EXCEEDS, OK, OK_IF_WAIVED, UNAFFORDABLE, add_months, make_plan, pro_rata

# -- amounts ---------------------------------------------------------------------------------------------------

AMOUNTS = [
    ("15000", "15000"),
    ("15,000", "15000"),
    ("¥15000", "15000"),
    ("￥15,000", "15000"),
    ("1.5万", "15000"),
    ("一万五", "15000"),
    ("3千", "3000"),
    ("15k", "15000"),
    ("15K", "15000"),
    ("15000元", "15000"),
    ("１５０００", "15000"),
    ("１５，０００元", "15000"),
    ("15 000", "15000"),
    ("RMB 15000", "15000"),
    ("15000块", "15000"),
    ("1.5w", "15000"),
    ("1万5", "15000"),
    ("1万5千", "15000"),
    ("一点五万", "15000"),
    ("两万三千五", "23500"),
    ("一万零五", "10005"),
    ("十五万", "150000"),
    ("壹万伍仟", "15000"),
    ("三千五", "3500"),
    ("一百五", "150"),
    ("八千八百八十八", "8888"),
    ("2亿", "200000000"),
    ("约2万", "20000"),
    ("2万左右", "20000"),
    ("1,234.56", "1234.56"),
    ("99.9", "99.90"),
    ("0", "0"),
    ("没有", "0"),
    ("无", "0"),
    (" 8000 ", "8000"),
    ("8000元整", "8000"),
    ("人民币8000元", "8000"),
]


@pytest.mark.parametrize(("text", "expected"), AMOUNTS)
def test_amounts_as_people_type_them(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "code", "suggestion"),
    [
        ("", "empty", None),
        ("a lot", "not_a_number", None),
        ("abc", "not_a_number", None),
        ("-500", "negative", None),
        ("负500", "negative", None),
        ("3000-5000", "range", None),
        ("3000到5000", "range", None),
        ("$500", "currency", None),
        ("500美元", "currency", None),
        ("1,5", "separator", "1.5"),
        ("15,00,000", "separator", "1500000"),
        ("15.000", "decimals", "15000"),
        ("12.3456", "decimals", None),
        ("1e5", "not_a_number", None),
        ("999亿", "too_large", None),
        ("百", "not_a_number", None),
        ("万", "not_a_number", None),
        ("😀", "not_a_number", None),
    ],
)
def test_wrong_amounts_raise_friendly_codes(text: str, code: str, suggestion: str | None) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert info.value.code == code
    assert info.value.suggestion == suggestion


# Typos in Chinese numerals are refused, never read as some other number, and decimals before a unit are read.
# (cn2an was tried for this core and misreads these: 一三万一 -> 41000, 一一百三 -> 230, 千两千两 -> 3200,
# 万百一 -> 10010, and refuses 八点五亿, 5亿一千, 七点九九万; so the parser stays our own.)
@pytest.mark.parametrize("text", ["一三万一", "一一百三", "千两千两", "万百一", "一k点", "1万1点六九", "二四千四万七"])
def test_malformed_numerals_are_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("八点五亿", 850_000_000),
        ("5亿一千", 500_001_000),
        ("七点九九万", 79_900),
        ("12萬", 120_000),
        ("兩萬三千五", 23_500),
    ],
)
def test_decimals_and_units_of_chinese_numerals(text: str, expected: int) -> None:
    assert parse_amount(text) == expected


@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_amount_round_trips_through_common_spellings(n: int) -> None:
    for text in (
        str(n),
        f"{n:,}",
        f"¥{n}",
        f"{n}元",
        unicodedata.normalize("NFKC", str(n)),
        str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ):
        assert parse_amount(text) == n
    if n % 10_000 == 0 and n:
        assert parse_amount(f"{n // 10_000}万") == n
    if n % 1000 == 0 and n:
        assert parse_amount(f"{n // 1000}k") == n


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_an_amount_error(text: str) -> None:
    try:
        value = parse_amount(text)
    except AmountError:
        return
    assert value >= 0


@pytest.mark.parametrize(
    ("text", "months"), [("3", 3.0), ("3个月", 3.0), ("半年", 6.0), ("1年", 12.0), ("1.5 years", 18.0), ("两个月", 2.0)]
)
def test_months(text: str, months: float) -> None:
    assert parse_months(text) == months


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("18%", 18.0),
        ("年化24%", 24.0),
        ("24", 24.0),
        ("0.18", 18.0),
        ("月息2%", 24.0),
        ("日息0.05%", 18.25),
        ("0.1%/天", 36.5),
        ("2% per month", 24.0),
    ],
)
def test_rates(text: str, rate: float) -> None:
    assert parse_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize(("text", "n"), [("2", 2), ("两个", 2), ("3人", 3), ("没有", 0), ("0", 0)])
def test_counts(text: str, n: int) -> None:
    assert parse_count(text) == n


def test_format_yuan() -> None:
    assert format_yuan(1_500_000) == "¥15,000"
    assert format_yuan(123_456) == "¥1,234.56"


# -- input, budget -----------------------------------------------------------------------------------------------


def answers(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lang": "en",
        "today": "2026-11-23",
        "income": "8000",
        "expenses": {"housing": 2000, "food": "1500", "transport": 300, "children": 800, "other_debts": 500},
        "dependants": 1,
        "hardship": {"reason": "job_loss", "details": "Laid off."},
        "debts": [
            {
                "lender": "招商银行信用卡中心",
                "kind": "credit_card",
                "principal": "3万",
                "interest": 1200,
                "penalties": 800,
                "fees": 300,
                "overdue_months": 4,
            }
        ],
    }
    base.update(over)
    return base


def test_input_errors_are_all_listed_with_their_path() -> None:
    with pytest.raises(PlanInputError) as info:
        PlanInput.from_dict({"income": "lots", "debts": [{"kind": "yacht", "principal": "-1"}], "colour": "red"})
    text = "\n".join(info.value.errors)
    for part in (
        "colour: unknown field",
        "income: not an amount",
        "debts[0].lender: missing",
        "debts[0].kind",
        "debts[0].principal",
    ):
        assert part in text


def test_budget_keeps_a_safety_margin() -> None:
    b = make_budget(PlanInput.from_dict(answers()))
    assert (b.income, b.essentials, b.surplus, b.margin, b.available) == (800_000, 510_000, 290_000, 80_000, 210_000)


def test_nothing_affordable_is_said_honestly() -> None:
    plan = make_plan(PlanInput.from_dict(answers(income="5000")))
    assert plan.status == UNAFFORDABLE and plan.creditors == [] and plan.total == 0
    plan = make_plan(PlanInput.from_dict(answers(income="0")))
    assert plan.status == UNAFFORDABLE and plan.budget.surplus < 0


# -- schedule ------------------------------------------------------------------------------------------------------


def test_one_credit_card() -> None:
    plan = make_plan(PlanInput.from_dict(answers()))
    assert plan.status == OK
    (c,) = plan.creditors
    assert c.owed == 3_230_000 and c.total == c.owed
    assert c.instalment <= plan.budget.available and c.months == 16
    assert c.limit_months == 60 and c.limit_citation == "cn.credit_card_measures_2011.70"
    assert plan.first_payment_date == dtm.date(2026, 12, 23)


def test_credit_card_beyond_five_years_then_without_penalties_and_fees() -> None:
    # ¥2,000 a month: 120,000 principal fits 60 months only without the 8,000 of penalties and fees
    inp = answers(
        income="7000",
        expenses={"housing": 4300},
        debts=[{"lender": "A银行", "kind": "credit_card", "principal": 120000, "penalties": 5000, "fees": 3000}],
    )
    plan = make_plan(PlanInput.from_dict(inp))
    assert plan.budget.available == 200_000
    assert plan.status == OK_IF_WAIVED
    (c,) = plan.creditors
    assert c.basis == "without_penalties_fees" and c.months == 60 and c.total == 12_000_000
    assert plan.waived == 800_000
    inp["debts"][0]["principal"] = 200000
    plan = make_plan(PlanInput.from_dict(inp))
    assert plan.status == EXCEEDS
    (c,) = plan.creditors
    assert c.months == 60 and c.remaining == c.owed - 60 * 200_000 > 0 and not c.within_limit


def test_pro_rata_shares_add_up() -> None:
    assert pro_rata(100_000, [3, 1]) == [75_000, 25_000]
    assert sum(pro_rata(100_000, [1, 1, 1])) == 100_000
    assert pro_rata(300, [1_000_000, 1]) == [200, 100]  # a tiny debt still gets something
    assert pro_rata(0, [1, 2]) == [0, 0]


def test_add_months_keeps_the_day_or_the_month_end() -> None:
    assert add_months(dtm.date(2027, 1, 31), 1) == dtm.date(2027, 2, 28)
    assert add_months(dtm.date(2027, 1, 31), 2) == dtm.date(2027, 3, 31)
    assert add_months(dtm.date(2027, 11, 15), 3) == dtm.date(2028, 2, 15)


debt_st = st.fixed_dictionaries(
    {
        "lender": st.sampled_from(["招商银行", "某网贷", "Bank of X", "花呗", "朋友"]),
        "kind": st.sampled_from(DEBT_KINDS),
        "principal": st.integers(min_value=1, max_value=2_000_000),
        "interest": st.integers(min_value=0, max_value=100_000),
        "penalties": st.integers(min_value=0, max_value=100_000),
        "fees": st.integers(min_value=0, max_value=50_000),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    debts=st.lists(debt_st, min_size=1, max_size=6),
    income=st.integers(min_value=0, max_value=100_000),
    housing=st.integers(min_value=0, max_value=20_000),
    food=st.integers(min_value=0, max_value=10_000),
    day=st.integers(min_value=1, max_value=31),
    max_months=st.integers(min_value=1, max_value=120),
)
def test_schedule_properties(
    debts: list[dict[str, Any]], income: int, housing: int, food: int, day: int, max_months: int
) -> None:
    first = dtm.date(2027, 1, 1) + dtm.timedelta(days=day - 1)
    inp = PlanInput.from_dict(
        {
            "today": "2026-12-01",
            "income": income,
            "expenses": {"housing": housing, "food": food},
            "debts": debts,
            "first_payment_date": first.isoformat(),
            "max_months": max_months,
        }
    )
    plan = make_plan(inp)
    b = plan.budget
    if plan.status == UNAFFORDABLE:
        assert plan.creditors == [] and b.available < 5000
        return
    # the shares add up to the money available; no month asks for more
    assert sum(c.share for c in plan.creditors) == b.available
    assert all(total <= b.available for total in plan.month_totals())
    assert b.available + b.margin == b.surplus - b.surplus % 100 or b.available + b.margin <= b.surplus
    for c in plan.creditors:
        amounts = [p.amount for p in c.payments]
        dates = [p.date for p in c.payments]
        # dates in order, monthly from the first payment date
        assert dates == sorted(set(dates)) and (not dates or dates[0] == first)
        # equal instalments; the last one never larger
        assert all(a == c.instalment for a in amounts[:-1]) and (not amounts or 0 < amounts[-1] <= c.instalment)
        assert c.instalment <= c.share
        assert c.months <= c.limit_months
        # the balance goes down by each payment
        balance = c.owed
        for p in c.payments:
            balance -= p.amount
            assert p.balance_after == balance >= 0
        if plan.status in (OK, OK_IF_WAIVED):
            assert sum(amounts) == c.owed and c.remaining == 0 and c.within_limit
    if plan.status == OK:
        assert plan.total == plan.owed
    if plan.status == EXCEEDS:
        assert plan.remaining > 0


# -- checks ---------------------------------------------------------------------------------------------------------


def codes(inp: dict[str, Any]) -> list[str]:
    return [f.code for f in check_charges(PlanInput.from_dict(inp))]


def test_upfront_interest_is_flagged_with_civil_code_670() -> None:
    inp = answers(debts=[{"lender": "某网贷", "kind": "online_platform", "principal": 10000, "amount_received": 8500}])
    (flag,) = check_charges(PlanInput.from_dict(inp))
    assert flag.code == "upfront_interest" and flag.params["deducted"] == 150_000
    assert "cn.civil_code.670" in flag.citations


def test_rate_lines_depend_on_the_kind_of_lender() -> None:
    card = answers(debts=[{"lender": "X银行", "kind": "credit_card", "principal": 10000, "annual_rate": 18}])
    assert codes(card) == []  # licensed: 4×LPR does not apply; below 24
    card["debts"][0]["annual_rate"] = 30
    assert codes(card) == ["above_24_line"]
    private = answers(debts=[{"lender": "老王", "kind": "private", "principal": 10000, "annual_rate": 15}])
    assert codes(private) == ["above_4x_lpr"]  # 4 × 3.0 % = 12 %
    flag = check_charges(PlanInput.from_dict(private))[0]
    assert flag.params["conditional"] is False and "cn.private_lending_prov_2020.25" in flag.citations
    online = answers(
        debts=[{"lender": "某网贷", "kind": "online_platform", "principal": 10000, "annual_rate": "日息0.1%"}]
    )
    assert codes(online) == ["above_4x_lpr", "above_24_line", "above_36_line"]
    assert check_charges(PlanInput.from_dict(online))[0].params["conditional"] is True


def test_high_charges_without_a_rate_are_estimated() -> None:
    inp = answers(
        debts=[
            {
                "lender": "某网贷",
                "kind": "online_platform",
                "principal": 10000,
                "interest": 2000,
                "fees": 1500,
                "overdue_months": 3,
            }
        ]
    )
    assert codes(inp)[0] == "charges_estimate"
    inp["debts"][0]["overdue_months"] = None
    assert codes(inp) == []
