"""Everything a plan produces, from one set of answers: the schedule, the checks, the letters, the notes for the
borrower's own screen, and on demand the PDF, the DOCX, the chart and the calendar. The CLI and the Telegram
handler both go through `make_proposal`.

The jurisdiction of the lenders (`PlanInput.jurisdiction`) decides the rules, the currency and the language of
the letters the lenders receive; the user also gets every letter in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.plan.amounts import from_fen
from bot.plan.checks import Flag
from bot.plan.labels import STATUS_LABELS, flag_message, kind_label, pointer_texts, translator
from bot.plan.letter import (
    Letter,
    applicable_pointers,
    legal_refs,
    lender_language,
    letter_languages,
    render_letter_blocks,
    render_summary_html,
)
from bot.plan.model import PlanInput
from bot.plan.schedule import UNAFFORDABLE, Plan, make_plan


@dataclass
class Proposal:
    plan: Plan
    flags: list[Flag]
    lang: str
    kb: Any = None
    letters: list[Letter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the borrower only, never in a letter

    @property
    def input(self) -> PlanInput:
        return self.plan.input

    @property
    def lender_lang(self) -> str:
        return lender_language(self.input)

    def summary_html(self) -> str:
        return render_summary_html(self.plan, self.flags, self.lang, self.kb, self.notes)

    def chart_png(self) -> bytes:
        from bot.plan.chart import render_chart

        return render_chart(self.plan, self.lang)

    def pdf(self, chart: bytes | None = None) -> bytes:
        from bot.plan.pdf import render_pdf

        return render_pdf(self.plan, self.flags, self.lang, self.letters, chart, self.kb, self.notes)

    def docx(self) -> bytes:
        """The letters as an editable Word document (one letter per page)."""
        from bot.plan.word import render_docx

        return render_docx(self.letters, self.lang)

    def ics(self) -> bytes:
        from bot.plan.ics import render_ics

        return render_ics(self.plan, self.lang)

    def to_json(self) -> dict[str, Any]:
        return plan_json(self)


def make_proposal(inp: PlanInput, kb: Any = None, lang: str | None = None) -> Proposal:
    lang = lang or inp.lang
    plan = make_plan(inp)
    flags = plan.flags
    lender_lang = lender_language(inp)
    letters = [
        render_letter_blocks(plan, i, flags, letter_lang, kb, for_lender=letter_lang == lender_lang)
        for i in range(len(inp.debts))
        for letter_lang in letter_languages(lang, lender_lang)
    ]
    return Proposal(plan, flags, lang, kb, letters, borrower_notes(plan, letters, lang))


def borrower_notes(plan: Plan, letters: list[Letter], lang: str) -> list[str]:
    """What only the borrower reads: the reserve the letters do not mention, words left out of a letter in
    another language, a missing name, no rules for the jurisdiction."""
    _ = translator(lang)
    inp = plan.input
    notes: list[str] = []
    if inp.rules is None:
        notes.append(
            _(
                "The bot has no rules for lenders in {code}: no legal checks were made, and the letters make "
                "no legal claims. Get local advice before you send them."
            ).format(code=inp.jurisdiction)
        )
    if plan.status != UNAFFORDABLE and plan.budget.margin > 0:
        notes.append(
            _(
                "{margin} a month is kept back for the unexpected. The letters do not mention it: it is your "
                "own reserve."
            ).format(margin=inp.fmt(plan.budget.margin, lang))
        )
    if plan.disputed > 0 and plan.status != UNAFFORDABLE:
        notes.append(
            _(
                "The plan repays {owed}, the part of the debts not in dispute; the letters dispute {disputed} "
                "and ask the lenders to recalculate it."
            ).format(owed=inp.fmt(plan.owed, lang), disputed=inp.fmt(plan.disputed, lang))
        )
    omitted = sorted({x.lang for x in letters if x.omitted_details})
    if omitted:
        details = inp.hardship_details
        quote = details if len(details) <= 40 else details[:39].rstrip() + "…"
        names = {"zh-Hans": _("simplified Chinese"), "zh-Hant": _("traditional Chinese"), "en": _("English")}
        notes.append(
            _(
                "What you wrote about your situation (“{quote}”) is not in the language of the letter in "
                "{language}, so that letter leaves it out. Translate it and add it to the letter (the DOCX can "
                "be edited), or send the letter in your own language."
            ).format(quote=quote, language=", ".join(names[x] for x in omitted))
        )
    if not inp.name:
        notes.append(_("The letters do not have your name yet: add it before you send them (the DOCX can be edited)."))
    return notes


def _y(fen: int) -> float | int:
    d = from_fen(fen)
    return int(d) if d == d.to_integral() else float(d)


def plan_json(p: Proposal) -> dict[str, Any]:
    """The machine-readable plan (the CLI's output; amounts in the plan's currency, dates as YYYY-MM-DD)."""
    plan, lang = p.plan, p.lang
    inp = plan.input
    _ = translator(lang)
    b = plan.budget
    out: dict[str, Any] = {
        "status": plan.status,
        "status_text": _(STATUS_LABELS[plan.status]),
        "lang": lang,
        "jurisdiction": inp.jurisdiction,
        "covered": inp.rules is not None,
        "currency": inp.money.code or None,
        "lender_lang": p.lender_lang,
        "today": inp.today.isoformat(),
        "budget": {
            "income": _y(b.income),
            "expenses": {k: _y(v) for k, v in b.expenses.items()},
            "essentials": _y(b.essentials),
            "surplus": _y(b.surplus),
            "safety_margin": _y(b.margin),
            "available": _y(b.available),
            "dependants": b.dependants,
        },
        "claimed": _y(plan.claimed),
        "owed": _y(plan.owed),
        "disputed": _y(plan.disputed),
        "months": plan.months,
        "monthly_total": _y(plan.monthly_total),
        "total": _y(plan.total),
        "remaining": _y(plan.remaining),
        "waived": _y(plan.waived),
        "first_payment_date": plan.first_payment_date.isoformat() if plan.creditors else None,
        "last_payment_date": plan.last_payment_date.isoformat() if plan.last_payment_date else None,
        "debts": [
            {
                "debt": i,
                "lender": pos.debt.lender,
                "kind": pos.debt.kind,
                "kind_text": kind_label(pos.debt.kind, lang),
                "claimed": _y(pos.claimed),
                "undisputed": _y(pos.undisputed),
                "disputed": _y(pos.disputed),
                "disputes": [
                    {
                        "code": d.code,
                        "amount": _y(d.amount),
                        "estimated": d.estimated,
                        "conditional": d.conditional,
                        "undated": d.undated,
                        "legal_basis": list(d.citations),
                    }
                    for d in pos.disputes
                ],
                "questioned": pos.questioned,
            }
            for i, pos in enumerate(plan.positions)
        ],
        "creditors": [
            {
                "debt": c.index,
                "lender": c.debt.lender,
                "kind": c.debt.kind,
                "owed": _y(c.debt.owed),
                "undisputed": _y(c.position.undisputed) if c.position else _y(c.debt.owed),
                "basis": c.basis,
                "repaid_amount": _y(c.owed),
                "share": _y(c.share),
                "instalment": _y(c.instalment),
                "last_instalment": _y(c.last_instalment),
                "months": c.months,
                "limit_months": c.limit_months,
                "limit_basis": c.limit_citation,
                "within_limit": c.within_limit,
                "total": _y(c.total),
                "remaining": _y(c.remaining),
                "first_payment_date": c.first_date.isoformat() if c.first_date else None,
                "last_payment_date": c.last_date.isoformat() if c.last_date else None,
                "payments": [
                    {"n": x.n, "date": x.date.isoformat(), "amount": _y(x.amount), "balance_after": _y(x.balance_after)}
                    for x in c.payments
                ],
            }
            for c in plan.creditors
        ],
        "month_totals": [
            {"n": i + 1, "date": d.isoformat(), "amount": _y(a)}
            for i, (d, a) in enumerate(zip(plan.dates(), plan.month_totals(), strict=True))
        ],
        "checks": [
            {
                "code": f.code,
                "debt": f.debt,
                "lender": inp.debts[f.debt].lender,
                "message": flag_message(f, inp, lang),
                "in_letter": f.audience == "letter",
                "effect": f.effect,
                "conditional": f.conditional,
                "params": {
                    k: (_y(v) if k in ("received", "principal", "deducted", "charges") else v)
                    for k, v in f.params.items()
                },
                "legal_basis": [
                    {"id": r.id, "law": r.law, "article": r.article, "status": r.status}
                    for r in legal_refs(p.kb, f.citations, lang)
                ]
                if p.kb is not None
                else [{"id": c} for c in f.citations],
            }
            for f in p.flags
        ],
        "letters": [
            {"debt": x.debt, "lender": x.lender, "lang": x.lang, "for_lender": x.for_lender, "text": x.text}
            for x in p.letters
        ],
        "notes": list(p.notes),
    }
    help_lines = pointer_texts(applicable_pointers(plan), lang)
    if plan.status == UNAFFORDABLE:
        help_lines = [
            _(
                "Ask each lender to pause collection and interest for a few months: the letter below asks "
                "for exactly that, with your budget."
            )
        ] + help_lines
    if help_lines:
        out["help"] = help_lines
    return out
