"""Charges checked against the lines of the lenders' jurisdiction, and what of each debt is not in dispute.

The rules are data (knowledge/jurisdictions/<code>/plan.yaml, bot.plan.rules); nothing here knows a rate. For
each debt:
- interest deducted upfront: where the law says only the amount received is principal (CN, 民法典 670), the
  deducted part is disputed; where it only counts toward the interest limit (TW, 民法 206), the lender is asked
  to count it so;
- the yearly rate (given, or estimated from the contract date or the months overdue) against each interest line
  for that kind of lender. A line with effect `excess_not_owed` makes the charges it covers above its lawful rate
  disputed, when they can be worked out (a rate the user gave, or a contract date); `review` and `reference`
  lines ask the lender to justify and reduce (a reference line is never given a legal basis); `none` lines are
  for the borrower's own screen only. A line for licensed-or-not lenders (`conditional_kinds`) is worded "only
  if you are not licensed", a line that depends on the contract date "if the agreement was made on or after…".
The proposal is then built on the undisputed amount (`Position.undisputed`): principal actually received plus
lawful charges; the disputed part is stated separately in the letter with its legal basis. An uncovered
jurisdiction has no checks and nothing disputed.
"""

from __future__ import annotations

import datetime as dtm
import math
from dataclasses import dataclass, field
from typing import Any

from bot.plan.model import Debt, PlanInput
from bot.plan.rules import InterestLine, PlanRules, cite_ids

COMPONENT_ORDER = ("penalties", "fees", "interest")  # the most contestable charges are reduced first


@dataclass(frozen=True)
class Flag:
    code: str  # upfront_interest | charges_estimate | an interest line's code (above_4x_lpr, …)
    debt: int  # index of the debt
    params: dict[str, Any] = field(default_factory=dict)
    citations: tuple[str, ...] = ()
    audience: str = "letter"  # letter | user (the borrower's screen only)
    effect: str = "none"  # upfront | estimate | excess_not_owed | review | reference | none
    conditional: bool = False  # applies only if the lender is not a licensed institution
    undated: bool = False  # depends on the date of the contract, which the user did not give


@dataclass(frozen=True)
class Dispute:
    """A part of the amount claimed that the letter disputes rather than proposes to pay."""

    code: str  # upfront_interest or the interest line's code
    amount: int  # cents
    citations: tuple[str, ...] = ()
    conditional: bool = False
    undated: bool = False
    estimated: bool = False  # the lawful charges are an estimate (the lender is asked to recalculate)


@dataclass(frozen=True)
class Position:
    """A debt as claimed, and the part of it the borrower does not dispute (the plan repays that part)."""

    debt: Debt
    principal: int
    interest: int
    penalties: int
    fees: int
    disputes: tuple[Dispute, ...] = ()
    questioned: bool = False  # charges the lender is asked to justify or reduce (any reduction shortens the plan)

    @property
    def claimed(self) -> int:
        return self.debt.owed

    @property
    def undisputed(self) -> int:
        return self.principal + self.interest + self.penalties + self.fees

    @property
    def disputed(self) -> int:
        return self.claimed - self.undisputed

    @property
    def without_penalties_fees(self) -> int:
        return self.principal + self.interest

    @property
    def charges(self) -> int:
        return self.interest + self.penalties + self.fees


@dataclass(frozen=True)
class Assessment:
    flags: list[Flag]
    positions: list[Position]


def _months_between(a: dtm.date, b: dtm.date) -> float:
    return (b - a).days / 30.4


def _estimated_rate(d: Debt, today: dtm.date) -> tuple[float, str] | None:
    """A rough yearly cost of the charges when no rate is given: over the time since the contract, or else over the
    months overdue (only when the duration is known)."""
    charges = d.interest + d.penalties + d.fees
    if charges <= 0 or d.principal <= 0:
        return None
    if d.contract_date is not None and (today - d.contract_date).days >= 30:
        years = (today - d.contract_date).days / 365
        return charges / d.principal / years * 100, "contract"
    if d.overdue_months and d.overdue_months >= 1:
        return charges / d.principal / (d.overdue_months / 12) * 100, "overdue"
    return None


def _window(line: InterestLine, d: Debt) -> tuple[bool, bool]:
    """(applies, undated) for the line's contract-date window."""
    if line.contracts_from is None and line.contracts_before is None:
        return True, False
    if d.contract_date is None:
        # an older line needs a contract known to be old; a current one applies, worded "if made on or after"
        return line.contracts_before is None, True
    if line.contracts_from and d.contract_date < line.contracts_from:
        return False, False
    if line.contracts_before and d.contract_date >= line.contracts_before:
        return False, False
    return True, False


def _reaches_back(d: Debt, since: dtm.date, today: dtm.date) -> bool:
    """Could the charges claimed include interest that fell due before `since`? (Then they are not worked out.)"""
    if d.contract_date is not None and d.contract_date >= since:
        return False
    if d.overdue_months is not None and not d.overdue_over_year:
        return d.overdue_months >= _months_between(since, today)
    return True


def _ceil_unit(cents: float) -> int:
    return int(math.ceil(round(cents, 6) / 100)) * 100


def assess(inp: PlanInput) -> Assessment:
    rules = inp.rules
    flags: list[Flag] = []
    positions: list[Position] = []
    for i, d in enumerate(inp.debts):
        if rules is None:
            positions.append(Position(d, d.principal, d.interest, d.penalties, d.fees))
            continue
        f, p = _assess_debt(i, d, inp, rules)
        flags.extend(f)
        positions.append(p)
    return Assessment(flags, positions)


def check_charges(inp: PlanInput) -> list[Flag]:
    return assess(inp).flags


def _assess_debt(i: int, d: Debt, inp: PlanInput, rules: PlanRules) -> tuple[list[Flag], Position]:
    flags: list[Flag] = []
    disputes: list[Dispute] = []
    questioned = False
    principal = d.principal
    parts = {"interest": d.interest, "penalties": d.penalties, "fees": d.fees}
    up = rules.upfront_interest
    if up is not None and d.amount_received is not None and 0 < d.amount_received < d.principal:
        deducted = d.principal - d.amount_received
        cites = tuple(cite_ids(up.citations, d.kind))
        flags.append(
            Flag(
                "upfront_interest",
                i,
                {"received": d.amount_received, "principal": d.principal, "deducted": deducted},
                cites,
                effect="upfront",
            )
        )
        if up.principal == "received":
            principal = d.amount_received
            disputes.append(Dispute("upfront_interest", deducted, cites))
        else:
            questioned = True
    rate: float | None = d.annual_rate
    basis = "given"
    if rate is None:
        est = _estimated_rate(d, inp.today)
        if est is not None:
            rate, basis = est
    if rate is None:
        return flags, Position(
            d, principal, parts["interest"], parts["penalties"], parts["fees"], tuple(disputes), questioned
        )
    estimated = basis != "given"
    crossed: list[tuple[InterestLine, bool]] = []
    for line in rules.interest_lines:
        if d.kind not in line.kinds:
            continue
        applies, undated = _window(line, d)
        if applies and rate > line.line_rate(inp.lpr):
            crossed.append((line, undated))
    codes = {line.code for line, _ in crossed}
    shown = [(line, undated) for line, undated in crossed if not set(line.unless_crossed) & codes]
    rate_flags = []
    for line, undated in shown:
        conditional = d.kind in line.conditional_kinds
        since = line.contracts_from or line.interest_due_from or line.contracts_before
        params = {
            "rate": round(rate, 1 if estimated else 2),
            "estimated": estimated,
            "cap": line.line_rate(inp.lpr),
            "kind": d.kind,
            "conditional": conditional,
            "undated": undated,
            "since": since.isoformat() if since else None,
        }
        if line.lpr_times is not None:
            params.update(lpr=inp.lpr, lpr_date=inp.lpr_date)
        rate_flags.append(
            Flag(
                line.code,
                i,
                params,
                tuple(cite_ids(line.citations, d.kind)),
                line.audience,
                line.effect,
                conditional,
                undated,
            )
        )
        if line.effect in ("review", "reference") and line.audience == "letter":
            questioned = True
    if rate_flags and estimated:
        flags.append(
            Flag(
                "charges_estimate",
                i,
                {
                    "rate": round(rate, 1),
                    "charges": d.interest + d.penalties + d.fees,
                    "principal": d.principal,
                    "months": d.overdue_months,
                    "basis": basis,
                },
                effect="estimate",
                audience="user",
            )
        )
    flags.extend(rate_flags)
    # the charges above an excess_not_owed line are disputed, when they can be worked out
    best: tuple[int, InterestLine, bool, int] | None = None  # (lawful, line, undated, covered)
    for line, undated in shown:
        if line.effect != "excess_not_owed":
            continue
        workable = d.annual_rate is not None or d.contract_date is not None
        if line.interest_due_from is not None and _reaches_back(d, line.interest_due_from, inp.today):
            workable = False
        covered = sum(parts[c] for c in line.covers)
        if not workable:
            questioned = True
            continue
        owed_rate = line.owed_rate(inp.lpr)
        bounds = []
        if d.annual_rate:
            bounds.append(covered * owed_rate / d.annual_rate * principal / d.principal)
        if d.contract_date is not None:
            years = max((inp.today - d.contract_date).days, 0) / 365
            bounds.append(principal * owed_rate / 100 * years)
        if not bounds:
            questioned = True
            continue
        lawful = min(_ceil_unit(min(bounds)), covered)
        if lawful < covered and (best is None or covered - lawful > best[3] - best[0]):
            best = (lawful, line, undated, covered)
    if best is not None:
        lawful, line, undated, covered = best
        excess = covered - lawful
        remaining = excess
        for comp in COMPONENT_ORDER:
            if comp in line.covers and remaining > 0:
                cut = min(parts[comp], remaining)
                parts[comp] -= cut
                remaining -= cut
        disputes.append(
            Dispute(
                line.code,
                excess,
                tuple(cite_ids(line.citations, d.kind)),
                d.kind in line.conditional_kinds,
                undated,
                estimated=line.owed_rate(inp.lpr) > 0,
            )
        )
    return flags, Position(
        d, principal, parts["interest"], parts["penalties"], parts["fees"], tuple(disputes), questioned
    )
