"""The letters to the lenders and the summaries of the plan, rendered with Jinja2 from locales/templates/plan/.

- `letter.<lang>.txt.j2`: the formal letter, plain text with block markers at the start of a line (`@title`,
  `@h` heading, `@item` numbered request, `@note` footnote; other lines are paragraphs). `Letter.text` is the
  plain text (markers removed: the CLI, the chat); `Letter.blocks` keeps the structure for the PDF and the DOCX.
- `*.html.j2`: Telegram-HTML messages; autoescape is on for these, so user text (the lender's name, the
  hardship details) is always escaped; only the templates write tags.
Plain-text templates are not HTML-escaped (the PDF prints them as they are); user text in them has been
cleaned of control and bidi characters (bot.plan.model.clean_text) and is escaped as a whole when sent to
Telegram (`letter_html`).

What a letter says follows the rules of the lender's jurisdiction (bot.plan.rules): the lender gets it in that
jurisdiction's language (CN zh-Hans; HK, TW zh-Hant; US en), the user also in their own. A letter:
- proposes the undisputed amount (principal actually received plus lawful charges) and states the disputed part
  separately, with its legal basis and a request to recalculate; charges it only asks to be reduced stay in the
  plan ("any reduction shortens it");
- never mentions the borrower's reserve for emergencies, never admits more than the proposal says ("according
  to your figures"), never quotes criminal law at the lender, and writes a private lender a private letter;
- prints name, identity number, phone and account number only when the user gave them, and leaves out hardship
  details typed in another language (the user is told, and gets the letter in their own language too);
- cites the law from the knowledge base: a confirmed article is cited plainly (quoted when its wording is in
  the letter's language), a secondary one by title and article with one footnote for all of them; unconfirmed
  ones never. Chinese law titles take 书名号 with qualifiers outside: 《中华人民共和国民法典》第六百七十条.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import opencc
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from bot.config import DATA_ROOT
from bot.plan.amounts import format_yuan
from bot.plan.checks import Dispute, Flag, Position
from bot.plan.labels import (
    ACCOUNT_LABEL,
    ID_LABEL,
    expense_label,
    flag_message,
    format_date,
    format_months,
    kind_label,
    pointer_texts,
    rate_phrase,
    reason_label,
    translator,
)
from bot.plan.model import EXPENSE_KEYS, PlanInput
from bot.plan.rules import PlanRules, cite_ids
from bot.plan.schedule import EXCEEDS, OK, OK_IF_WAIVED, UNAFFORDABLE, CreditorPlan, Plan

TEMPLATE_DIR = DATA_ROOT / "locales" / "templates" / "plan"
LETTER_LANGS = ("zh-Hans", "zh-Hant", "en")
CARD_KINDS = ("credit_card", "cash_card")
BLOCK_KINDS = ("title", "h", "item", "note")
_BLOCK_RE = re.compile(r"^@(title|h|item|note) ?")


@dataclass(frozen=True)
class Letter:
    lender: str
    lang: str
    text: str
    debt: int = 0
    blocks: tuple[tuple[str, str], ...] = ()  # (kind, text): title, h, p, item, note, blank
    for_lender: bool = True  # in the lender's language (to send), or the user's copy
    omitted_details: bool = False  # the hardship details are in another language and left out


@dataclass(frozen=True)
class LegalRef:
    id: str
    law: str
    article: str
    wording: str
    summary: str
    status: str
    effective: str
    title: str = ""  # the citation as a letter writes it: 《…》第六百七十条 / Civil Code of the PRC, Art. 670


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


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def text_language(text: str) -> str | None:
    """ "zh" or "en" for a text the user typed (None when it has no words): the letter quotes it only if it is
    in the letter's language."""
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if cjk == 0 and latin == 0:
        return None
    return "zh" if cjk * 2 >= latin or cjk >= 10 else "en"


def _same_language(text: str, lang: str) -> bool:
    found = text_language(text)
    return found is None or found == ("en" if lang == "en" else "zh")


# -- citations ------------------------------------------------------------------------------------------------

_QUALIFIER = re.compile(r"（[^（）]*）$")
_STANDARD = re.compile(r"^((?:GB|GB/T|JR/T)\s*[\d.]+[—-]\d{4})\s+(.+)$")


def law_title(title: str, lang: str) -> str:
    """A law's title as a Chinese text cites it: in 书名号, with qualifiers (revision, issuer, document number)
    after it and a title inside it in 〈〉; 《…（试行）》 keeps 试行 inside. English titles are left as they are."""
    if lang == "en" or not title:
        return title
    t = title.strip()
    if "《" in t and (t.endswith("》") or re.search(r"》（[^》]*）$", t)):
        return t  # already cited: 美国《公平债务催收作业法》（FDCPA…）
    prefix = ""
    m = _STANDARD.match(t)
    if m:
        prefix, t = m.group(1), m.group(2)
    qualifiers: list[str] = []
    while True:
        q = _QUALIFIER.search(t)
        if not q or q.group(0) in ("（试行）", "（試行）") or q.start() == 0:
            break
        qualifiers.insert(0, q.group(0))
        t = t[: q.start()].rstrip()
    t = t.replace("《", "〈").replace("》", "〉")
    return f"{prefix}《{t}》{''.join(qualifiers)}"


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
        title, article = law.title.get(lang), c.article.get(lang)
        if lang == "en":
            cited = f"{title}, {article}"
        else:
            cited = law_title(title, lang) + article
        out.append(
            LegalRef(ref, title, article, _script(c.wording, lang), c.summary.get(lang), c.status, law.effective, cited)
        )
    return out


def letter_refs(kb: Any, ids: Iterable[str], lang: str) -> list[dict[str, Any]]:
    """The legal basis of a letter: confirmed citations plainly (quoted when the wording is in the letter's
    language), secondary ones by title and article with a footnote mark, unconfirmed ones never."""
    out = []
    for r in legal_refs(kb, ids, lang):
        if r.status == "unconfirmed":
            continue
        wording = r.wording.strip() if r.status == "confirmed" and r.wording and _same_language(r.wording, lang) else ""
        if wording and lang != "en" and not _CJK.search(wording):
            wording = ""
        out.append({"id": r.id, "cited": r.title, "wording": wording, "hedged": r.status != "confirmed"})
    return out


# -- rendering ------------------------------------------------------------------------------------------------


def _is_html(name: str | None) -> bool:
    return bool(name) and ".html" in str(name)


@lru_cache(maxsize=2)
def environment(template_dir: str = str(TEMPLATE_DIR)) -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_dir),
        autoescape=_is_html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=StrictUndefined,
    )
    env.filters["yuan"] = lambda fen: format_yuan(int(fen))
    return env


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip()


def render(template: str, lang: str, **context: Any) -> str:
    t = translator(lang)
    return _tidy(environment().get_template(template).render(_=t, lang=lang, **context))


def split_blocks(raw: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A rendered letter with block markers -> (plain text, blocks). Items are numbered 1, 2, … from each heading
    on (the number is part of the block's text); `@keep` (no text) keeps the rest of the letter on one page."""
    blocks: list[tuple[str, str]] = []
    lines: list[str] = []
    n = 0
    for line in raw.split("\n"):
        if line.strip() == "@keep":  # what follows stays on one page (the closing and the signature)
            blocks.append(("keep", ""))
            continue
        m = _BLOCK_RE.match(line)
        kind, body = (m.group(1), line[m.end() :]) if m else (("p", line) if line else ("blank", ""))
        if kind in ("h", "title"):
            n = 0
        elif kind == "item":
            n += 1
            body = f"{n}. {body}"
        blocks.append((kind, body))
        lines.append(body)
    return "\n".join(lines), tuple(blocks)


# -- the letter -----------------------------------------------------------------------------------------------


def letter_languages(ui_lang: str, lender_lang: str = "zh-Hans") -> list[str]:
    """The lender's language always (CN zh-Hans, HK/TW zh-Hant, US en), and the user's when it is another one."""
    return [lender_lang] + ([ui_lang] if ui_lang in LETTER_LANGS and ui_lang != lender_lang else [])


def lender_language(inp: PlanInput) -> str:
    """The language of the letter the lender receives: the jurisdiction's; the user's own when uncovered."""
    rules = inp.rules
    if rules is not None:
        return rules.letter_lang
    return inp.lang if inp.lang in LETTER_LANGS else "zh-Hans"


def letter_citations(plan: Plan, index: int, flags: list[Flag]) -> list[str]:
    """The citation ids of the letter to lender `index`, in the order the letter uses them."""
    inp = plan.input
    rules = inp.rules
    if rules is None:
        return []
    debt = inp.debts[index]
    pos = plan.positions[index] if plan.positions else None
    ids: list[str] = []
    rule = rules.instalments_for(debt.kind)
    if rule is not None and plan.status != UNAFFORDABLE:
        ids.extend(cite_ids(rule.citations, debt.kind))
    for f in flags:
        if f.debt == index and f.audience == "letter":
            ids.extend(f.citations)
    for r in _requests(rules, debt.kind, pos):
        ids.extend(cite_ids(r.citations, debt.kind))
    ids.extend(cite_ids(rules.conduct_for(debt.kind).citations, debt.kind))
    for p in _pointers(plan, index):
        if p.letter is not None:
            ids.extend(cite_ids(p.citations, debt.kind))
    return ids


def _requests(rules: PlanRules, kind: str, pos: Position | None) -> list[Any]:
    out = []
    for r in rules.requests:
        if kind not in r.kinds:
            continue
        if r.when == "penalties" and not (pos and pos.penalties):
            continue
        if r.when == "fees" and not (pos and pos.fees):
            continue
        out.append(r)
    return out


def _pointers(plan: Plan, index: int | None = None) -> list[Any]:
    """The jurisdiction's pointers that apply to this plan (or to the debt `index`)."""
    inp = plan.input
    rules = inp.rules
    if rules is None:
        return []
    debts = [inp.debts[index]] if index is not None else inp.debts
    hardship = plan.status in (UNAFFORDABLE, EXCEEDS)
    out = []
    for p in rules.pointers:
        if p.kinds and not any(d.kind in p.kinds for d in debts):
            continue
        if p.when == "hardship" and not hardship:
            continue
        if p.when == "unaffordable" and plan.status != UNAFFORDABLE:
            continue
        if p.when == "overdue" and not any((d.overdue_months or 0) >= (p.overdue_months or 0) for d in debts):
            continue
        out.append(p)
    return out


def applicable_pointers(plan: Plan) -> list[Any]:
    return _pointers(plan)


def budget_lines(plan: Plan, lang: str) -> list[tuple[str, str]]:
    fmt = plan.input.fmt
    return [
        (expense_label(k, lang), fmt(plan.budget.expenses[k], lang))
        for k in EXPENSE_KEYS
        if plan.budget.expenses.get(k)
    ]


DEFAULT_TERMS = {
    "you": {"zh-Hans": "贵方", "zh-Hant": "貴方", "en": "you"},
    "you_bank": {"zh-Hans": "贵方", "zh-Hant": "貴方", "en": "you"},
    "penalties": {"zh-Hans": "罚息及违约金", "zh-Hant": "罰息及違約金", "en": "penalty interest and late charges"},
    "contact": {"zh-Hans": "联系", "zh-Hant": "聯繫", "en": "contact"},
    "collection": {"zh-Hans": "催收", "zh-Hant": "催收", "en": "collection"},
    "contract": {"zh-Hans": "合同", "zh-Hant": "合同", "en": "contract"},
}


def _term(rules: PlanRules | None, key: str, lang: str) -> str:
    if rules is not None:
        value = getattr(rules.terms, key, None)
        if value is not None:
            return str(value.get(lang))
    return DEFAULT_TERMS[key].get(lang, DEFAULT_TERMS[key]["en"])


def _dispute_context(plan: Plan, index: int, flags: list[Flag], lang: str, d: Dispute) -> dict[str, Any]:
    inp = plan.input
    rules = inp.rules
    assert rules is not None
    flag = next((f for f in flags if f.debt == index and f.code == d.code), None)
    text = _flag_letter(flag, inp, rules, lang) if flag else ""
    line = next((x for x in rules.interest_lines if x.code == d.code), None)
    return {
        "code": d.code,
        "upfront": d.code == "upfront_interest",
        "amount": inp.fmt(d.amount, lang),
        "estimated": d.estimated,
        "text": text,
        "interest_only": bool(line and line.covers == ["interest"]),
    }


def _flag_letter(flag: Flag, inp: PlanInput, rules: PlanRules, lang: str) -> str:
    """The letter's wording of a flag, from the rules (with the conditions that apply)."""
    p = flag.params
    values = {
        "received": inp.fmt(p.get("received", 0), lang),
        "principal": inp.fmt(p.get("principal", 0), lang),
        "deducted": inp.fmt(p.get("deducted", 0), lang),
        "rate": f"{p.get('rate', 0):g}",
        "cap": f"{p.get('cap', 0):g}",
        "lpr": f"{p.get('lpr') or 0:g}",
        "lpr_date": p.get("lpr_date") or "",
        "since": p.get("since") or "",
        "excess": "",
        "owed_charges": "",
        "claimed_charges": "",
        "what": rate_phrase(p.get("rate", 0), bool(p.get("estimated")), lang, letter=True),
    }
    if flag.code == "upfront_interest":
        assert rules.upfront_interest is not None
        return _script(rules.upfront_interest.letter.get(lang).format(**values), lang)
    line = next((x for x in rules.interest_lines if x.code == flag.code), None)
    if line is None or line.letter is None:
        return ""
    parts = [line.letter.get(lang).format(**values)]
    if flag.conditional and line.letter_if_unlicensed is not None:
        parts.append(line.letter_if_unlicensed.get(lang).format(**values))
    if flag.undated and line.letter_if_undated is not None:
        parts.append(line.letter_if_undated.get(lang).format(**values))
    return ("" if lang != "en" else " ").join(parts)


def letter_context(plan: Plan, index: int, flags: list[Flag], lang: str, kb: Any) -> dict[str, Any]:
    inp = plan.input
    rules = inp.rules
    fmt = lambda cents: inp.fmt(cents, lang)  # noqa: E731
    debt = inp.debts[index]
    pos = (
        plan.positions[index]
        if plan.positions
        else Position(debt, debt.principal, debt.interest, debt.penalties, debt.fees)
    )
    cp: CreditorPlan | None = next((c for c in plan.creditors if c.index == index), None)
    kind_info = rules.kind(debt.kind) if rules is not None and debt.kind in rules.lender_kinds else None
    private = bool(kind_info and kind_info.individual) or (rules is None and debt.kind == "private")
    label = kind_info.label.get(lang) if kind_info and kind_info.label else kind_label(debt.kind, lang)
    bank = debt.kind in ("credit_card", "cash_card", "bank_loan")
    you = (
        {"zh-Hans": "您", "zh-Hant": "您", "en": "you"}[lang]
        if private
        else _term(rules, "you_bank" if bank else "you", lang)
    )
    rule = rules.instalments_for(debt.kind) if rules is not None else None
    my_flags = [f for f in flags if f.debt == index and f.audience == "letter"]
    disputes = [_dispute_context(plan, index, flags, lang, d) for d in pos.disputes] if rules is not None else []
    disputed_codes = {d.code for d in pos.disputes}
    reviews = [
        _flag_letter(f, inp, rules, lang) for f in my_flags if rules is not None and f.code not in disputed_codes
    ]
    reviews = [r for r in reviews if r]
    requests = _requests(rules, debt.kind, pos) if rules is not None else []
    statement = next((r.letter.get(lang) for r in requests if r.code == "statement"), "")
    extra = [r.letter.get(lang) for r in requests if r.code != "statement"]
    conduct = rules.conduct_for(debt.kind).letter.get(lang) if rules is not None else ""
    pointers = [p.letter.get(lang) for p in _pointers(plan, index) if p.letter is not None]
    refs = letter_refs(kb, letter_citations(plan, index, flags), lang)
    details = inp.hardship_details
    omitted = bool(details) and not _same_language(details, lang)
    if omitted:
        details = ""
    elif lang != "en":
        details = _script(details, lang)
    name = "" if inp.name in ("本人", "我", "I", "me") else inp.name
    id_label = (
        rules.terms.id_label.get(lang)
        if rules is not None and rules.terms.id_label
        else (translator(lang)(ID_LABEL) if rules is None else "")
    )
    others = [(i, d) for i, d in enumerate(inp.debts) if i != index]
    waived = pos.undisputed - cp.owed if cp and cp.owed < pos.undisputed else 0
    return {
        "today": format_date(inp.today, lang),
        "name": name,
        "id_label": id_label,
        "id_number": inp.id_number if id_label else "",
        "phone": inp.phone,
        "lender": debt.lender,
        "account": debt.account,
        "account_label": rules.terms.account.get(lang) if rules is not None else translator(lang)(ACCOUNT_LABEL),
        "kind": debt.kind,
        "kind_label": label,
        "card": debt.kind in CARD_KINDS,
        "collector": debt.kind == "debt_collector",
        "other_kind": debt.kind == "other",
        "private": private,
        "you": you,
        "penalties_label": _term(rules, "penalties", lang),
        "contact": _term(rules, "contact", lang),
        "collection": _term(rules, "collection", lang),
        "contract": _term(rules, "contract", lang),
        "claimed": fmt(pos.claimed),
        "principal": fmt(debt.principal),
        "interest": fmt(debt.interest) if debt.interest else "",
        "penalties": fmt(debt.penalties) if debt.penalties else "",
        "fees": fmt(debt.fees) if debt.fees else "",
        "overdue": format_months(debt.overdue_months, lang, debt.overdue_over_year),
        "reason": reason_label(inp.hardship_reason, lang),
        "reason_key": inp.hardship_reason,
        "details": details,
        "dependants": inp.dependants,
        "income": fmt(plan.budget.income),
        "expenses": budget_lines(plan, lang),
        "essentials": fmt(plan.budget.essentials),
        "negative": plan.budget.surplus <= 0,
        "available": fmt(plan.budget.available),
        "status": plan.status,
        "OK": OK,
        "OK_IF_WAIVED": OK_IF_WAIVED,
        "EXCEEDS": EXCEEDS,
        "UNAFFORDABLE": UNAFFORDABLE,
        "undisputed": fmt(pos.undisputed),
        "undisputed_principal": fmt(pos.principal),
        "undisputed_charges": fmt(pos.charges) if pos.charges else "",
        "disputed": fmt(pos.disputed) if pos.disputed > 0 else "",
        "disputes": disputes,
        "any_estimated": any(d["estimated"] for d in disputes),
        "conditional": any(d.conditional for d in pos.disputes),
        "questioned": pos.questioned,
        "reviews": reviews,
        "cp": cp,
        "instalment": fmt(cp.instalment) if cp else "",
        "last_instalment": fmt(cp.last_instalment) if cp else "",
        "months": cp.months if cp else 0,
        "first_date": format_date(cp.first_date, lang) if cp else "",
        "last_date": format_date(cp.last_date, lang) if cp else "",
        "total": fmt(cp.total) if cp else "",
        "remaining": fmt(cp.remaining) if cp else "",
        "waived": fmt(waived) if waived else "",
        "basis": cp.basis if cp else "full",
        "limit_months": cp.limit_months if cp else inp.max_months,
        "plan_rule": rule.letter.get(lang) if rule is not None else "",
        "plan_name": rule.plan_name.get(lang) if rule is not None else "",
        "penalties_or_fees": bool(pos.penalties or pos.fees),
        "statement": statement,
        "extra_requests": extra,
        "conduct": conduct,
        "pointers": pointers,
        "others": len(others),
        "others_claimed": fmt(sum(d.owed for _, d in others)),
        "refs": refs,
        "hedged": any(r["hedged"] for r in refs),
    }


def render_letter_blocks(
    plan: Plan, index: int, flags: list[Flag], lang: str, kb: Any, for_lender: bool = True
) -> Letter:
    if lang not in LETTER_LANGS:
        lang = "zh-Hans"
    ctx = letter_context(plan, index, flags, lang, kb)
    raw = render(f"letter.{lang}.txt.j2", lang, **ctx)
    text, blocks = split_blocks(raw)
    debt = plan.input.debts[index]
    omitted = bool(plan.input.hardship_details) and not ctx["details"]
    return Letter(debt.lender, lang, text, index, blocks, for_lender, omitted)


def render_letter(plan: Plan, index: int, flags: list[Flag], lang: str, kb: Any) -> str:
    """The letter to the lender of debt `index`, as plain text, in `lang`."""
    return render_letter_blocks(plan, index, flags, lang, kb).text


def letter_html(text: str) -> str:
    """A plain-text letter as Telegram HTML: escaped, in a <pre> block (one tap copies it)."""
    return f"<pre>{escape(text)}</pre>"


# -- summaries for the chat -----------------------------------------------------------------------------------


def flags_text(plan: Plan, flags: list[Flag], lang: str) -> list[str]:
    return [flag_message(f, plan.input, lang) for f in flags]


def summary_context(
    plan: Plan, flags: list[Flag], lang: str, kb: Any = None, notes: list[str] | None = None
) -> dict[str, Any]:
    inp = plan.input
    fmt = lambda cents: inp.fmt(cents, lang)  # noqa: E731
    rules = inp.rules
    creditors = [
        {
            "lender": c.debt.lender,
            "kind": kind_label(c.debt.kind, lang),
            "owed": fmt(c.debt.owed),
            "basis": c.basis,
            "instalment": fmt(c.instalment),
            "last_instalment": fmt(c.last_instalment),
            "months": c.months,
            "first": format_date(c.first_date, lang),
            "last": format_date(c.last_date, lang),
            "total": fmt(c.total),
            "remaining": fmt(c.remaining),
            "within": c.within_limit,
            "limit": c.limit_months,
            "card": c.limit_citation is not None,
            "share": fmt(c.share),
            "disputed": fmt(c.position.disputed) if c.position and c.position.disputed > 0 else "",
            "undisputed": fmt(c.position.undisputed) if c.position else fmt(c.owed),
        }
        for c in plan.creditors
    ]
    refs = legal_refs(kb, [r for f in flags for r in f.citations], lang) if kb is not None else []
    limit_notes = []
    if rules is not None:
        for c in plan.creditors:
            rule = rules.instalments_for(c.debt.kind)
            if rule is not None and c.limit_citation and rule.screen.get(lang) not in limit_notes:
                limit_notes.append(rule.screen.get(lang))
    return {
        "status": plan.status,
        "OK": OK,
        "OK_IF_WAIVED": OK_IF_WAIVED,
        "EXCEEDS": EXCEEDS,
        "UNAFFORDABLE": UNAFFORDABLE,
        "income": fmt(plan.budget.income),
        "essentials": fmt(plan.budget.essentials),
        "expenses": budget_lines(plan, lang),
        "surplus": fmt(plan.budget.surplus),
        "margin": fmt(plan.budget.margin),
        "available": fmt(plan.budget.available),
        "negative": plan.budget.surplus < 0,
        "creditors": creditors,
        "several": len(inp.debts) > 1,
        "months": plan.months,
        "monthly": fmt(plan.monthly_total),
        "total": fmt(plan.total),
        "owed": fmt(plan.owed),
        "claimed": fmt(plan.claimed),
        "disputed": fmt(plan.disputed) if plan.disputed > 0 else "",
        "remaining": fmt(plan.remaining),
        "waived": fmt(plan.waived),
        "first": format_date(plan.first_payment_date, lang),
        "last": format_date(plan.last_payment_date, lang),
        "flags": flags_text(plan, flags, lang),
        "refs": refs,
        "limit_notes": limit_notes,
        "help": pointer_texts(applicable_pointers(plan), lang),
        "notes": notes or [],
    }


def render_summary_html(
    plan: Plan, flags: list[Flag], lang: str, kb: Any = None, notes: list[str] | None = None
) -> str:
    return render("summary.html.j2", lang, **summary_context(plan, flags, lang, kb, notes))


__all__ = [
    "Letter",
    "LegalRef",
    "law_title",
    "legal_refs",
    "letter_refs",
    "render_letter",
    "render_letter_blocks",
    "letter_languages",
    "lender_language",
    "letter_html",
    "render_summary_html",
    "text_language",
]
