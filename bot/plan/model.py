"""The answers a plan is made from (the interview's answers and the CLI's INPUT.json share this one format).

A plan is for lenders of one jurisdiction (`jurisdiction`, default CN): its rules (knowledge/jurisdictions/<code>/
plan.yaml, bot.plan.rules) fix the currency, the lender kinds and the legal checks; an uncovered jurisdiction has
no legal checks and no currency but the one the user gave (`currency`).

Amounts are kept as integer cents (1/100 of the currency's unit: fen for yuan) for exact arithmetic.
`PlanInput.from_dict` accepts amounts as JSON numbers or as strings typed the way people type them (see
bot.plan.amounts; "12萬" is HK$120,000 in a Hong Kong plan) and reports every problem with its path
("debts[0].principal: ..."), never raising anything but PlanInputError.
"""

from __future__ import annotations

import datetime as dtm
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.config import LANGUAGES
from bot.plan.amounts import (
    YUAN,
    AmountError,
    Money,
    from_fen,
    parse_amount,
    parse_count,
    parse_months,
    parse_rate,
    to_fen,
    unmarked,
)
from bot.plan.rules import PlanRules, PlanRulesInvalid, money_of, rules_for

# the lender kinds of a plan for mainland China (the default), in the order the interview offers them; other
# jurisdictions offer theirs (PlanRules.lender_kinds)
DEBT_KINDS = ("credit_card", "consumer_finance", "online_platform", "bank_loan", "private", "other")
# every kind some jurisdiction offers; an uncovered jurisdiction accepts any of them (they change nothing there)
ALL_KINDS = DEBT_KINDS + ("money_lender", "cash_card", "debt_collector")
DEFAULT_JURISDICTION = "CN"
EXPENSE_KEYS = ("housing", "food", "transport", "medical", "children", "other_debts", "other")
HARDSHIP_REASONS = ("job_loss", "illness", "business_failure", "family_emergency", "other")

MAX_NAME = 80
MAX_DETAILS = 600
MAX_DEBTS = 10
DEFAULT_MAX_MONTHS = 60
MAX_ID = 30
MAX_PHONE = 40
MAX_ACCOUNT = 40
DEFAULT_MARGIN_PCT = 10.0  # kept back from the income for the unexpected (at least the currency's min_margin)


class PlanInputError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(value: Any, limit: int, *, multiline: bool = False) -> str:
    """User text made safe to print anywhere: no control or bidi characters, trimmed, at most `limit` chars.
    (HTML escaping is done where HTML is made, by Jinja2's autoescape or markupsafe.)"""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    if not multiline:
        text = " ".join(text.split())
    else:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.strip()


@dataclass
class Debt:
    lender: str
    kind: str = "other"
    principal: int = 0  # fen
    interest: int = 0
    penalties: int = 0
    fees: int = 0
    overdue_months: float | None = None  # how long overdue; None: not said
    overdue_over_year: bool = False  # "more than a year" (then overdue_months is None)
    annual_rate: float | None = None  # % a year, if the borrower knows it
    amount_received: int | None = None  # fen actually paid out, when less than the principal (砍头息)
    contract_date: dtm.date | None = None
    account: str = ""  # contract or card number, for the letter (only if the user gives it)

    @property
    def owed(self) -> int:
        return self.principal + self.interest + self.penalties + self.fees

    @property
    def owed_without_penalties_fees(self) -> int:
        return self.principal + self.interest

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "lender": self.lender,
            "kind": self.kind,
            "principal": _yuan(self.principal),
            "interest": _yuan(self.interest),
            "penalties": _yuan(self.penalties),
            "fees": _yuan(self.fees),
        }
        if self.overdue_months is not None:
            d["overdue_months"] = self.overdue_months
        if self.overdue_over_year:
            d["overdue_over_year"] = True
        if self.annual_rate is not None:
            d["annual_rate"] = self.annual_rate
        if self.amount_received is not None:
            d["amount_received"] = _yuan(self.amount_received)
        if self.contract_date is not None:
            d["contract_date"] = self.contract_date.isoformat()
        if self.account:
            d["account"] = self.account
        return d


@dataclass
class PlanInput:
    debts: list[Debt]
    income: int = 0  # fen a month
    expenses: dict[str, int] = field(default_factory=dict)
    dependants: int = 0
    hardship_reason: str = "other"
    hardship_details: str = ""
    lang: str = "zh-Hans"
    name: str = ""
    today: dtm.date = field(default_factory=dtm.date.today)
    first_payment_date: dtm.date | None = None
    margin_pct: float = DEFAULT_MARGIN_PCT
    margin_fen: int | None = None  # a fixed safety margin instead of the percentage
    max_months: int = DEFAULT_MAX_MONTHS
    lpr: float | None = None  # CN only: the one-year LPR of the 4 × LPR check
    lpr_date: str = ""
    jurisdiction: str = DEFAULT_JURISDICTION  # where the lenders are: CN, US, HK, TW, or an uncovered code
    currency: str = ""  # ISO code; a covered jurisdiction's own, or the user's
    id_number: str = ""  # printed in the letter only if the user gives it
    phone: str = ""

    def __post_init__(self) -> None:
        rules = self.rules
        if rules is not None:
            self.currency = rules.currency.code
            if rules.lpr is not None and self.lpr is None:
                self.lpr, self.lpr_date = rules.lpr.rate, rules.lpr.date

    @property
    def rules(self) -> PlanRules | None:
        """The plan rules of the jurisdiction (None: uncovered, no legal checks)."""
        return rules_for(self.jurisdiction)

    @property
    def money(self) -> Money:
        rules = self.rules
        return money_of(rules) if rules is not None else unmarked(self.currency)

    def fmt(self, cents: int, lang: str) -> str:
        """An amount written in the plan's currency, as `lang` writes it."""
        return self.money.format(int(cents), lang)

    @property
    def essentials(self) -> int:
        return sum(self.expenses.values())

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "lang": self.lang,
            "today": self.today.isoformat(),
            "income": _yuan(self.income),
            "expenses": {k: _yuan(v) for k, v in self.expenses.items()},
            "dependants": self.dependants,
            "hardship": {"reason": self.hardship_reason, "details": self.hardship_details},
            "debts": [d.to_dict() for d in self.debts],
            "max_months": self.max_months,
            "jurisdiction": self.jurisdiction,
        }
        if self.lpr is not None and self.rules is not None and self.rules.lpr is not None:
            d["lpr"] = self.lpr
        if self.currency:
            d["currency"] = self.currency
        for key in ("name", "id_number", "phone"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        if self.name:
            d["name"] = self.name
        if self.first_payment_date:
            d["first_payment_date"] = self.first_payment_date.isoformat()
        if self.margin_fen is not None:
            d["safety_margin"] = _yuan(self.margin_fen)
        elif self.margin_pct != DEFAULT_MARGIN_PCT:
            d["safety_margin"] = f"{self.margin_pct:g}%"
        return d

    @classmethod
    def from_dict(cls, data: Any) -> PlanInput:
        """Validate answers (INPUT.json or the interview's). Raises PlanInputError listing every problem."""
        errors: list[str] = []
        if not isinstance(data, dict):
            raise PlanInputError(["the input must be a JSON object"])
        known = {
            "lang",
            "name",
            "today",
            "income",
            "expenses",
            "dependants",
            "hardship",
            "debts",
            "first_payment_date",
            "safety_margin",
            "max_months",
            "lpr",
            "lpr_date",
            "jurisdiction",
            "currency",
            "id_number",
            "phone",
        }
        for key in data:
            if key not in known:
                errors.append(f"{key}: unknown field (known: {', '.join(sorted(known))})")
        jurisdiction = str(data.get("jurisdiction") or DEFAULT_JURISDICTION).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", jurisdiction):
            errors.append("jurisdiction: a two-letter country or region code (CN, US, HK, TW, …)")
            jurisdiction = DEFAULT_JURISDICTION
        try:
            rules = rules_for(jurisdiction)
        except PlanRulesInvalid as exc:
            raise PlanInputError(
                [f"jurisdiction: the plan rules of {jurisdiction} are invalid: {e.describe()}" for e in exc.errors]
            ) from None
        currency = str(data.get("currency") or "").strip().upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            errors.append("currency: an ISO 4217 code such as CNY, USD, HKD, TWD")
            currency = ""
        if rules is not None and currency and currency != rules.currency.code:
            errors.append(f"currency: a plan for lenders in {jurisdiction} is in {rules.currency.code}, not {currency}")
        money = money_of(rules) if rules is not None else unmarked(currency)
        kinds = tuple(rules.lender_kinds) if rules is not None else ALL_KINDS
        lang = data.get("lang") or "zh-Hans"
        if lang not in LANGUAGES:
            errors.append(f"lang: must be one of {', '.join(LANGUAGES)}")
            lang = "zh-Hans"
        today = _date(data.get("today"), "today", errors) or dtm.date.today()
        income = _amount(data.get("income", 0), "income", errors, money=money)
        expenses: dict[str, int] = {}
        raw_exp = data.get("expenses") or {}
        if isinstance(raw_exp, (int, float, str)) and not isinstance(raw_exp, bool):
            expenses["other"] = _amount(raw_exp, "expenses", errors, money=money)
        elif isinstance(raw_exp, dict):
            for k, v in raw_exp.items():
                if k not in EXPENSE_KEYS:
                    errors.append(f"expenses.{k}: unknown category (known: {', '.join(EXPENSE_KEYS)})")
                    continue
                if v is None:
                    continue
                expenses[k] = _amount(v, f"expenses.{k}", errors, money=money)
        else:
            errors.append("expenses: must be an object of categories or one amount")
        dependants = 0
        raw_dep = data.get("dependants", 0)
        try:
            dependants = (
                raw_dep
                if isinstance(raw_dep, int) and not isinstance(raw_dep, bool) and 0 <= raw_dep <= 30
                else parse_count(str(raw_dep))
            )
        except AmountError:
            errors.append("dependants: must be a whole number from 0 to 30")
        hardship = data.get("hardship") or {}
        if isinstance(hardship, str):
            hardship = {"reason": hardship}
        if not isinstance(hardship, dict):
            errors.append("hardship: must be an object {reason, details}")
            hardship = {}
        reason = hardship.get("reason") or "other"
        if reason not in HARDSHIP_REASONS:
            errors.append(f"hardship.reason: must be one of {', '.join(HARDSHIP_REASONS)}")
            reason = "other"
        details = clean_text(hardship.get("details") or "", MAX_DETAILS, multiline=True)
        debts: list[Debt] = []
        raw_debts = data.get("debts")
        if not isinstance(raw_debts, list) or not raw_debts:
            errors.append("debts: must be a non-empty list")
            raw_debts = []
        if len(raw_debts) > MAX_DEBTS:
            errors.append(f"debts: at most {MAX_DEBTS}")
        for i, raw in enumerate(raw_debts[:MAX_DEBTS]):
            debts.append(_debt(raw, f"debts[{i}]", errors, money, kinds))
        first = _date(data.get("first_payment_date"), "first_payment_date", errors)
        if first is not None and first < today:
            errors.append("first_payment_date: must not be before today")
        margin_pct, margin_fen = DEFAULT_MARGIN_PCT, None
        raw_margin = data.get("safety_margin")
        if raw_margin is not None:
            if isinstance(raw_margin, str) and raw_margin.strip().endswith("%"):
                try:
                    margin_pct = float(Decimal(raw_margin.strip().rstrip("%")))
                    if not 0 <= margin_pct <= 90:
                        raise ValueError
                except (ArithmeticError, ValueError):
                    errors.append("safety_margin: a percentage from 0% to 90%, or an amount")
            else:
                margin_fen = _amount(raw_margin, "safety_margin", errors, money=money)
        max_months = data.get("max_months", DEFAULT_MAX_MONTHS)
        if not isinstance(max_months, int) or isinstance(max_months, bool) or not 1 <= max_months <= 360:
            errors.append("max_months: a whole number from 1 to 360")
            max_months = DEFAULT_MAX_MONTHS
        lpr: float | None = None
        lpr_date = ""
        if "lpr" in data or "lpr_date" in data:
            if rules is None or rules.lpr is None:
                errors.append(f"lpr: the 4 × LPR check is for lenders in mainland China (CN), not {jurisdiction}")
            else:
                raw_lpr = data.get("lpr", rules.lpr.rate)
                if not isinstance(raw_lpr, (int, float)) or isinstance(raw_lpr, bool) or not 0 < raw_lpr < 20:
                    errors.append("lpr: the one-year LPR in % (e.g. 3.0)")
                else:
                    lpr = float(raw_lpr)
                    lpr_date = str(data.get("lpr_date") or (rules.lpr.date if "lpr" not in data else ""))
        if errors:
            raise PlanInputError(errors)
        return cls(
            debts=debts,
            income=income,
            expenses=expenses,
            dependants=dependants,
            hardship_reason=reason,
            hardship_details=details,
            lang=lang,
            name=clean_text(data.get("name") or "", MAX_NAME),
            today=today,
            first_payment_date=first,
            margin_pct=margin_pct,
            margin_fen=margin_fen,
            max_months=max_months,
            lpr=lpr,
            lpr_date=lpr_date,
            jurisdiction=jurisdiction,
            currency=currency,
            id_number=clean_text(data.get("id_number") or "", MAX_ID),
            phone=clean_text(data.get("phone") or "", MAX_PHONE),
        )


def _yuan(fen: int) -> float | int:
    d = from_fen(fen)
    return int(d) if d == d.to_integral() else float(d)


def _amount(value: Any, path: str, errors: list[str], *, optional: bool = False, money: Money = YUAN) -> int:
    if value is None or value == "":
        if optional:
            return 0
        errors.append(f"{path}: missing")
        return 0
    if isinstance(value, bool):
        errors.append(f"{path}: must be an amount")
        return 0
    try:
        if isinstance(value, (int, float)):
            if value < 0:
                raise AmountError("negative", str(value))
            return to_fen(Decimal(str(value)))
        return to_fen(parse_amount(str(value), money=money))
    except AmountError as exc:
        errors.append(f"{path}: not an amount ({exc.code}): {value!r}")
        return 0


def _date(value: Any, path: str, errors: list[str]) -> dtm.date | None:
    if value in (None, ""):
        return None
    try:
        return dtm.date.fromisoformat(str(value))
    except ValueError:
        errors.append(f"{path}: a date as YYYY-MM-DD")
        return None


def _debt(raw: Any, path: str, errors: list[str], money: Money = YUAN, kinds: tuple[str, ...] = DEBT_KINDS) -> Debt:
    if not isinstance(raw, dict):
        errors.append(f"{path}: must be an object")
        return Debt(lender="?")
    known = {
        "lender",
        "kind",
        "principal",
        "interest",
        "penalties",
        "fees",
        "overdue_months",
        "overdue_over_year",
        "annual_rate",
        "amount_received",
        "contract_date",
        "account",
    }
    for key in raw:
        if key not in known:
            errors.append(f"{path}.{key}: unknown field (known: {', '.join(sorted(known))})")
    lender = clean_text(raw.get("lender") or "", MAX_NAME)
    if not lender:
        errors.append(f"{path}.lender: missing")
    kind = raw.get("kind") or "other"
    if kind not in kinds:
        errors.append(f"{path}.kind: must be one of {', '.join(kinds)}")
        kind = "other"
    d = Debt(
        lender=lender or "?",
        kind=kind,
        principal=_amount(raw.get("principal"), f"{path}.principal", errors, money=money),
        interest=_amount(raw.get("interest"), f"{path}.interest", errors, optional=True, money=money),
        penalties=_amount(raw.get("penalties"), f"{path}.penalties", errors, optional=True, money=money),
        fees=_amount(raw.get("fees"), f"{path}.fees", errors, optional=True, money=money),
        account=clean_text(raw.get("account") or "", MAX_ACCOUNT),
    )
    if d.owed <= 0 and "principal" in raw:
        errors.append(f"{path}: the amount owed must be more than 0")
    om = raw.get("overdue_months")
    if om is not None:
        try:
            d.overdue_months = (
                float(om) if isinstance(om, (int, float)) and not isinstance(om, bool) else parse_months(str(om))
            )
            if d.overdue_months < 0:
                raise AmountError("negative")
        except AmountError:
            errors.append(f"{path}.overdue_months: a number of months")
    d.overdue_over_year = bool(raw.get("overdue_over_year", False))
    rate = raw.get("annual_rate")
    if rate is not None:
        try:
            d.annual_rate = (
                float(rate) if isinstance(rate, (int, float)) and not isinstance(rate, bool) else parse_rate(str(rate))
            )
            if not 0 <= d.annual_rate <= 1000:
                raise AmountError("too_large")
        except AmountError:
            errors.append(f'{path}.annual_rate: a yearly rate in % (e.g. 18 or "18%")')
    if raw.get("amount_received") is not None:
        d.amount_received = _amount(raw.get("amount_received"), f"{path}.amount_received", errors, money=money)
    d.contract_date = _date(raw.get("contract_date"), f"{path}.contract_date", errors)
    return d
