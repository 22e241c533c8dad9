"""The letter to the lender and the summaries of the plan, rendered with Jinja2 from locales/templates/plan/.

- `letter.<lang>.txt.j2`: the formal letter, plain text (for the PDF, the CLI and, escaped, the chat);
- `*.html.j2`: Telegram-HTML messages; autoescape is on for these, so user text (the lender's name, the
  hardship details) is always escaped; only the templates write tags.
Plain-text templates are not HTML-escaped (the PDF prints them as they are); user text in them has been
cleaned of control and bidi characters (bot.plan.model.clean_text) and is escaped as a whole when sent to
Telegram (`letter_html`).

The legal basis printed in a letter comes from the knowledge base (bot.kb citations): the law's title, the
article, the wording as found (converted to the letter's script) and its status. Nothing is retyped here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import opencc
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from bot.config import ROOT
from bot.plan.amounts import format_yuan
from bot.plan.checks import Flag
from bot.plan.labels import (expense_label, flag_message, format_date, format_months, kind_label,
                             reason_label, translator)
from bot.plan.model import EXPENSE_KEYS, LICENSED_KINDS
from bot.plan.schedule import EXCEEDS, OK, OK_IF_WAIVED, UNAFFORDABLE, CreditorPlan, Plan

TEMPLATE_DIR = ROOT / "locales" / "templates" / "plan"
LETTER_LANGS = ("zh-Hans", "zh-Hant", "en")
# collection must respect the law: cited in every letter, when the knowledge base has them
CONDUCT_CITATIONS = {
    "credit_card": ("cn.credit_card_measures_2011.68", "cn.cba_guideline_2026.third_parties",
                    "cn.cba_guideline_2026.night_ban", "cn.civil_code.1033"),
    "consumer_finance": ("cn.cba_guideline_2026.third_parties", "cn.cba_guideline_2026.night_ban",
                         "cn.civil_code.1033"),
    "bank_loan": ("cn.cba_guideline_2026.third_parties", "cn.cba_guideline_2026.night_ban", "cn.civil_code.1033"),
    "online_platform": ("cn.nifa_guideline_2024.main", "cn.civil_code.1033", "cn.pipl.10"),
    "private": ("cn.civil_code.1033",),
    "other": ("cn.civil_code.1033",),
}


@dataclass(frozen=True)
class Letter:
    lender: str
    lang: str
    text: str


@dataclass(frozen=True)
class LegalRef:
    id: str
    law: str
    article: str
    wording: str
    summary: str
    status: str
    effective: str


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    return opencc.OpenCC(config)


def _script(text: str, lang: str) -> str:
    if not text:
        return text
    if lang == "zh-Hans":
        return str(_converter("t2s").convert(text))
    if lang == "zh-Hant":
        # OpenCC reads 发卡 as 髮卡 (hair clip); in a bank's rules it is always 發卡 (card issuing)
        return str(_converter("s2tw").convert(text)).replace("髮卡", "發卡")
    return text


def legal_refs(kb: Any, ids: Iterable[str], lang: str) -> list[LegalRef]:
    """Citations of the knowledge base (any object with .citations and .laws, e.g. KnowledgeBase), in order,
    without duplicates; ids the knowledge base does not have are left out."""
    out: list[LegalRef] = []
    seen: set[str] = set()
    if kb is None:
        return out
    for ref in ids:
        if ref in seen:
            continue
        seen.add(ref)
        c = kb.citations.get(ref)
        if c is None or c.law not in kb.laws:
            continue
        law = kb.laws[c.law]
        out.append(LegalRef(ref, law.title.get(lang), c.article.get(lang), _script(c.wording, lang),
                            c.summary.get(lang), c.status, law.effective))
    return out


def _is_html(name: str | None) -> bool:
    return bool(name) and ".html" in str(name)


@lru_cache(maxsize=2)
def environment(template_dir: str = str(TEMPLATE_DIR)) -> Environment:
    env = Environment(loader=FileSystemLoader(template_dir), autoescape=_is_html, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False, undefined=StrictUndefined)
    env.filters["yuan"] = lambda fen: format_yuan(int(fen))
    return env


def render(template: str, lang: str, **context: Any) -> str:
    t = translator(lang)
    text = environment().get_template(template).render(_=t, lang=lang, **context)
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip()


# -- the letter -----------------------------------------------------------------------------------------------

def letter_citations(plan: Plan, index: int, flags: list[Flag]) -> list[str]:
    debt = plan.input.debts[index]
    ids: list[str] = []
    if debt.kind == "credit_card":
        ids.append("cn.credit_card_measures_2011.70")
    for f in flags:
        if f.debt == index:
            ids.extend(f.citations)
    ids.extend(CONDUCT_CITATIONS.get(debt.kind, CONDUCT_CITATIONS["other"]))
    return ids


def budget_lines(plan: Plan, lang: str) -> list[tuple[str, str]]:
    return [(expense_label(k, lang), format_yuan(plan.budget.expenses[k])) for k in EXPENSE_KEYS
            if plan.budget.expenses.get(k)]


def letter_context(plan: Plan, index: int, flags: list[Flag], lang: str, kb: Any) -> dict[str, Any]:
    inp = plan.input
    debt = inp.debts[index]
    cp: CreditorPlan | None = next((c for c in plan.creditors if c.index == index), None)
    refs = legal_refs(kb, letter_citations(plan, index, flags), lang)
    if lang != "en":
        refs = [r for r in refs if r.wording]       # a Chinese letter quotes the wording itself
    others = [d for i, d in enumerate(inp.debts) if i != index]
    return {
        "today": format_date(inp.today, lang),
        "name": inp.name,
        "lender": debt.lender,
        "kind": debt.kind,
        "kind_label": kind_label(debt.kind, lang),
        "licensed": debt.kind in LICENSED_KINDS,
        "principal": format_yuan(debt.principal),
        "interest": format_yuan(debt.interest) if debt.interest else "",
        "penalties": format_yuan(debt.penalties) if debt.penalties else "",
        "fees": format_yuan(debt.fees) if debt.fees else "",
        "owed": format_yuan(debt.owed),
        "overdue": format_months(debt.overdue_months, lang, debt.overdue_over_year),
        "reason": reason_label(inp.hardship_reason, lang),
        "reason_key": inp.hardship_reason,
        "details": inp.hardship_details,
        "dependants": inp.dependants,
        "income": format_yuan(plan.budget.income),
        "expenses": budget_lines(plan, lang),
        "essentials": format_yuan(plan.budget.essentials),
        "surplus": format_yuan(plan.budget.surplus),
        "margin": format_yuan(plan.budget.margin),
        "available": format_yuan(plan.budget.available),
        "status": plan.status,
        "OK": OK, "OK_IF_WAIVED": OK_IF_WAIVED, "EXCEEDS": EXCEEDS, "UNAFFORDABLE": UNAFFORDABLE,
        "cp": cp,
        "instalment": format_yuan(cp.instalment) if cp else "",
        "last_instalment": format_yuan(cp.last_instalment) if cp else "",
        "months": cp.months if cp else 0,
        "first_date": format_date(cp.first_date, lang) if cp else "",
        "last_date": format_date(cp.last_date, lang) if cp else "",
        "total": format_yuan(cp.total) if cp else "",
        "remaining": format_yuan(cp.remaining) if cp else "",
        "waived": format_yuan(debt.owed - cp.owed) if cp and cp.owed < debt.owed else "",
        "basis": cp.basis if cp else "full",
        "limit_months": cp.limit_months if cp else inp.max_months,
        "card_limit": debt.kind == "credit_card",
        "others": len(others),
        "others_owed": format_yuan(sum(d.owed for d in others)),
        "flags": [{"code": f.code, "rate": f"{f.params.get('rate', 0):g}",
                   "estimated": bool(f.params.get("estimated")),
                   "received": format_yuan(f.params.get("received", 0)),
                   "principal": format_yuan(f.params.get("principal", 0)),
                   "deducted": format_yuan(f.params.get("deducted", 0)),
                   "cap": f"{f.params.get('cap', 0):g}"}
                  for f in flags if f.debt == index],
        "refs": refs,
    }


def render_letter(plan: Plan, index: int, flags: list[Flag], lang: str, kb: Any) -> str:
    """The letter to the lender of debt `index`, as plain text, in `lang`."""
    if lang not in LETTER_LANGS:
        lang = "zh-Hans"
    return render(f"letter.{lang}.txt.j2", lang, **letter_context(plan, index, flags, lang, kb))


def letter_languages(ui_lang: str) -> list[str]:
    """Simplified Chinese for the (Chinese) lender always, and the user's language when it is another one."""
    return ["zh-Hans"] + ([ui_lang] if ui_lang in LETTER_LANGS and ui_lang != "zh-Hans" else [])


def letter_html(text: str) -> str:
    """A plain-text letter as Telegram HTML: escaped, in a <pre> block (one tap copies it)."""
    return f"<pre>{escape(text)}</pre>"


# -- summaries for the chat -----------------------------------------------------------------------------------

def flags_text(plan: Plan, flags: list[Flag], lang: str) -> list[str]:
    return [flag_message(f, plan.input, lang) for f in flags]


def summary_context(plan: Plan, flags: list[Flag], lang: str, kb: Any = None) -> dict[str, Any]:
    inp = plan.input
    creditors = [{"lender": c.debt.lender, "kind": kind_label(c.debt.kind, lang), "owed": format_yuan(c.debt.owed),
                  "basis": c.basis, "instalment": format_yuan(c.instalment),
                  "last_instalment": format_yuan(c.last_instalment), "months": c.months,
                  "first": format_date(c.first_date, lang), "last": format_date(c.last_date, lang),
                  "total": format_yuan(c.total), "remaining": format_yuan(c.remaining), "within": c.within_limit,
                  "limit": c.limit_months, "card": c.limit_citation is not None,
                  "share": format_yuan(c.share)}
                 for c in plan.creditors]
    refs = legal_refs(kb, [r for f in flags for r in f.citations], lang) if kb is not None else []
    return {
        "status": plan.status, "OK": OK, "OK_IF_WAIVED": OK_IF_WAIVED, "EXCEEDS": EXCEEDS,
        "UNAFFORDABLE": UNAFFORDABLE,
        "income": format_yuan(plan.budget.income), "essentials": format_yuan(plan.budget.essentials),
        "expenses": budget_lines(plan, lang),
        "surplus": format_yuan(plan.budget.surplus), "margin": format_yuan(plan.budget.margin),
        "available": format_yuan(plan.budget.available), "negative": plan.budget.surplus < 0,
        "creditors": creditors, "several": len(inp.debts) > 1,
        "months": plan.months, "monthly": format_yuan(plan.monthly_total), "total": format_yuan(plan.total),
        "owed": format_yuan(plan.owed), "remaining": format_yuan(plan.remaining), "waived": format_yuan(plan.waived),
        "first": format_date(plan.first_payment_date, lang), "last": format_date(plan.last_payment_date, lang),
        "flags": flags_text(plan, flags, lang), "refs": refs,
    }


def render_summary_html(plan: Plan, flags: list[Flag], lang: str, kb: Any = None) -> str:
    return render("summary.html.j2", lang, **summary_context(plan, flags, lang, kb))


__all__ = ["LegalRef", "legal_refs", "render_letter", "letter_languages", "letter_html", "render_summary_html"]
