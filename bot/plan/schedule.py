"""The repayment schedule: equal monthly instalments that fit the budget, shared pro rata between creditors.

For each creditor: share = the available money × (what it is owed / what all are owed), in whole yuan, the
shares adding up to the available money exactly (largest remainders). The number of months is
ceil(owed / share); the instalment is the owed amount spread evenly over those months, rounded up to a whole
yuan (so never above the share), and the last instalment takes what is left (never more than the others).
So, by construction: the instalments add up to the amount owed, no month asks for more than the available
money, the dates are strictly increasing, and the shares add up to the available money.

What is repaid is each debt's undisputed amount (bot.plan.checks.Position: principal actually received plus
lawful charges); the disputed part is not scheduled, the letter states it separately.

Limits come from the jurisdiction's rules: in mainland China a credit-card debt can be put on a personalised
instalment agreement of at most 5 years (60 months) under the credit-card rules, art. 70 (the bank *may*
agree; it is not obliged to). For other debts no legal limit applies; the plan keeps to `max_months` (60 by
default) because a longer plan is rarely accepted and rarely kept. When the full amount does not fit, the plan
tries again without penalty interest and fees (which the letter asks the lender to waive); when that does not
fit either, it says the debt cannot be cleared within the limits and shows what would still be owed at the end.
"""

from __future__ import annotations

import calendar
import datetime as dtm
import hashlib
from dataclasses import dataclass, field

from bot.plan.budget import Budget, make_budget
from bot.plan.checks import Flag, Position, assess
from bot.plan.model import Debt, PlanInput
from bot.plan.rules import PlanRules

# status of a plan
OK = "ok"  # every debt cleared in full within the limits
OK_IF_WAIVED = "ok_if_waived"  # cleared within the limits if penalty interest and fees are waived
EXCEEDS = "exceeds_limit"  # cannot be cleared within the limits even then
UNAFFORDABLE = "unaffordable"  # nothing left to offer after essentials and the safety margin


@dataclass(frozen=True)
class Payment:
    n: int
    date: dtm.date
    amount: int  # fen
    balance_after: int  # fen still owed to this creditor after the payment


@dataclass
class CreditorPlan:
    index: int  # position of the debt in the input
    debt: Debt
    basis: str  # "full" | "without_penalties_fees"
    owed: int  # what the schedule repays in full (fen)
    share: int  # this creditor's monthly share of the available money (fen)
    instalment: int  # the equal monthly instalment (fen)
    months: int  # number of payments in the schedule
    limit_months: int
    limit_citation: str | None
    needed_months: int  # months needed to clear `owed` at `share` (may exceed the limit)
    payments: list[Payment] = field(default_factory=list)
    position: Position | None = None

    @property
    def within_limit(self) -> bool:
        return self.needed_months <= self.limit_months

    @property
    def total(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def remaining(self) -> int:
        """Still owed after the last scheduled payment (0 when the schedule clears the debt)."""
        return self.owed - self.total

    @property
    def last_instalment(self) -> int:
        return self.payments[-1].amount if self.payments else 0

    @property
    def first_date(self) -> dtm.date | None:
        return self.payments[0].date if self.payments else None

    @property
    def last_date(self) -> dtm.date | None:
        return self.payments[-1].date if self.payments else None


@dataclass
class Plan:
    input: PlanInput
    budget: Budget
    status: str
    creditors: list[CreditorPlan]
    first_payment_date: dtm.date
    positions: list[Position] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def months(self) -> int:
        return max((c.months for c in self.creditors), default=0)

    @property
    def monthly_total(self) -> int:
        """The largest amount any month asks for (the first month's, since instalments only shrink)."""
        return max(self.month_totals(), default=0)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.creditors)

    @property
    def owed(self) -> int:
        """What the plan is built on: the undisputed amounts (principal received plus lawful charges)."""
        return sum(p.undisputed for p in self.positions)

    @property
    def claimed(self) -> int:
        """What the lenders claim (the amounts the user gave)."""
        return sum(d.owed for d in self.input.debts)

    @property
    def disputed(self) -> int:
        return self.claimed - self.owed

    @property
    def remaining(self) -> int:
        return sum(c.remaining for c in self.creditors)

    @property
    def last_payment_date(self) -> dtm.date | None:
        dates = [c.last_date for c in self.creditors if c.last_date]
        return max(dates) if dates else None

    @property
    def waived(self) -> int:
        """Penalty interest and fees the plan assumes waived (status ok_if_waived)."""
        return sum((c.position.undisputed if c.position else c.debt.owed) - c.owed for c in self.creditors)

    def month_totals(self) -> list[int]:
        totals = [0] * self.months
        for c in self.creditors:
            for p in c.payments:
                totals[p.n - 1] += p.amount
        return totals

    def dates(self) -> list[dtm.date]:
        return [add_months(self.first_payment_date, i) for i in range(self.months)]


def add_months(start: dtm.date, months: int) -> dtm.date:
    """The same day `months` later, or the last day of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    return dtm.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def default_first_payment(today: dtm.date) -> dtm.date:
    """A month from today: time to send the proposal and hear back before the first payment."""
    return add_months(today, 1)


def pro_rata(total: int, weights: list[int], unit: int = 100) -> list[int]:
    """`total` split in proportion to `weights`, in multiples of `unit`, by largest remainders; the parts add
    up to `total` rounded down to the unit. A positive weight gets at least one unit when there are enough."""
    units = total // unit
    wsum = sum(weights)
    if wsum <= 0 or units <= 0:
        return [0] * len(weights)
    exact = [units * w / wsum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), -weights[i], i))
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    # nobody owed something gets nothing, when that can be avoided: take a unit from the largest part
    for i, w in enumerate(weights):
        if w > 0 and parts[i] == 0:
            j = max(range(len(parts)), key=lambda k: parts[k])
            if parts[j] > 1:
                parts[j] -= 1
                parts[i] += 1
    return [p * unit for p in parts]


def _limit(debt: Debt, max_months: int, rules: PlanRules | None) -> tuple[int, str | None]:
    """The longest schedule: the jurisdiction's instalment rule for this kind of debt (with its citation), or
    the practical limit `max_months` when that is shorter or there is no rule."""
    rule = rules.instalments_for(debt.kind) if rules is not None else None
    if rule is not None and max_months >= rule.max_months:
        return rule.max_months, rule.citations[0].id
    return max_months, None


def _creditor_schedule(
    index: int,
    debt: Debt,
    basis: str,
    owed: int,
    share: int,
    first: dtm.date,
    max_months: int,
    rules: PlanRules | None = None,
) -> CreditorPlan:
    limit, citation = _limit(debt, max_months, rules)
    if owed <= 0:
        return CreditorPlan(index, debt, basis, owed, share, 0, 0, limit, citation, 0, [])
    if share <= 0:
        return CreditorPlan(index, debt, basis, owed, 0, 0, 0, limit, citation, 10**6, [])
    needed = -(-owed // share)
    months = min(needed, limit)
    if needed <= limit:
        # spread evenly, rounded up to a whole yuan when the share is in whole yuan (never above the share)
        per = -(-owed // months)
        if share % 100 == 0:
            per = -(-per // 100) * 100
        instalment = min(per, share)
    else:
        instalment = share
    payments: list[Payment] = []
    balance = owed
    for n in range(1, months + 1):
        amount = min(instalment, balance)
        if n == months and needed <= limit:
            amount = balance
        balance -= amount
        payments.append(Payment(n, add_months(first, n - 1), amount, balance))
    return CreditorPlan(index, debt, basis, owed, share, instalment, months, limit, citation, needed, payments)


def make_plan(inp: PlanInput) -> Plan:
    """The plan for these answers (never raises for valid input)."""
    budget = make_budget(inp)
    first = inp.first_payment_date or default_first_payment(inp.today)
    assessment = assess(inp)
    positions = assessment.positions
    if not budget.affordable:
        return Plan(inp, budget, UNAFFORDABLE, [], first, positions, assessment.flags)
    rules = inp.rules
    attempts = (
        ("full", [p.undisputed for p in positions]),
        ("without_penalties_fees", [p.without_penalties_fees for p in positions]),
    )
    result: list[CreditorPlan] = []
    status = EXCEEDS
    for n, (basis, owed) in enumerate(attempts):
        shares = pro_rata(budget.available, owed)
        creditors = [
            _creditor_schedule(i, d, basis, owed[i], shares[i], first, inp.max_months, rules)
            for i, d in enumerate(inp.debts)
        ]
        for c in creditors:
            c.position = positions[c.index]
        if all(c.within_limit for c in creditors):
            status = OK if n == 0 else OK_IF_WAIVED
            result = creditors
            break
        if n == 0:
            result = creditors  # shown when nothing fits: the full amounts, up to the limits
    if status == OK_IF_WAIVED and all(c.basis == "full" or positions[c.index].undisputed == c.owed for c in result):
        status = OK
    return Plan(inp, budget, status, result, first, positions, assessment.flags)


def plan_id(plan: Plan) -> str:
    """A stable id of the plan (same answers, same id): the UIDs of its calendar events, its saved copy."""
    raw = repr(plan.input.to_dict()).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:16]
