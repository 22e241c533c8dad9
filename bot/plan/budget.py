"""Affordability: what a borrower can offer each month without going short of essentials.

surplus = income − essential expenses; a safety margin (10 % of the income, at least ¥100, or a fixed amount)
is kept back for the unexpected, as money advisers insist ("do not offer more than you can afford"); what is
left is `available` for all the creditors together. Below MIN_OFFER nothing is affordable, and the plan says
so instead of inventing a schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.plan.model import MIN_MARGIN_FEN, PlanInput

MIN_OFFER_FEN = 50_00      # below ¥50 a month for everything, an offer is not worth making


@dataclass(frozen=True)
class Budget:
    income: int
    expenses: dict[str, int]
    essentials: int
    surplus: int            # income − essentials (may be negative)
    margin: int             # kept back
    available: int          # offered to the creditors, all together, each month (≥ 0)
    dependants: int

    @property
    def affordable(self) -> bool:
        return self.available >= MIN_OFFER_FEN


def make_budget(inp: PlanInput) -> Budget:
    essentials = inp.essentials
    surplus = inp.income - essentials
    if inp.margin_fen is not None:
        margin = inp.margin_fen
    else:
        margin = max(int(round(inp.income * inp.margin_pct / 100)), MIN_MARGIN_FEN if inp.margin_pct > 0 else 0)
    margin = max(0, min(margin, max(surplus, 0)))
    available = max(0, surplus - margin)
    if available < MIN_OFFER_FEN:
        available_out = available
    else:
        available_out = available - available % 100     # whole yuan
    return Budget(income=inp.income, expenses=dict(inp.expenses), essentials=essentials, surplus=surplus,
                  margin=margin, available=available_out, dependants=inp.dependants)
