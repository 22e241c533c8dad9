"""Charges that look above the legal lines, so the borrower can dispute them in the letter.

Worded with care, as the research sheet requires (../shared/research/cn_law.md 9.1-9.4):
- 4 × the one-year LPR at the date of the contract is the cap of the private-lending rules (民间借贷规定
  arts. 25, 28, 29). Licensed financial institutions are OUTSIDE those rules (art. 1(2)), so for a credit
  card, a bank or a consumer-finance company this line is not applied; for an online platform or "other" it
  applies only if the lender is not a licensed institution. The latest one-year LPR found is 3.0 % (published
  2026-01-20); the cap uses the LPR of the contract date, which the borrower should check.
- 24 % a year for licensed lenders is a line that is often cited (window guidance, a reading of a 2025
  notice); it is NOT a confirmed legal cap and is never presented as one (no citation is attached).
- 36 % a year is the line of the 2019 opinion on illegal lending (unlicensed lenders who lend habitually).
- Interest deducted upfront (砍头息) is not allowed: only the amount received is principal (民法典 670).
Each check names knowledge-base citation ids; the text of the law comes from the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.plan.model import Debt, PlanInput

LINE_24 = 24.0
LINE_36 = 36.0


@dataclass(frozen=True)
class Flag:
    code: str                 # upfront_interest | above_4x_lpr | above_24_line | above_36_line | charges_estimate
    debt: int                 # index of the debt
    params: dict[str, Any] = field(default_factory=dict)
    citations: tuple[str, ...] = ()


def _rate_flags(i: int, d: Debt, rate: float, inp: PlanInput, estimated: bool) -> list[Flag]:
    out: list[Flag] = []
    cap = round(4 * inp.lpr, 2)
    base = {"rate": round(rate, 2), "estimated": estimated, "lpr": inp.lpr, "lpr_date": inp.lpr_date, "cap": cap,
            "kind": d.kind}
    if not d.licensed and rate > cap:
        # private lending squarely; online platforms and "other" only if the lender is not licensed
        out.append(Flag("above_4x_lpr", i, {**base, "conditional": d.kind != "private"},
                        ("cn.private_lending_prov_2020.25", "cn.private_lending_prov_2020.29",
                         "cn.private_lending_prov_2020.1")))
    if d.kind != "private" and rate > LINE_24:
        out.append(Flag("above_24_line", i, dict(base)))
    if not d.licensed and rate > LINE_36:
        out.append(Flag("above_36_line", i, dict(base), ("cn.illegal_lending_opinion.2",)))
    return out


def check_charges(inp: PlanInput) -> list[Flag]:
    flags: list[Flag] = []
    for i, d in enumerate(inp.debts):
        if d.amount_received is not None and 0 < d.amount_received < d.principal:
            cites = ("cn.civil_code.670",) + (("cn.private_lending_prov_2020.26",) if not d.licensed else ())
            flags.append(Flag("upfront_interest", i, {"received": d.amount_received, "principal": d.principal,
                                                      "deducted": d.principal - d.amount_received}, cites))
        if d.annual_rate is not None:
            flags.extend(_rate_flags(i, d, d.annual_rate, inp, estimated=False))
            continue
        # no rate given: a rough yearly cost of the charges added while overdue (only when the duration is known)
        charges = d.interest + d.penalties + d.fees
        months = d.overdue_months
        if charges > 0 and d.principal > 0 and months and months >= 1:
            rate = charges / d.principal / (months / 12) * 100
            estimate = _rate_flags(i, d, rate, inp, estimated=True)
            if estimate:
                flags.append(Flag("charges_estimate", i, {"rate": round(rate, 1), "charges": charges,
                                                          "principal": d.principal, "months": months}))
                flags.extend(estimate)
    return flags
