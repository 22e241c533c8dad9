"""/plan documents: the letters (what they propose and dispute, what they never say), the legal basis from the
knowledge base, the PDF read back (and how its lines break), the DOCX read back, the calendar parsed, the chart,
and the `rights-bot plan` command."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from icalendar import Calendar
from pypdf import PdfReader

from bot.cli import main
from bot.engine import Engine
from bot.plan.chart import OKABE_ITO, build_figure
from bot.plan.fonts import FONT_FILE, FONT_SHA256
from bot.plan.letter import law_title, legal_refs, letter_html, letter_languages, render_letter
from bot.plan.model import PlanInput
from bot.plan.proposal import make_proposal
from bot.plan.typeset import CLOSING, OPENING

EVIL = "Laid off <b>& now</b> part-time; \u202eevil"


def answers(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lang": "en",
        "today": "2026-11-23",
        "income": "8000",
        "expenses": {"housing": 2000, "food": 1500, "transport": 300, "children": 800, "other_debts": 500},
        "dependants": 1,
        "hardship": {"reason": "job_loss", "details": EVIL},
        "debts": [
            {
                "lender": "招商银行信用卡中心",
                "kind": "credit_card",
                "principal": "3万",
                "interest": 1200,
                "penalties": 800,
                "fees": 300,
                "overdue_months": 4,
            },
            {
                "lender": "某某网贷 <i>",
                "kind": "online_platform",
                "principal": "1万",
                "interest": "2千",
                "fees": 1500,
                "overdue_months": 3,
                "amount_received": 8500,
                "annual_rate": "日息0.1%",
            },
        ],
    }
    base.update(over)
    return base


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def letter(p: Any, debt: int, lang: str) -> str:
    return next(x.text for x in p.letters if x.debt == debt and x.lang == lang)


def pdf_lines(pdf: bytes) -> list[list[str]]:
    return [
        [line for line in (page.extract_text() or "").split("\n") if line.strip()]
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


@pytest.fixture(scope="module")
def proposal_en(engine: Engine) -> Any:
    return make_proposal(PlanInput.from_dict(answers()), engine.kb)


def test_letters_in_the_lenders_language_always_and_in_the_users_language(proposal_en: Any) -> None:
    assert letter_languages("en") == ["zh-Hans", "en"]
    assert letter_languages("zh-Hans") == ["zh-Hans"]
    assert letter_languages("zh-Hant") == ["zh-Hans", "zh-Hant"]
    assert letter_languages("en", "zh-Hant") == ["zh-Hant", "en"]
    assert letter_languages("en", "en") == ["en"]
    assert [(x.lender, x.lang, x.for_lender) for x in proposal_en.letters] == [
        ("招商银行信用卡中心", "zh-Hans", True),
        ("招商银行信用卡中心", "en", False),
        ("某某网贷 <i>", "zh-Hans", True),
        ("某某网贷 <i>", "en", False),
    ]


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "zh-Hans",
            [
                "关于信用卡个性化分期还款方案的申请",
                "致：招商银行信用卡中心",
                "本人因失业",
                "每月还款¥1,615",
                "共20期",
                "停止计收罚息",
                "个性化分期还款协议（最长期限不超过5年）",
                "五、法律依据",
                "申请人（签名）：",
            ],
        ),
        (
            "zh-Hant",
            [
                "關於信用卡個性化分期還款方案的申請",
                "本人因失業",
                "每月還款¥1,615",
                "停止計收罰息",
                "五、法律依據",
                "《商業銀行信用卡業務監督管理辦法》第七十條*",
            ],
        ),
        (
            "en",
            [
                "Proposal for a personalised instalment plan (Credit card)",
                "To: 招商银行信用卡中心",
                "Because of job loss",
                "I propose to pay ¥1,615 a month from 23 Dec 2026, 20 payments",
                "at most 5 years",
                "5. Legal basis",
                "Signature:",
            ],
        ),
    ],
)
def test_letter_per_language(proposal_en: Any, engine: Engine, lang: str, phrases: list[str]) -> None:
    text = render_letter(proposal_en.plan, 0, proposal_en.flags, lang, engine.kb)
    for phrase in phrases:
        assert phrase in text, phrase
    assert "\u202e" not in text


def test_what_the_user_typed_in_english_stays_out_of_the_chinese_letter(proposal_en: Any) -> None:
    zh, en = letter(proposal_en, 0, "zh-Hans"), letter(proposal_en, 0, "en")
    assert "Laid off" not in zh and "具体情况" not in zh
    assert "In detail: Laid off <b>& now</b> part-time; evil" in en  # plain text: as typed, minus bidi
    note = next(n for n in proposal_en.notes if "Laid off" in n)
    assert "simplified Chinese" in note and "DOCX" in note
    chinese = make_proposal(
        PlanInput.from_dict(
            answers(lang="zh-Hans", hardship={"reason": "job_loss", "details": "八月被裁员，现在只做兼职。"})
        ),
        None,
    )
    assert "具体情况：八月被裁员，现在只做兼职。" in letter(chinese, 0, "zh-Hans")
    assert not [n for n in chinese.notes if "八月" in n]


def test_the_proposal_is_the_undisputed_amount_and_the_dispute_is_stated_apart(proposal_en: Any) -> None:
    online = letter(proposal_en, 1, "zh-Hans")
    # the lender's figure is reported, not admitted; the borrower accepts the received principal plus lawful charges
    assert "按贵方的计算，截至2026年11月23日，本人的欠款为¥13,500" in online
    assert "本人确认并提议偿还的金额为¥9,479（本金¥8,500，利息及费用¥979）" in online
    assert "每月还款¥474，共20期（最后一期¥473），至2028年7月23日还清，合计¥9,479。" in online
    assert "¥4,021有争议，未列入上述方案" in online
    assert "预先扣除的¥1,500" in online and "超过法定上限的利息和费用约¥2,521" in online
    assert "请按实际借款数额¥8,500重新计算本金和利息" in online
    # the 24 % line only asks for an explanation and a reduction, which would shorten the plan
    assert "明显偏高" in online and "减免的部分从最后几期中扣除" in online
    plan = proposal_en.plan
    c = next(c for c in plan.creditors if c.index == 1)
    assert c.total == c.owed == 947_900 and plan.positions[1].disputed == 402_100


def test_no_letter_asks_to_waive_what_its_own_total_includes_without_saying_what_follows(proposal_en: Any) -> None:
    card = letter(proposal_en, 0, "zh-Hans")
    assert "合计¥32,300" in card  # status ok: the charges are paid ...
    assert "减免罚息及违约金、滞纳金及其他各项费用；如获减免，还款期相应缩短" in card  # ... unless waived
    tight = make_proposal(
        PlanInput.from_dict(
            answers(
                lang="zh-Hans",
                income="7000",
                expenses={"housing": 4300},
                debts=[
                    {"lender": "A银行", "kind": "credit_card", "principal": 120000, "penalties": 5000, "fees": 3000}
                ],
            )
        ),
        None,
    )
    assert tight.plan.status == "ok_if_waived"
    text = letter(tight, 0, "zh-Hans")
    assert "合计¥120,000，即本金和利息；请求贵方减免罚息及违约金及各项费用共¥8,000" in text
    assert "上述方案以此为前提" in text


def test_the_reserve_for_emergencies_is_never_in_a_letter(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(safety_margin="777")), engine.kb)
    assert p.plan.budget.margin == 77_700
    for x in p.letters:
        assert "777" not in x.text and "为应对意外保留" not in x.text and "Kept back" not in x.text
        assert "收支结余" not in x.text and "Left after essentials" not in x.text
    assert any("¥777" in n for n in p.notes)
    assert "¥777" in p.summary_html()


def test_a_private_lender_gets_a_private_letter(engine: Engine) -> None:
    p = make_proposal(
        PlanInput.from_dict(
            answers(
                lang="zh-Hans",
                debts=[
                    {
                        "lender": "王大哥",
                        "kind": "private",
                        "principal": 20000,
                        "interest": 3000,
                        "annual_rate": 15,
                        "overdue_months": 2,
                    }
                ],
            )
        ),
        engine.kb,
    )
    text = letter(p, 0, "zh-Hans")
    assert text.startswith("关于借款还款安排的商量函") and "王大哥：\n您好！" in text
    for never in ("金融机构", "非法放贷", "110", "贵方", "催收应当依法进行", "刑事"):
        assert never not in text, never
    assert "超过合同成立时一年期贷款市场报价利率（LPR）的四倍" in text  # 4 × LPR is private lending's rule
    assert [f.code for f in p.flags] == ["above_4x_lpr"]


def test_nothing_affordable_asks_for_a_pause_and_still_has_a_calendar(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(income="4000", lang="zh-Hans")), engine.kb)
    assert p.plan.status == "unaffordable"
    text = letter(p, 0, "zh-Hans")
    assert "关于暂停催收及暂停计息的申请" in text and "暂停催收三个月" in text
    assert "比例分配" not in text and "已向各债权人提出同样的请求" in text
    assert "每月可用于还款" not in text
    assert "12348" in p.summary_html()
    data = p.to_json()
    assert data["help"] and data["creditors"] == []
    events = Calendar.from_ical(p.ics()).walk("VEVENT")
    dates = sorted(e.decoded("dtstart").isoformat() for e in events)
    assert dates == ["2026-12-08", "2027-02-09"]  # replies due (15 days), two weeks before the pause ends
    assert "回复" in str(events[0].get("summary")) or "回复" in str(events[1].get("summary"))


def test_hedging_one_footnote_for_reprinted_citations_and_confirmed_ones_plain(
    proposal_en: Any, engine: Engine
) -> None:
    kb = engine.kb
    card = letter(proposal_en, 0, "zh-Hans")
    assert "据转载文本" not in card and card.count("以官方文本为准") == 1
    assert "《商业银行信用卡业务监督管理办法》第七十条*" in card  # secondary: title and article, marked
    assert kb.citations["cn.credit_card_measures_2011.70"].wording[:20] not in card  # provisional wording not quoted
    online = letter(proposal_en, 1, "zh-Hans")
    c670 = kb.citations["cn.civil_code.670"]
    assert f"《中华人民共和国民法典》第六百七十条：“{c670.wording}”" in online  # confirmed: quoted, no mark
    assert "第六百七十条*" not in online
    assert "24%" not in online.split("五、法律依据")[1]  # never a legal basis for the 24 % line
    assert "非法放贷" not in online  # the criminal threshold is the user's only
    refs = legal_refs(kb, ["cn.civil_code.670", "no.such.citation", "cn.civil_code.670"], "en")
    assert [r.id for r in refs] == ["cn.civil_code.670"]


@pytest.mark.parametrize(
    ("title", "cited"),
    [
        ("中华人民共和国民法典", "《中华人民共和国民法典》"),
        ("中华人民共和国治安管理处罚法（2025年修订）", "《中华人民共和国治安管理处罚法》（2025年修订）"),
        ("互联网金融逾期债务催收自律公约（试行）", "《互联网金融逾期债务催收自律公约（试行）》"),
        (
            "金融机构个人消费类贷款催收工作指引（试行）（中国银行业协会）",
            "《金融机构个人消费类贷款催收工作指引（试行）》（中国银行业协会）",
        ),
        (
            "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释",
            "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》",
        ),
        (
            "GB/T 45251—2025 互联网金融 个人网络消费信贷 贷后催收风控指引",
            "GB/T 45251—2025《互联网金融 个人网络消费信贷 贷后催收风控指引》",
        ),
        (
            "美国《公平债务催收作业法》（FDCPA，美国法典第15编第1692条及以下）",
            "美国《公平债务催收作业法》（FDCPA，美国法典第15编第1692条及以下）",
        ),
    ],
)
def test_chinese_law_titles_take_shuminghao_with_qualifiers_outside(title: str, cited: str) -> None:
    assert law_title(title, "zh-Hans") == cited
    assert law_title(title, "en") == title


def test_name_id_and_phone_only_when_given(engine: Engine) -> None:
    bare = make_proposal(PlanInput.from_dict(answers(lang="zh-Hans")), engine.kb)
    for x in bare.letters:
        assert "＿" not in x.text and "__" not in x.text
        assert "身份证号" not in x.text and "联系电话" not in x.text and "合同编号" not in x.text
    assert any("name" in n or "姓名" in n for n in bare.notes)
    full = make_proposal(
        PlanInput.from_dict(
            answers(
                lang="zh-Hans",
                name="李伟",
                id_number="1234",
                phone="13800000000",
                debts=[{**answers()["debts"][0], "account": "6225 **** 1234"}],
            )
        ),
        engine.kb,
    )
    text = letter(full, 0, "zh-Hans")
    assert "本人李伟（身份证号：1234）是贵方信用卡的持卡人" in text
    assert "合同编号/卡号：6225 **** 1234" in text and "联系电话：13800000000" in text
    assert "申请人（签名）：李伟" in text and "本人本人" not in text


def test_user_text_is_escaped_in_telegram_html(proposal_en: Any) -> None:
    html = letter_html(proposal_en.letters[1].text)
    assert html.startswith("<pre>") and "&lt;b&gt;&amp; now&lt;/b&gt;" in html and "<b>" not in html
    summary = proposal_en.summary_html()
    assert "某某网贷 &lt;i&gt;" in summary and "<i>" not in summary
    assert "Laid off &lt;b&gt;" in summary  # the note quoting the user's words, escaped


def test_summary_flags_are_careful_about_the_24_percent_line(proposal_en: Any) -> None:
    text = proposal_en.summary_html()
    assert "not a confirmed legal cap" in text
    assert "4 times the one-year LPR" in text and "chinamoney.com.cn" in text
    assert "only if the lender is not a licensed financial institution" in text
    assert "4,021 more is disputed in the letter" in text


# -- doubled words and leftovers, in every template and language --------------------------------------------------

DOUBLED_CJK = re.compile(r"([\u4e00-\u9fff]{2,6})\1")
DOUBLED_EN = re.compile(r"\b([A-Za-z]{2,})\s+\1\b", re.I)
LEFTOVERS = ("＿", "__", "{", "}", "@item", "@title", "@note", "@h ", "TODO", "，，", "。。", "；。", "，。", "：：")
LEFTOVER_WORDS = re.compile(r"\b(?:None|nan|NaN|undefined)\b|^\d+\.\s*$", re.M)


def _variants() -> list[dict[str, Any]]:
    debts = {
        "CN": [
            {
                "lender": "招商银行",
                "kind": k,
                "principal": 20000,
                "interest": 900,
                "penalties": 300,
                "fees": 100,
                "overdue_months": 5,
                "annual_rate": r,
                "amount_received": rec,
            }
            for k, r, rec in (
                ("credit_card", 30, None),
                ("consumer_finance", None, None),
                ("online_platform", 36.5, 18000),
                ("bank_loan", 8, None),
                ("private", 20, 19000),
                ("other", None, None),
            )
        ],
        "HK": [
            {
                "lender": "亞洲財務",
                "kind": k,
                "principal": 50000,
                "interest": 6000,
                "penalties": 500,
                "overdue_months": 3,
                "annual_rate": r,
            }
            for k, r in (("credit_card", 40), ("bank_loan", None), ("money_lender", 52), ("private", 38), ("other", 60))
        ],
        "TW": [
            {
                "lender": "國泰世華",
                "kind": k,
                "principal": 80000,
                "interest": 9000,
                "penalties": 1000,
                "overdue_months": 6,
                "annual_rate": r,
                "amount_received": rec,
            }
            for k, r, rec in (
                ("credit_card", 18, None),
                ("cash_card", 16, None),
                ("bank_loan", 19, 76000),
                ("private", 20, None),
                ("other", None, None),
            )
        ],
        "US": [
            {"lender": "Acme Bank", "kind": k, "principal": 5000, "interest": 400, "fees": 35, "overdue_months": 40}
            for k in ("credit_card", "bank_loan", "debt_collector", "private", "other")
        ],
        "SG": [{"lender": "Some Lender", "kind": "other", "principal": 3000, "interest": 100}],
    }
    out = []
    for (jur, ds), income, named in itertools.product(debts.items(), ("30000", "9000", "2000"), (True, False)):
        out.append(
            {
                "lang": "en",
                "today": "2026-11-23",
                "income": income,
                "jurisdiction": jur,
                "expenses": {"housing": 1500, "food": 1000},
                "dependants": 2,
                "hardship": {"reason": "illness", "details": "生病住院两个月。" if named else "In hospital."},
                "debts": ds,
                "name": "陈小明" if named else "",
                "phone": "5550100" if named else "",
                "id_number": "A123456(7)" if named else "",
                **({"currency": "SGD"} if jur == "SG" else {}),
            }
        )
    return out


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_no_doubled_words_or_leftovers_in_any_letter_or_summary(engine: Engine, lang: str) -> None:
    statuses = set()
    for data in _variants():
        p = make_proposal(PlanInput.from_dict({**data, "lang": lang}), engine.kb)
        statuses.add(p.plan.status)
        texts = [x.text for x in p.letters] + [p.summary_html()] + p.notes
        for text in texts:
            assert not DOUBLED_CJK.search(text), (data["jurisdiction"], DOUBLED_CJK.search(text))
            assert not DOUBLED_EN.search(re.sub(r"<[^>]+>", " ", text)), (data["jurisdiction"], DOUBLED_EN.search(text))
            for bad in LEFTOVERS:
                assert bad not in text, (data["jurisdiction"], bad, text[max(0, text.find(bad) - 60) :][:120])
            assert not LEFTOVER_WORDS.search(text), (data["jurisdiction"], LEFTOVER_WORDS.search(text))
    assert statuses >= {"ok", "unaffordable"}


# -- the PDF ----------------------------------------------------------------------------------------------------------


def test_pdf_contains_the_letters_with_an_embedded_font(proposal_en: Any) -> None:
    pdf = proposal_en.pdf(proposal_en.chart_png())
    reader = PdfReader(io.BytesIO(pdf))
    text = flat("".join(page.extract_text() for page in reader.pages))
    assert flat("关于信用卡个性化分期还款方案的申请") in text
    assert flat("致：招商银行信用卡中心") in text and flat("停止计收罚息及违约金，不再计算复利") in text
    assert flat("Proposal for a personalised instalment plan") in text
    assert b"/FontFile2" in pdf  # the CJK font is embedded (as a subset)
    assert len(reader.pages) >= 5


def test_pdf_lines_break_like_a_typesetter(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(name="Li Wei")), engine.kb)
    pages = pdf_lines(p.pdf())
    for n, lines in enumerate(pages):
        for line in lines:
            assert line[0] not in CLOSING, (n, line)  # no line starts with ；）， and the like
            assert line[-1] not in OPENING, (n, line)  # none ends with （「《
            assert not re.search(r"(¥|HK\$|NT\$|新臺幣)$", line), (n, line)  # no amount cut after its sign
            assert "  " not in line.strip(), (n, line)  # set flush left: nothing spread out
    every = [line for lines in pages for line in lines]
    for x in p.letters:
        for amount in set(re.findall(r"¥[\d,]+(?:\.\d\d)?", x.text)):
            assert any(amount in line for line in every), amount  # every amount whole on one line
    assert any("part-time" in line for line in every)  # Latin words are not cut
    assert any("本人Li Wei是贵方信用卡的持卡人" in flat(line) or "本人Li Wei" in line for line in every)


def test_pdf_titles_are_set_as_titles(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(lang="zh-Hans")), engine.kb)
    reader = PdfReader(io.BytesIO(p.pdf()))
    sizes: dict[str, float] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            sizes.setdefault(text.strip(), size * abs(tm[0]))

    for page in reader.pages[1:]:
        page.extract_text(visitor_text=visit)
    title = sizes["关于信用卡个性化分期还款方案的申请"]
    heading = sizes["一、还款困难的原因"]
    body = sizes["月收入：¥8,000"]
    assert title > heading > body


def test_pdf_of_traditional_chinese_user(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(lang="zh-Hant")), engine.kb)
    text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(p.pdf())).pages))
    assert flat("還款方案") in text and flat("关于信用卡个性化分期还款方案的申请") in text


def test_the_font_is_debians_unaltered_file() -> None:
    assert hashlib.sha256(FONT_FILE.read_bytes()).hexdigest() == FONT_SHA256
    licence = (FONT_FILE.parent / "COPYRIGHT").read_text(encoding="utf-8")
    assert "License: Apache-2.0 or GPL-3+ with Font exception" in licence
    assert (FONT_FILE.parent / "LICENSE-Apache-2.0").read_text(encoding="utf-8").startswith("\n")


# -- DOCX, calendar, chart --------------------------------------------------------------------------------------------


def test_docx_is_the_letters_to_edit(proposal_en: Any) -> None:
    doc = Document(io.BytesIO(proposal_en.docx()))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "关于信用卡个性化分期还款方案的申请"
    assert (
        "本人确认并提议偿还的金额为¥9,479（本金¥8,500，利息及费用¥979），即本金加上法律允许的利息和费用。" in paragraphs
    )
    assert any(p.startswith("1. 同意上述还款方案并以书面形式确认") for p in paragraphs)
    assert sum(1 for p in paragraphs if p.startswith("Proposal for a")) == 2
    title = doc.paragraphs[0].runs[0].font
    assert title.bold and title.size.pt == 16
    assert doc.core_properties.author == "" and doc.core_properties.last_modified_by == ""


def test_calendar_has_one_event_per_payment_and_a_reply_check(proposal_en: Any) -> None:
    cal = Calendar.from_ical(proposal_en.ics())
    events = cal.walk("VEVENT")
    payments = [p for c in proposal_en.plan.creditors for p in c.payments]
    assert len(events) == len(payments) + 1 == 41
    reply = next(e for e in events if "reply" in str(e.get("uid")))
    assert reply.decoded("dtstart").isoformat() == "2026-12-08"
    first = sorted((e for e in events if e is not reply), key=lambda e: (e.decoded("dtstart"), str(e.get("summary"))))[
        0
    ]
    assert first.decoded("dtstart").isoformat() == "2026-12-23"
    assert "招商银行信用卡中心" in str(first.get("summary")) and "¥1,615" in str(first.get("summary"))
    assert first.walk("VALARM")
    assert len({str(e.get("uid")) for e in events}) == len(events)


def test_chart_key_dates_and_colours(proposal_en: Any, engine: Engine) -> None:
    png = proposal_en.chart_png()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    fig = build_figure(proposal_en.plan, "en")
    axes = fig.get_axes()
    assert all(ax.get_legend() is None for ax in axes)  # no legend on the data: one key below
    (key,) = fig.legends
    labels = [t.get_text() for t in key.get_texts()]
    assert labels[:2] == ["招商银行信用卡中心", "某某网贷 <i>"] and "Available for repayments" in labels
    ticks = [t.get_text() for t in axes[1].get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t) for t in ticks)  # dates, e.g. "Dec 2026"
    colours = {
        "#{:02X}{:02X}{:02X}".format(*(int(round(c * 255)) for c in h.get_facecolor()[:3]))
        for h in key.legend_handles[:2]
    }
    assert colours <= set(OKABE_ITO) and len(colours) == 2
    zh = build_figure(proposal_en.plan, "zh-Hans")
    assert any("年" in t.get_text() for t in zh.get_axes()[1].get_xticklabels())
    poor = make_proposal(PlanInput.from_dict(answers(income="3000", lang="zh-Hans")), engine.kb)
    assert poor.chart_png().startswith(b"\x89PNG")


# -- the command line -------------------------------------------------------------------------------------------------


def test_cli_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(answers(), ensure_ascii=False), encoding="utf-8")
    out = {k: tmp_path / f"out.{k}" for k in ("pdf", "docx", "ics", "png")}
    rc = main(
        [
            "plan",
            "--json",
            str(src),
            "--pdf",
            str(out["pdf"]),
            "--docx",
            str(out["docx"]),
            "--ics",
            str(out["ics"]),
            "--chart",
            str(out["png"]),
            "--lang",
            "zh-Hans",
        ]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "ok" and data["lang"] == "zh-Hans" and data["months"] == 20
    assert data["jurisdiction"] == "CN" and data["currency"] == "CNY" and data["lender_lang"] == "zh-Hans"
    assert data["budget"]["available"] == 2100 and data["total"] == data["owed"] == 41779
    assert data["claimed"] == 45800 and data["disputed"] == 4021
    assert [d["code"] for d in data["debts"][1]["disputes"]] == ["upfront_interest", "above_4x_lpr"]
    assert sum(c["share"] for c in data["creditors"]) == data["budget"]["available"]
    assert all(m["amount"] <= 2100 for m in data["month_totals"])
    assert {c["code"] for c in data["checks"]} >= {"upfront_interest", "above_4x_lpr"}
    assert next(c for c in data["checks"] if c["code"] == "above_36_line")["in_letter"] is False
    assert data["letters"][0]["lang"] == "zh-Hans" and "个性化分期" in data["letters"][0]["text"]
    assert out["pdf"].read_bytes().startswith(b"%PDF") and out["png"].read_bytes().startswith(b"\x89PNG")
    assert Document(str(out["docx"])).paragraphs[0].text == "关于信用卡个性化分期还款方案的申请"
    assert len(Calendar.from_ical(out["ics"].read_bytes()).walk("VEVENT")) == 41
    assert data["files"] == {
        "chart": str(out["png"]),
        "pdf": str(out["pdf"]),
        "docx": str(out["docx"]),
        "ics": str(out["ics"]),
    }


def test_cli_plan_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"income": "lots", "debts": [{"lender": "X", "principal": "1,5"}]}), encoding="utf-8")
    assert main(["plan", "--json", str(src)]) == 2
    err = capsys.readouterr().err
    assert "income: not an amount" in err and "debts[0].principal" in err
    src.write_text("{not json", encoding="utf-8")
    assert main(["plan", "--json", str(src)]) == 2
    assert main(["plan", "--json", str(tmp_path / "missing.json")]) == 2
