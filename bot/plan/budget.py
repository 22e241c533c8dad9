"""Affordability: what a borrower can offer each month without going short of essentials.

surplus = income − essential expenses; a safety margin (10 % of the income, at least the currency's
min_margin, e.g. ¥100, or a fixed amount) is kept back for the unexpected, as money advisers insist ("do not
offer more than you can afford"); what is left, in whole units of the currency, is `available` for all the
creditors together. Below the currency's min_offer (¥50) nothing is affordable, and the plan says so instead
of inventing a schedule. The margin is for the borrower's own screen: the letters never mention it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.plan.model import PlanInput


@dataclass(frozen=True)
class Budget:
    income: int
    expenses: dict[str, int]
    essentials: int
    surplus: int  # income − essentials (may be negative)
    margin: int  # kept back
    available: int  # offered to the creditors, all together, each month (≥ 0)
    dependants: int
    min_offer: int = 50_00  # below this a month for everything, an offer is not worth making

    @property
    def affordable(self) -> bool:
        return self.available >= self.min_offer


def make_budget(inp: PlanInput) -> Budget:
    money = inp.money
    essentials = inp.essentials
    surplus = inp.income - essentials
    if inp.margin_fen is not None:
        margin = inp.margin_fen
    else:
        margin = max(int(round(inp.income * inp.margin_pct / 100)), money.min_margin if inp.margin_pct > 0 else 0)
    margin = max(0, min(margin, max(surplus, 0)))
    available = max(0, surplus - margin)
    if available < money.min_offer:
        available_out = available
    else:
        available_out = available - available % 100  # whole yuan
    return Budget(
        income=inp.income,
        expenses=dict(inp.expenses),
        essentials=essentials,
        surplus=surplus,
        margin=margin,
        available=available_out,
        dependants=inp.dependants,
        min_offer=money.min_offer,
    )
