"""Everything a plan produces, from one set of answers: the schedule, the checks, the letters, and on demand
the PDF, the chart and the calendar. The CLI and the Telegram handler both go through `make_proposal`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.plan.amounts import from_fen
from bot.plan.checks import Flag, check_charges
from bot.plan.labels import STATUS_LABELS, flag_message, translator
from bot.plan.letter import Letter, legal_refs, letter_languages, render_letter, render_summary_html
from bot.plan.model import PlanInput
from bot.plan.schedule import Plan, make_plan


@dataclass
class Proposal:
    plan: Plan
    flags: list[Flag]
    lang: str
    kb: Any = None
    letters: list[Letter] = field(default_factory=list)

    @property
    def input(self) -> PlanInput:
        return self.plan.input

    def summary_html(self) -> str:
        return render_summary_html(self.plan, self.flags, self.lang, self.kb)

    def chart_png(self) -> bytes:
        from bot.plan.chart import render_chart

        return render_chart(self.plan, self.lang)

    def pdf(self, chart: bytes | None = None) -> bytes:
        from bot.plan.pdf import render_pdf

        return render_pdf(self.plan, self.flags, self.lang, self.letters, chart, self.kb)

    def ics(self) -> bytes:
        from bot.plan.ics import render_ics

        return render_ics(self.plan, self.lang)

    def to_json(self) -> dict[str, Any]:
        return plan_json(self)


def make_proposal(inp: PlanInput, kb: Any = None, lang: str | None = None) -> Proposal:
    lang = lang or inp.lang
    plan = make_plan(inp)
    flags = check_charges(inp)
    letters = [Letter(d.lender, letter_lang, render_letter(plan, i, flags, letter_lang, kb))
               for i, d in enumerate(inp.debts) for letter_lang in letter_languages(lang)]
    return Proposal(plan, flags, lang, kb, letters)


def _y(fen: int) -> float | int:
    d = from_fen(fen)
    return int(d) if d == d.to_integral() else float(d)


def plan_json(p: Proposal) -> dict[str, Any]:
    """The machine-readable plan (the CLI's output; amounts in yuan, dates as YYYY-MM-DD)."""
    plan, lang = p.plan, p.lang
    _ = translator(lang)
    b = plan.budget
    out: dict[str, Any] = {
        "status": plan.status,
        "status_text": _(STATUS_LABELS[plan.status]),
        "lang": lang,
        "currency": "CNY",
        "today": plan.input.today.isoformat(),
        "budget": {"income": _y(b.income), "expenses": {k: _y(v) for k, v in b.expenses.items()},
                   "essentials": _y(b.essentials), "surplus": _y(b.surplus), "safety_margin": _y(b.margin),
                   "available": _y(b.available), "dependants": b.dependants},
        "owed": _y(plan.owed),
        "months": plan.months,
        "monthly_total": _y(plan.monthly_total),
        "total": _y(plan.total),
        "remaining": _y(plan.remaining),
        "waived": _y(plan.waived),
        "first_payment_date": plan.first_payment_date.isoformat() if plan.creditors else None,
        "last_payment_date": plan.last_payment_date.isoformat() if plan.last_payment_date else None,
        "creditors": [{
            "debt": c.index, "lender": c.debt.lender, "kind": c.debt.kind, "owed": _y(c.debt.owed),
            "basis": c.basis, "repaid_amount": _y(c.owed), "share": _y(c.share), "instalment": _y(c.instalment),
            "last_instalment": _y(c.last_instalment), "months": c.months, "limit_months": c.limit_months,
            "limit_basis": c.limit_citation, "within_limit": c.within_limit, "total": _y(c.total),
            "remaining": _y(c.remaining),
            "first_payment_date": c.first_date.isoformat() if c.first_date else None,
            "last_payment_date": c.last_date.isoformat() if c.last_date else None,
            "payments": [{"n": x.n, "date": x.date.isoformat(), "amount": _y(x.amount),
                          "balance_after": _y(x.balance_after)} for x in c.payments],
        } for c in plan.creditors],
        "month_totals": [{"n": i + 1, "date": d.isoformat(), "amount": _y(a)}
                         for i, (d, a) in enumerate(zip(plan.dates(), plan.month_totals()))],
        "checks": [{"code": f.code, "debt": f.debt, "lender": plan.input.debts[f.debt].lender,
                    "message": flag_message(f, plan.input, lang),
                    "params": {k: (_y(v) if k in ("received", "principal", "deducted", "charges") else v)
                               for k, v in f.params.items()},
                    "legal_basis": [{"id": r.id, "law": r.law, "article": r.article, "status": r.status}
                                    for r in legal_refs(p.kb, f.citations, lang)]
                    if p.kb is not None else [{"id": c} for c in f.citations]}
                   for f in p.flags],
        "letters": [{"debt": i // max(1, len(letter_languages(lang))), "lender": x.lender, "lang": x.lang,
                     "text": x.text} for i, x in enumerate(p.letters)],
    }
    if plan.status == "unaffordable":
        out["help"] = [_("Ask each lender to pause collection and interest for a few months: the letter below asks "
                         "for exactly that, with your budget."),
                       _("Get free legal advice: call 12348, the public legal services hotline, or ask there about "
                         "legal aid.")]
    return out
