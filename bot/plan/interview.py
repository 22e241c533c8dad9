"""The /plan interview without Telegram: steps, validation, review, edit, resume (flow: handlers/plan.mmd).

The state of one interview is an `InterviewState` (a dataclass, stored as JSON by the handler). Every move
returns a `Turn`: the replies to send (`Reply` and `Button` of bot.dialogue, as the dialogue does), the new
state (None once the interview is over and its answers are to be deleted), and whether the user asked for the
plan. handlers/plan.py maps Telegram updates to these calls and the turns back to messages.
"""

from __future__ import annotations

import copy
import datetime as dtm
import html
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from bot import callback_data as cb
from bot.dialogue import Button, Reply
from bot.i18n import gettext_for
from bot.plan.amounts import AmountError, format_yuan, parse_amount, parse_count, parse_months, parse_rate
from bot.plan.labels import EXPENSE_LABELS, KIND_LABELS, REASON_LABELS, format_months, kind_label, reason_label
from bot.plan.model import DEBT_KINDS, EXPENSE_KEYS, HARDSHIP_REASONS, MAX_DEBTS, MAX_DETAILS, MAX_NAME, clean_text
from bot.plan.rules import rules_for


def N_(message: str) -> str:
    return message


# An interview not touched for this long no longer takes the user's texts as answers (they are assessed or
# answered as usual); its answers stay until /plan resumes it, /forget, or the retention purge.
CONVERSATION_TIMEOUT = 30 * 60

# -- the steps -----------------------------------------------------------------------------------------------

DEBT_STEPS = ("lender", "kind", "principal", "interest", "penalties", "fees", "overdue", "rate", "received", "more")
BUDGET_STEPS = ("income",) + tuple(f"exp_{k}" for k in EXPENSE_KEYS) + ("dependants", "reason", "details")
REVIEW = "review"
STEPS = DEBT_STEPS + BUDGET_STEPS + (REVIEW,)
OPTIONAL = {
    "interest",
    "penalties",
    "fees",
    "overdue",
    "rate",
    "received",
    "details",
    *(f"exp_{k}" for k in EXPENSE_KEYS),
}
BUTTON_STEPS = {"kind", "more", "reason", REVIEW}  # answered with buttons only
FREE_TEXT_STEPS = {"lender", "details"}  # anything typed is an answer

QUESTIONS = {
    "lender": N_(
        "Who is the lender? Type its name as it appears in the contract or the app (for example 招商银行信用卡中心)."
    ),
    "kind": N_("What kind of debt is it?"),
    "principal": N_("How much principal do you still owe (the borrowed money, without interest and fees)?"),
    "interest": N_("How much interest do they say you owe? Skip if you do not know."),
    "penalties": N_("How much penalty interest and late charges (罚息、违约金、滞纳金)? Skip if you do not know."),
    "fees": N_("How much in other fees (service, membership, collection fees)? Skip if you do not know."),
    "overdue": N_("How long has the debt been overdue? Choose, or type the number of months."),
    "rate": N_(
        "Do you know the interest rate? Type it as in the contract (for example 18%, 月息2%, 日息0.05%). "
        "Skip if you do not know."
    ),
    "received": N_(
        "Did you receive less than the loan amount when it was paid out (for example, fees taken "
        "upfront)? Type how much actually reached you, or Skip."
    ),
    "more": N_("Do you owe money to another lender? All your debts can share one plan."),
    "income": N_("What is your total monthly income now (wages, benefits, help from family)?"),
    "dependants": N_("How many people depend on your income (children, parents, others)?"),
    "reason": N_("What is the main reason you cannot pay as agreed?"),
    "details": N_("In one or two sentences, what happened? This goes into the letter. Skip if you prefer."),
}
EXPENSE_QUESTION = N_("Essential monthly expenses, one at a time. {category}: how much a month? Skip if none.")
EXAMPLES = {
    "amount": N_("For example: 15000, 15,000, 1.5万, 一万五, 15k"),
    "rate": N_("For example: 18%, 年化24%, 月息2%, 日息0.05%"),
    "overdue": N_("For example: 4, 4个月, 半年"),
    "dependants": N_("For example: 2"),
}
OVERDUE_CHOICES = (
    ("1", N_("Less than a month")),
    ("3", N_("1 to 3 months")),
    ("6", N_("3 to 6 months")),
    ("12", N_("6 to 12 months")),
    ("y", N_("More than a year")),
)
DEBT_AMOUNT_STEPS = {
    "principal": "principal",
    "interest": "interest",
    "penalties": "penalties",
    "fees": "fees",
    "received": "amount_received",
}
AMOUNT_STEPS = {*DEBT_AMOUNT_STEPS, "income", *(f"exp_{k}" for k in EXPENSE_KEYS)}
AMOUNT_ERRORS = {
    "empty": N_("Please type an amount."),
    "not_a_number": N_("I could not read that as an amount."),
    "negative": N_("An amount cannot be negative."),
    "too_large": N_("That amount looks too large; please check it."),
    "range": N_("Please give one amount, not a range (if unsure, the higher one)."),
    "separator": N_("I am not sure how to read the separators in that number."),
    "decimals": N_("That number has too many decimals."),
    "currency": N_("Please give the amount in yuan (¥)."),
}
REVIEW_GROUPS = {
    "income": ("income", "income"),
    "exp": ("exp_housing", "exp_other"),
    "dep": ("dependants", "dependants"),
    "reason": ("reason", "details"),
}


# -- the state -------------------------------------------------------------------------------------------------


@dataclass
class DebtAnswers:
    """One debt as answered so far. Amounts are yuan as decimal strings (exact), None: not answered."""

    lender: str | None = None
    kind: str | None = None
    principal: str | None = None
    interest: str | None = None
    penalties: str | None = None
    fees: str | None = None
    overdue_months: float | None = None
    overdue_over_year: bool = False
    annual_rate: float | None = None
    amount_received: str | None = None

    @property
    def started(self) -> bool:
        return bool(self.lender or self.principal)


@dataclass
class InterviewState:
    lang: str
    step: str = "lender"
    history: list[str] = field(default_factory=list)  # steps answered, for Back
    current: int = 0  # the debt being asked about
    debts: list[DebtAnswers] = field(default_factory=lambda: [DebtAnswers()])
    income: str | None = None
    expenses: dict[str, str] = field(default_factory=dict)
    dependants: int | None = None
    reason: str | None = None
    details: str | None = None
    edit_until: str | None = None  # changing answers from the review: back there after this step
    reviewed: bool = False  # the review screen was reached once
    question_message_id: int | None = None
    updated_at: float = field(default_factory=time.time)
    paused: bool = False  # timed out: texts are not answers until /plan resumes it
    # the region whose rules, currency and lender kinds the plan follows (the user's audience at /plan)
    jurisdiction: str = ""

    VERSION = 2

    @property
    def debt(self) -> DebtAnswers:
        while len(self.debts) <= self.current:
            self.debts.append(DebtAnswers())
        return self.debts[self.current]

    def answered(self) -> int:
        return sum(1 for d in self.debts for v in asdict(d).values() if v not in (None, "", False)) + len(self.history)

    def timed_out(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.updated_at > CONVERSATION_TIMEOUT

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["v"] = self.VERSION
        return out

    @classmethod
    def from_json(cls, raw: Any) -> InterviewState | None:
        """The state from its JSON (or the dict of the first version); None when it is not one."""
        if not isinstance(raw, dict) or not isinstance(raw.get("lang"), str):
            return None
        if raw.get("v") == 1:  # before the dataclass: a few other key names
            raw = {
                **raw,
                "history": raw.get("hist", []),
                "current": raw.get("cur", 0),
                "question_message_id": raw.get("msg"),
            }
        debts_raw = raw.get("debts") or [{}]
        if (
            not isinstance(debts_raw, list)
            or not all(isinstance(d, dict) for d in debts_raw)
            or not isinstance(raw.get("history", []), list)
            or not isinstance(raw.get("expenses", {}), dict)
        ):
            return None
        try:
            debts = [DebtAnswers(**{k: v for k, v in d.items() if k in _DEBT_FIELDS}) for d in debts_raw]
            known = {f.name for f in fields(cls)} - {"debts"}
            state = cls(**{k: v for k, v in raw.items() if k in known}, debts=debts)
        except (TypeError, ValueError):
            return None
        if (
            state.step not in STEPS
            or not isinstance(state.current, int)
            or not 0 <= state.current <= len(debts)
            or not all(
                isinstance(v, (str, type(None)))
                for d in debts
                for v in (d.lender, d.kind, d.principal, d.interest, d.penalties, d.fees, d.amount_received)
            )
        ):
            return None
        state.history = [s for s in state.history if s in STEPS][-60:]
        return state


_DEBT_FIELDS = {f.name for f in fields(DebtAnswers)}


@dataclass
class Turn:
    replies: list[Reply]
    state: InterviewState | None  # None: the interview is over, its answers are to be deleted
    toast: str | None = None  # shown on the pressed button
    alert: bool = False
    make_plan: bool = False  # the user asked for the plan: the handler delivers it
    asks: bool = False  # the last reply is the question of state.step
    changed: bool = True  # the state changed and must be saved before anything is sent


# -- small helpers ---------------------------------------------------------------------------------------------


def _t(lang: str) -> Callable[[str], str]:
    return gettext_for(lang, "plan")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _bold(text: str) -> str:
    return f"<b>{_esc(text)}</b>"


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _yuan(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return format_yuan(int(parse_amount(str(value)) * 100))
    except AmountError:
        return str(value)


def _fmt(value: str | None) -> str:
    return _yuan(value) or "—"


def notice(text: str) -> Reply:
    return Reply(_esc(text))


# -- asking ----------------------------------------------------------------------------------------------------


def current_value(state: InterviewState, step: str) -> str | None:
    """The answer already given for a step, as shown next to the question (None: no answer yet)."""
    d, lang = state.debt, state.lang
    if step == "lender":
        return d.lender or None
    if step == "kind":
        return kind_label(d.kind, lang) if d.kind else None
    if step in DEBT_AMOUNT_STEPS:
        return _yuan(getattr(d, DEBT_AMOUNT_STEPS[step]))
    if step == "overdue":
        if d.overdue_over_year:
            return format_months(None, lang, True)
        return format_months(d.overdue_months, lang) if d.overdue_months is not None else None
    if step == "rate":
        return f"{d.annual_rate:g}%" if d.annual_rate is not None else None
    if step == "income":
        return _yuan(state.income)
    if step.startswith("exp_"):
        return _yuan(state.expenses.get(step[4:]))
    if step == "dependants":
        return str(state.dependants) if state.dependants is not None else None
    if step == "reason":
        return reason_label(state.reason, lang) if state.reason else None
    if step == "details":
        return state.details or None
    return None


def question(
    state: InterviewState, step: str | None = None, error: str | None = None, suggestion: str | None = None
) -> Reply:
    """The message (Telegram HTML) and buttons that ask one step."""
    step = step or state.step
    lang = state.lang
    _ = _t(lang)
    if step == REVIEW:
        return review_screen(state)
    lines: list[str] = []
    if error:
        lines.append("⚠️ " + _esc(error))
    if step in DEBT_STEPS:
        head = _("Debt {n}").format(n=state.current + 1)
        if state.debt.lender and step != "lender":
            head += f" · {state.debt.lender}"
        lines.append(_bold(head))
    else:
        lines.append(_bold(_("Your budget")) if step not in ("reason", "details") else _bold(_("Your situation")))
    if step.startswith("exp_"):
        lines.append(_esc(_(EXPENSE_QUESTION).format(category=_(EXPENSE_LABELS[step[4:]]))))
    elif step == "more":
        lines.append(_esc(_(QUESTIONS[step])) + " " + _esc(_("So far: {n}.").format(n=len(state.debts))))
    else:
        lines.append(_esc(_(QUESTIONS[step])))
    if step in AMOUNT_STEPS:
        lines.append(f"<i>{_esc(_(EXAMPLES['amount']))}</i>")
    elif step in ("rate", "overdue", "dependants"):
        lines.append(f"<i>{_esc(_(EXAMPLES[step]))}</i>")
    value = current_value(state, step)
    if value:
        lines.append(_esc(_("Current answer: {value}").format(value=value)))
    rows: list[list[Button]] = []
    if suggestion and cb.PLAN_SUGGESTION.fits(step, suggestion):  # a reading too long for a button is not offered
        rows.append([Button(_("Use {value}").format(value=suggestion), cb.PLAN_SUGGESTION.encode(step, suggestion))])
    choice = cb.PLAN_CHOICE.encode
    if step == "kind":
        kinds = lender_kinds(state.jurisdiction)
        rows += [
            [Button(kind_name(state, k), choice("kind", k)) for k in kinds[i : i + 2]] for i in range(0, len(kinds), 2)
        ]
    elif step == "overdue":
        rows.append([Button(_(label), choice("overdue", v)) for v, label in OVERDUE_CHOICES[:3]])
        rows.append([Button(_(label), choice("overdue", v)) for v, label in OVERDUE_CHOICES[3:]])
    elif step == "more":
        if len(state.debts) < MAX_DEBTS:
            rows.append([Button(_("Yes, add another debt"), choice("more", "yes"))])
        rows.append([Button(_("No, go on to my budget"), choice("more", "no"))])
    elif step == "dependants":
        rows.append([Button(str(n), choice("dependants", n)) for n in range(0, 5)])
    elif step == "reason":
        keys = list(HARDSHIP_REASONS)
        rows += [[Button(_(REASON_LABELS[k]), choice("reason", k)) for k in keys[i : i + 2]] for i in range(0, 5, 2)]
    if value and step != "more":
        rows.append([Button(_("Keep: {value}").format(value=_short(value, 24)), cb.PLAN_KEEP.encode(step))])
    nav = [Button(_("⬅ Back"), cb.PLAN_BACK.encode(step))]
    if step in OPTIONAL:
        nav.append(Button(_("Skip"), cb.PLAN_SKIP.encode(step)))
    nav.append(Button(_("✖ Cancel"), cb.PLAN_CANCEL.encode(step)))
    rows.append(nav)
    return Reply("\n".join(lines), rows)


def review_screen(state: InterviewState) -> Reply:
    lang = state.lang
    _ = _t(lang)
    lines = [_bold(_("Check your answers")), _esc(_("Press a button to change an answer, then make the plan.")), ""]
    rows: list[list[Button]] = []
    colon, sep, paren = ("：", "；", "（{}）") if lang.startswith("zh") else (": ", "; ", " ({})")
    for i, d in enumerate(state.debts):
        parts = [_("principal {amount}").format(amount=_fmt(d.principal))]
        for value, label in (
            (d.interest, N_("interest {amount}")),
            (d.penalties, N_("penalties {amount}")),
            (d.fees, N_("fees {amount}")),
        ):
            if value not in (None, "", "0"):
                parts.append(_(label).format(amount=_fmt(value)))
        if d.overdue_over_year or d.overdue_months is not None:
            parts.append(
                _("overdue {duration}").format(duration=format_months(d.overdue_months, lang, d.overdue_over_year))
            )
        if d.annual_rate is not None:
            parts.append(_("rate {rate}% a year").format(rate=f"{d.annual_rate:g}"))
        if d.amount_received not in (None, ""):
            parts.append(_("received {amount}").format(amount=_fmt(d.amount_received)))
        debt_n = _("Debt {n}").format(n=i + 1)
        lines.append(
            _bold(f"{debt_n}{colon}{d.lender or '?'}") + _esc(paren.format(kind_label(d.kind or "other", lang)))
        )
        lines.append(_esc(sep.join(parts)))
        row = [
            Button(
                _("✏️ Debt {n}: {lender}").format(n=i + 1, lender=_short(d.lender or "?", 12)),
                cb.PLAN_REVIEW_DEBT.encode("d", i),
            )
        ]
        if len(state.debts) > 1:
            row.append(Button(_("🗑 Remove debt {n}").format(n=i + 1), cb.PLAN_REVIEW_DEBT.encode("rm", i)))
        rows.append(row)
    lines.append("")
    lines.append(_bold(_("Monthly income")) + _esc(colon + _fmt(state.income)))
    total = sum(int(parse_amount(v) * 100) for v in state.expenses.values() if _yuan(v) is not None and _amount_ok(v))
    exp_parts = [
        f"{_(EXPENSE_LABELS[k])}{colon}{_fmt(state.expenses[k])}"
        for k in EXPENSE_KEYS
        if state.expenses.get(k) not in (None, "0")
    ]
    lines.append(
        _bold(_("Essential expenses"))
        + _esc(colon + format_yuan(total))
        + (_esc(paren.format(sep.join(exp_parts))) if exp_parts else "")
    )
    lines.append(_bold(_("Dependants")) + _esc(colon + str(state.dependants or 0)))
    lines.append(
        _bold(_("Reason"))
        + _esc(colon + reason_label(state.reason or "other", lang))
        + (f" — {_esc(state.details)}" if state.details else "")
    )
    if len(state.debts) < MAX_DEBTS:
        rows.append([Button(_("➕ Add a debt"), cb.PLAN_REVIEW.encode("add"))])
    rows.append(
        [Button(_("✏️ Income"), cb.PLAN_REVIEW.encode("income")), Button(_("✏️ Expenses"), cb.PLAN_REVIEW.encode("exp"))]
    )
    rows.append(
        [
            Button(_("✏️ Dependants"), cb.PLAN_REVIEW.encode("dep")),
            Button(_("✏️ Reason"), cb.PLAN_REVIEW.encode("reason")),
        ]
    )
    rows.append([Button(_("✅ Make my plan"), cb.PLAN_REVIEW.encode("make"))])
    rows.append(
        [Button(_("⬅ Back"), cb.PLAN_BACK.encode(REVIEW)), Button(_("✖ Cancel"), cb.PLAN_CANCEL.encode(REVIEW))]
    )
    return Reply("\n".join(lines), rows)


def _amount_ok(value: str) -> bool:
    try:
        parse_amount(value)
    except AmountError:
        return False
    return True


def ask(
    state: InterviewState,
    step: str,
    error: str | None = None,
    suggestion: str | None = None,
    before: list[Reply] | None = None,
) -> Turn:
    state.step = step
    state.updated_at = time.time()
    return Turn([*(before or []), question(state, step, error, suggestion)], state, asks=True)


# -- starting and resuming ---------------------------------------------------------------------------------------


def lender_kinds(jurisdiction: str) -> list[str]:
    """The lender kinds offered: the jurisdiction's own (its plan.yaml), else the generic ones."""
    rules = rules_for(jurisdiction) if jurisdiction else None
    return list(rules.lender_kinds) if rules is not None else list(DEBT_KINDS)


def kind_name(state: InterviewState, kind: str) -> str:
    rules = rules_for(state.jurisdiction) if state.jurisdiction else None
    own = rules.lender_kinds[kind].label if rules is not None and kind in rules.lender_kinds else None
    return own.get(state.lang) if own is not None else _t(state.lang)(KIND_LABELS.get(kind, kind))


def begin(lang: str, *, has_saved_plan: bool = False, intro: bool = True, jurisdiction: str = "") -> Turn:
    """A new interview: the introduction (with "My saved plan" when there is one), then the first question.
    jurisdiction: the region the plan follows (the user's)."""
    _ = _t(lang)
    if not intro:
        return ask(InterviewState(lang, jurisdiction=jurisdiction), "lender")
    text = "\n".join(
        [
            _bold(_("A repayment plan you can send to your lender")),
            _esc(
                _(
                    "I will ask about your debts, your income and your essential expenses, one question at a time, "
                    "and then work out what you can afford, a schedule, and a letter to each lender (in Chinese, "
                    "and in your language), with a PDF, a chart and calendar dates."
                )
            ),
            _esc(
                _(
                    "Your answers are kept only until the plan is delivered, unless you then choose to save it. "
                    "Back, Skip and Cancel are on every question."
                )
            ),
        ]
    )
    buttons = [[Button(_("My saved plan"), cb.PLAN_SAVED.encode("list"))]] if has_saved_plan else []
    return ask(InterviewState(lang, jurisdiction=jurisdiction), "lender", before=[Reply(text, buttons)])


def offer_resume(state: InterviewState) -> Turn:
    _ = _t(state.lang)
    buttons = [
        [Button(_("Resume where I left off"), cb.PLAN_GO.encode("resume"))],
        [Button(_("Start afresh (delete my answers)"), cb.PLAN_GO.encode("new"))],
    ]
    text = _("You have an unfinished plan ({n} answers so far). Resume it or start afresh?").format(n=state.answered())
    return Turn([Reply(_esc(text), buttons)], state, changed=False)


def resume(state: InterviewState) -> Turn:
    state.paused = False
    return ask(state, state.step)


def from_input(data: dict[str, Any], lang: str) -> InterviewState:
    """A saved plan (the INPUT.json format) as an interview at its review screen."""
    state = InterviewState(lang)
    debts = []
    for raw in data.get("debts") or []:
        if isinstance(raw, dict):
            fields: dict[str, Any] = {
                k: (str(v) if k in DEBT_AMOUNT_STEPS.values() and v is not None else v)
                for k, v in raw.items()
                if k in _DEBT_FIELDS
            }
            debts.append(DebtAnswers(**fields))
    state.debts = debts or [DebtAnswers()]
    state.income = str(data.get("income", "0"))
    state.expenses = {k: str(v) for k, v in (data.get("expenses") or {}).items() if k in EXPENSE_KEYS}
    state.dependants = int(data.get("dependants") or 0)
    hardship = data.get("hardship") or {}
    state.reason = hardship.get("reason") or "other"
    state.details = hardship.get("details") or ""
    state.reviewed = True
    state.step = REVIEW
    return state


def to_input(state: InterviewState, today: dtm.date | None = None) -> dict[str, Any]:
    """The answers in the INPUT.json format (docs/plan.md)."""
    debts = [
        {k: v for k, v in asdict(d).items() if v is not None and not (k == "overdue_over_year" and not v)}
        for d in state.debts
        if d.started
    ]
    out: dict[str, Any] = {
        "lang": state.lang,
        "income": state.income or "0",
        "expenses": {k: v for k, v in state.expenses.items() if v is not None},
        "dependants": int(state.dependants or 0),
        "hardship": {"reason": state.reason or "other", "details": state.details or ""},
        "debts": debts,
    }
    if today:
        out["today"] = today.isoformat()
    if state.jurisdiction:
        out["jurisdiction"] = state.jurisdiction
    return out


# -- typed answers -------------------------------------------------------------------------------------------------


def store_answer(state: InterviewState, step: str, text: str) -> tuple[str | None, str | None]:
    """Validate and store a typed answer. Returns (error message, suggestion); (None, None) when stored."""
    _ = _t(state.lang)
    d = state.debt
    try:
        if step == "lender":
            name = clean_text(text, MAX_NAME)
            if not name:
                return _("Please type the lender's name."), None
            d.lender = name
        elif step in DEBT_AMOUNT_STEPS:
            value = parse_amount(text, allow_zero=step not in ("principal", "received"))
            setattr(d, DEBT_AMOUNT_STEPS[step], str(value))
        elif step == "income":
            state.income = str(parse_amount(text))
        elif step.startswith("exp_"):
            state.expenses[step[4:]] = str(parse_amount(text))
        elif step == "overdue":
            d.overdue_months = parse_months(text)
            d.overdue_over_year = False
        elif step == "rate":
            d.annual_rate = parse_rate(text)
        elif step == "dependants":
            state.dependants = parse_count(text)
        elif step == "details":
            state.details = clean_text(text, MAX_DETAILS, multiline=True)
        elif step in BUTTON_STEPS:
            return _("Please choose one of the buttons."), None
    except AmountError as exc:
        msg = _(AMOUNT_ERRORS.get(exc.code, AMOUNT_ERRORS["not_a_number"]))
        example = (
            EXAMPLES["rate"]
            if step == "rate"
            else EXAMPLES["overdue"]
            if step == "overdue"
            else EXAMPLES["dependants"]
            if step == "dependants"
            else EXAMPLES["amount"]
        )
        msg += " " + _(example)
        if exc.suggestion:
            msg += " " + _("Did you mean {value}?").format(value=exc.suggestion)
        return msg, exc.suggestion
    return None, None


def accepts(state: InterviewState, text: str) -> bool:
    """Whether the text is a valid answer to the current question (nothing is stored)."""
    return store_answer(copy.deepcopy(state), state.step, text)[0] is None


def answer_text(state: InterviewState, text: str, before: list[Reply] | None = None) -> Turn:
    """A typed answer to the current question: the next question, or the same one with what was wrong.
    `before` (for example the crisis line) is sent first; the answer is kept all the same."""
    error, suggestion = store_answer(state, state.step, text)
    if error:
        return ask(state, state.step, error, suggestion, before=before)
    return advance(state, state.step, before=before)


def _after(step: str) -> str:
    if step in DEBT_STEPS:
        return DEBT_STEPS[DEBT_STEPS.index(step) + 1]
    if step in BUDGET_STEPS:
        i = BUDGET_STEPS.index(step)
        return BUDGET_STEPS[i + 1] if i + 1 < len(BUDGET_STEPS) else REVIEW
    return REVIEW


def next_step(state: InterviewState, step: str) -> str:
    """The next step; when answers are being changed from the review screen, back to the review after the last
    step of the group being changed (edit_until)."""
    if state.edit_until and step == state.edit_until:
        state.edit_until = None
        return REVIEW
    return _after(step)


def advance(state: InterviewState, step: str, before: list[Reply] | None = None) -> Turn:
    nxt = next_step(state, step)
    state.history = [*state.history, step][-60:]
    if nxt == REVIEW:
        state.reviewed = True
    return ask(state, nxt, before=before)


# -- buttons -------------------------------------------------------------------------------------------------------


def stale(state: InterviewState) -> Turn:
    _ = _t(state.lang)
    return Turn([], state, toast=_("That button belongs to an earlier question."), changed=False)


def press(state: InterviewState, kind: cb.Kind, values: tuple[str, ...]) -> Turn:
    """A button of the interview (PLAN_GO is the handler's: it decides between resuming and a new interview)."""
    _ = _t(state.lang)
    step = state.step
    if (
        kind in (cb.PLAN_BACK, cb.PLAN_SKIP, cb.PLAN_KEEP, cb.PLAN_CANCEL, cb.PLAN_CHOICE, cb.PLAN_SUGGESTION)
        and values[0] != step
    ):
        return stale(state)
    if kind in (cb.PLAN_REVIEW, cb.PLAN_REVIEW_DEBT) and step != REVIEW:
        return stale(state)
    if kind is cb.PLAN_CANCEL:
        return cancel(state)
    if kind is cb.PLAN_BACK:
        if not state.history:
            return ask(state, step, _("This is the first question."))
        prev = state.history[-1]
        state.history = state.history[:-1]
        return ask(state, prev)
    if kind is cb.PLAN_SKIP:
        if step not in OPTIONAL:
            return ask(state, step)
        _clear(state, step)
        return advance(state, step)
    if kind is cb.PLAN_KEEP:
        return advance(state, step)
    if kind is cb.PLAN_SUGGESTION:
        return answer_text(state, values[1])
    if kind is cb.PLAN_CHOICE:
        return _choice(state, step, values[1])
    if kind is cb.PLAN_REVIEW or kind is cb.PLAN_REVIEW_DEBT:
        return _review_action(state, values)
    return ask(state, step)


def _clear(state: InterviewState, step: str) -> None:
    d = state.debt
    if step in DEBT_AMOUNT_STEPS:
        setattr(d, DEBT_AMOUNT_STEPS[step], None)
    elif step == "rate":
        d.annual_rate = None
    elif step == "overdue":
        d.overdue_months, d.overdue_over_year = None, False
    elif step.startswith("exp_"):
        state.expenses.pop(step[4:], None)
    elif step == "details":
        state.details = None


def _choice(state: InterviewState, step: str, value: str) -> Turn:
    d = state.debt
    if step == "kind" and value in lender_kinds(state.jurisdiction):
        d.kind = value
    elif step == "overdue" and value in {v for v, _l in OVERDUE_CHOICES}:
        if value == "y":
            d.overdue_over_year, d.overdue_months = True, None
        else:
            d.overdue_months, d.overdue_over_year = float(value), False
    elif step == "dependants" and value.isdigit():
        state.dependants = int(value)
    elif step == "reason" and value in HARDSHIP_REASONS:
        state.reason = value
    elif step == "more" and value in ("yes", "no"):
        state.history = [*state.history, step][-60:]
        if value == "yes" and len(state.debts) < MAX_DEBTS:
            state.debts.append(DebtAnswers())
            state.current = len(state.debts) - 1
            return ask(state, "lender")
        return ask(state, REVIEW if state.reviewed else "income")
    else:
        return ask(state, step)
    return advance(state, step)


def _review_action(state: InterviewState, values: tuple[str, ...]) -> Turn:
    what = values[0]
    index = int(values[1]) if len(values) > 1 else -1
    if what == "make":
        return Turn([], state, make_plan=True, changed=False)
    if what == "d" and 0 <= index < len(state.debts):
        state.history = [*state.history, REVIEW][-60:]
        state.current, state.edit_until = index, "received"
        return ask(state, "lender")
    if what == "rm" and 0 <= index < len(state.debts) and len(state.debts) > 1:
        del state.debts[index]
        state.current = 0
        return ask(state, REVIEW)
    if what == "add" and len(state.debts) < MAX_DEBTS:
        state.history = [*state.history, REVIEW][-60:]
        state.debts.append(DebtAnswers())
        state.current, state.edit_until = len(state.debts) - 1, "received"
        return ask(state, "lender")
    if what in REVIEW_GROUPS:
        first, until = REVIEW_GROUPS[what]
        state.history = [*state.history, REVIEW][-60:]
        state.edit_until = until
        return ask(state, first)
    return ask(state, REVIEW)


def cancel(state: InterviewState | None, lang: str | None = None) -> Turn:
    _ = _t(state.lang if state else lang or "zh-Hans")
    return Turn([notice(_("Cancelled. Your plan answers have been deleted. Send /plan to start again."))], None)


# -- what the handler says around the interview ------------------------------------------------------------------


def lost(lang: str) -> Reply:
    _ = _t(lang)
    return notice(_("Your plan answers are no longer here (they may have been deleted). Send /plan to start again."))


def text_only(lang: str) -> Reply:
    _ = _t(lang)
    return notice(_("Please answer with text or the buttons."))


def private_only(lang: str) -> Reply:
    _ = _t(lang)
    return notice(_("Plans contain private details: please send /plan to me in a private chat."))


def incomplete(state: InterviewState) -> Turn:
    _ = _t(state.lang)
    return ask(
        state, REVIEW, _("Some answers are missing: please check the debts (each needs a lender and a principal).")
    )


def cannot_keep_answers(lang: str) -> Reply:
    """The state cannot be written (disk full or read-only, database damaged or locked)."""
    _ = _t(lang)
    return notice(
        _(
            "I cannot save your answers right now (my storage is not working), so I am not taking "
            "plan answers for the moment: the answer you just gave was not kept. Checking messages "
            "and answering questions still work. Please try again later."
        )
    )


def no_storage(lang: str) -> Reply:
    _ = _t(lang)
    return notice(
        _(
            "A plan needs me to keep your answers while we talk, and my storage is not working right "
            "now, so I cannot start one. Checking messages and answering questions still work. "
            "Please try again later."
        )
    )


def paused_hint(lang: str) -> Reply:
    _ = _t(lang)
    return Reply(_esc(_("You have an unfinished plan. Send /plan when you want to go on with it.")))


def reminder_message(lang: str, due: dtm.date, lines: list[dict[str, Any]]) -> Reply:
    """A payment reminder (sent by handlers/reminders.py the day before)."""
    _ = _t(lang)
    text = [_bold(_("Payment reminder")), _esc(_("Due on {date}:").format(date=due.isoformat()))]
    for line in lines:
        text.append(
            _esc(
                _("· {lender}: {amount} (payment {n} of {months})").format(
                    lender=line["lender"], amount=format_yuan(int(line["amount"])), n=line["n"], months=line["months"]
                )
            )
        )
    return Reply("\n".join(text), [[Button(_("Stop reminders"), cb.PLAN_REMINDERS_OFF.encode("off"))]])


def back_to_plan(state: InterviewState) -> Reply:
    """Offered under the assessment of a collection message pasted in the middle of the interview."""
    _ = _t(state.lang)
    return Reply(
        _esc(
            _(
                "That looked like a collection message, so I checked it instead of taking it as an answer. "
                "Your plan is waiting at the same question."
            )
        ),
        [[Button(_("↩ Back to my plan"), cb.PLAN_GO.encode("resume"))]],
    )
