"""/plan documents: the letters in each language (legal basis from the knowledge base, user text escaped), the
PDF read back, the calendar parsed, the chart, and the `rights-bot plan` command."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from bot.cli import main
from bot.engine import Engine
from bot.plan.letter import legal_refs, letter_html, letter_languages, render_letter
from bot.plan.model import PlanInput
from bot.plan.proposal import make_proposal

EVIL = "Laid off <b>& now</b> part-time; \u202eevil"


def answers(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lang": "en", "today": "2026-11-23", "income": "8000",
        "expenses": {"housing": 2000, "food": 1500, "transport": 300, "children": 800, "other_debts": 500},
        "dependants": 1, "hardship": {"reason": "job_loss", "details": EVIL},
        "debts": [{"lender": "招商银行信用卡中心", "kind": "credit_card", "principal": "3万", "interest": 1200,
                   "penalties": 800, "fees": 300, "overdue_months": 4},
                  {"lender": "某某网贷 <i>", "kind": "online_platform", "principal": "1万", "interest": "2千",
                   "fees": 1500, "overdue_months": 3, "amount_received": 8500, "annual_rate": "日息0.1%"}]}
    base.update(over)
    return base


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def proposal_en(engine: Engine) -> Any:
    return make_proposal(PlanInput.from_dict(answers()), engine.kb)


def test_letters_in_simplified_chinese_always_and_in_the_users_language(proposal_en: Any) -> None:
    assert letter_languages("en") == ["zh-Hans", "en"]
    assert letter_languages("zh-Hans") == ["zh-Hans"]
    assert letter_languages("zh-Hant") == ["zh-Hans", "zh-Hant"]
    assert [(x.lender, x.lang) for x in proposal_en.letters] == [
        ("招商银行信用卡中心", "zh-Hans"), ("招商银行信用卡中心", "en"), ("某某网贷 <i>", "zh-Hans"), ("某某网贷 <i>", "en")]


@pytest.mark.parametrize(("lang", "phrases"), [
    ("zh-Hans", ["关于信用卡个性化分期还款方案的申请", "致：招商银行信用卡中心", "本人因失业", "每月还款¥1,469",
                 "共22期", "停止计收罚息", "个性化分期还款协议（最长不超过5年）", "五、法律依据", "申请人（签名）：＿"]),
    ("zh-Hant", ["關於信用卡個性化分期還款方案的申請", "本人因失業", "每月還款¥1,469", "停止計收罰息",
                 "五、法律依據", "發卡銀行"]),
    ("en", ["Proposal for a personalised instalment plan (Credit card)", "To: 招商银行信用卡中心",
            "Because of job loss", "I propose to pay ¥1,469 a month from 23 Dec 2026, 22 payments",
            "at most 5 years", "5. Legal basis", "Signature: ____"]),
])
def test_letter_per_language(proposal_en: Any, engine: Engine, lang: str, phrases: list[str]) -> None:
    text = render_letter(proposal_en.plan, 0, proposal_en.flags, lang, engine.kb)
    for phrase in phrases:
        assert phrase in text, phrase
    assert "<b>& now</b>" in text and "\u202e" not in text       # plain text: as typed, minus bidi controls


def test_legal_basis_comes_from_the_knowledge_base(proposal_en: Any, engine: Engine) -> None:
    kb = engine.kb
    zh = render_letter(proposal_en.plan, 0, proposal_en.flags, "zh-Hans", kb)
    c70 = kb.citations["cn.credit_card_measures_2011.70"]
    assert kb.laws[c70.law].title.get("zh-Hans") in zh and c70.article.get("zh-Hans") in zh
    assert c70.wording.strip("…")[:20] in zh
    assert "据转载文本，请以官方文本为准" in zh                      # status secondary
    online = render_letter(proposal_en.plan, 1, proposal_en.flags, "zh-Hans", kb)
    assert kb.citations["cn.civil_code.670"].wording in online           # money deducted upfront
    assert "实际到账¥8,500" in online and "四倍" in online
    assert "24%" not in online.split("五、法律依据")[1]                 # never a legal basis for the 24 % line
    en = render_letter(proposal_en.plan, 0, proposal_en.flags, "en", kb)
    assert c70.summary.get("en") in en
    refs = legal_refs(kb, ["cn.civil_code.670", "no.such.citation", "cn.civil_code.670"], "en")
    assert [r.id for r in refs] == ["cn.civil_code.670"]


def test_user_text_is_escaped_in_telegram_html(proposal_en: Any) -> None:
    html = letter_html(proposal_en.letters[1].text)
    assert html.startswith("<pre>") and "&lt;b&gt;&amp; now&lt;/b&gt;" in html and "<b>" not in html
    summary = proposal_en.summary_html()
    assert "某某网贷 &lt;i&gt;" in summary and "<i>" not in summary


def test_summary_flags_are_careful_about_the_24_percent_line(proposal_en: Any) -> None:
    text = proposal_en.summary_html()
    assert "not a confirmed legal cap" in text
    assert "4 times the one-year LPR" in text and "chinamoney.com.cn" in text
    assert "only if the lender is not a licensed financial institution" in text


def test_nothing_affordable_letter_asks_for_a_pause(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(income="4000", lang="zh-Hans")), engine.kb)
    assert p.plan.status == "unaffordable"
    assert "关于暂停催收及暂停计息的申请" in p.letters[0].text and "暂停催收三个月" in p.letters[0].text
    assert "12348" in p.summary_html()
    assert p.to_json()["help"] and p.to_json()["creditors"] == []


def test_pdf_contains_the_chinese_letter_with_an_embedded_font(proposal_en: Any) -> None:
    pdf = proposal_en.pdf(proposal_en.chart_png())
    reader = PdfReader(io.BytesIO(pdf))
    text = flat("".join(page.extract_text() for page in reader.pages))
    assert flat("关于信用卡个性化分期还款方案的申请") in text
    assert flat("致：招商银行信用卡中心") in text and flat("停止计收罚息和复利") in text
    assert flat("Proposal for a personalised instalment plan") in text
    assert b"/FontFile2" in pdf                      # the CJK font is embedded (as a subset)
    assert len(reader.pages) >= 5


def test_pdf_of_traditional_chinese_user(engine: Engine) -> None:
    p = make_proposal(PlanInput.from_dict(answers(lang="zh-Hant")), engine.kb)
    text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(p.pdf())).pages))
    assert flat("還款方案") in text and flat("关于信用卡个性化分期还款方案的申请") in text


def test_calendar_has_one_event_per_payment(proposal_en: Any) -> None:
    cal = Calendar.from_ical(proposal_en.ics())
    events = cal.walk("VEVENT")
    payments = [p for c in proposal_en.plan.creditors for p in c.payments]
    assert len(events) == len(payments) == 44
    first = sorted(events, key=lambda e: (e.decoded("dtstart"), str(e.get("summary"))))[0]
    assert first.decoded("dtstart").isoformat() == "2026-12-23"
    assert "招商银行信用卡中心" in str(first.get("summary")) and "¥1,469" in str(first.get("summary"))
    assert first.walk("VALARM")
    assert len({str(e.get("uid")) for e in events}) == len(events)


def test_chart_png(proposal_en: Any, engine: Engine) -> None:
    png = proposal_en.chart_png()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    poor = make_proposal(PlanInput.from_dict(answers(income="3000", lang="zh-Hans")), engine.kb)
    assert poor.chart_png().startswith(b"\x89PNG")


# -- the command line -------------------------------------------------------------------------------------------------

def test_cli_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(answers(), ensure_ascii=False), encoding="utf-8")
    out = {k: tmp_path / f"out.{k}" for k in ("pdf", "ics", "png")}
    rc = main(["plan", "--json", str(src), "--pdf", str(out["pdf"]), "--ics", str(out["ics"]),
               "--chart", str(out["png"]), "--lang", "zh-Hans"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "ok" and data["lang"] == "zh-Hans" and data["months"] == 22
    assert data["budget"]["available"] == 2100 and data["total"] == data["owed"] == 45800
    assert sum(c["share"] for c in data["creditors"]) == data["budget"]["available"]
    assert all(m["amount"] <= 2100 for m in data["month_totals"])
    assert {c["code"] for c in data["checks"]} >= {"upfront_interest", "above_4x_lpr"}
    assert data["letters"][0]["lang"] == "zh-Hans" and "个性化分期" in data["letters"][0]["text"]
    assert out["pdf"].read_bytes().startswith(b"%PDF") and out["png"].read_bytes().startswith(b"\x89PNG")
    assert len(Calendar.from_ical(out["ics"].read_bytes()).walk("VEVENT")) == 44
    assert data["files"] == {"chart": str(out["png"]), "pdf": str(out["pdf"]), "ics": str(out["ics"])}


def test_cli_plan_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"income": "lots", "debts": [{"lender": "X", "principal": "1,5"}]}), encoding="utf-8")
    assert main(["plan", "--json", str(src)]) == 2
    err = capsys.readouterr().err
    assert "income: not an amount" in err and "debts[0].principal" in err
    src.write_text("{not json", encoding="utf-8")
    assert main(["plan", "--json", str(src)]) == 2
    assert main(["plan", "--json", str(tmp_path / "missing.json")]) == 2
