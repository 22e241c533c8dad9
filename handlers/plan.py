"""/plan: the guided interview that ends with a repayment proposal (issue 4). Flow: handlers/plan.mmd.

A persistent ConversationHandler (name="plan", persistent=True): one question at a time, buttons for fixed
choices, Back / Skip (where optional) / Keep (when there is an answer) / Cancel on every step, a review screen
with edit buttons, and `/plan` again offers to resume or start afresh. Everything is computed by bot.plan
(no Telegram there); this module only asks, stores answers and sends the results.

Where things live:
- the answers while the interview runs: user_data["plan"] (JSON; written by the application's persistence
  after every update, so a restart mid-way loses nothing); the conversation state: the persistence too;
- after delivery the answers are deleted from user_data; they stay only in this process's memory for
  DELIVERED_TTL seconds so that the "Save" and "Remind me" buttons can work, and are then dropped;
- "Save": table plan_saved; "Remind me": table plan_reminders plus one JobQueue job per payment date, restored
  from the table at start-up. /forget (Storage.forget) deletes both tables' rows; a reminder job whose row is
  gone sends nothing.

Button data (ASCII, < 64 bytes): p:start; p:go:resume|new; p:back:<step>; p:skip:<step>; p:keep:<step>;
p:cancel:<step>; p:v:<step>:<value>; p:sug:<step>:<value>; p:rv:<action>[:<i>]; p:x:save|remind|drop:<token>;
p:rem:off; p:sv:list|open:<id>|del.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import logging
import secrets
import time
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (Application, CallbackContext, CallbackQueryHandler, CommandHandler, ConversationHandler,
                          MessageHandler, filters)
from telegram.warnings import PTBUserWarning

from bot.config import LANGUAGES
from bot.i18n import gettext_for, normalise_language_code
from bot.plan import store
from bot.plan.amounts import AmountError, format_yuan, parse_amount, parse_count, parse_months, parse_rate
from bot.plan.labels import (EXPENSE_LABELS, KIND_LABELS, REASON_LABELS, format_months, kind_label, reason_label)
from bot.plan.letter import letter_html
from bot.plan.model import (DEBT_KINDS, EXPENSE_KEYS, HARDSHIP_REASONS, MAX_DEBTS, MAX_DETAILS, MAX_NAME, PlanInput,
                            PlanInputError, clean_text)
from bot.plan.proposal import Proposal, make_proposal
from bot.plan.schedule import make_plan
from bot.plan.schedule import plan_id as compute_plan_id
from bot.render import split_html

_LOGGER = logging.getLogger("rights_bot.plan")
END = ConversationHandler.END


def N_(message: str) -> str:
    return message


PLAN_COMMANDS = [("plan", N_("Make a repayment plan to send to your lender"))]
PLAN_START_CALLBACK = "p:start"
DELIVERED_TTL = 2 * 60 * 60

# -- the steps -----------------------------------------------------------------------------------------------

DEBT_STEPS = ("lender", "kind", "principal", "interest", "penalties", "fees", "overdue", "rate", "received", "more")
BUDGET_STEPS = ("income",) + tuple(f"exp_{k}" for k in EXPENSE_KEYS) + ("dependants", "reason", "details")
REVIEW = "review"
STEPS = DEBT_STEPS + BUDGET_STEPS + (REVIEW,)
OPTIONAL = {"interest", "penalties", "fees", "overdue", "rate", "received", "details",
            *(f"exp_{k}" for k in EXPENSE_KEYS)}

QUESTIONS = {
    "lender": N_("Who is the lender? Type its name as it appears in the contract or the app (for example "
                 "招商银行信用卡中心)."),
    "kind": N_("What kind of debt is it?"),
    "principal": N_("How much principal do you still owe (the borrowed money, without interest and fees)?"),
    "interest": N_("How much interest do they say you owe? Skip if you do not know."),
    "penalties": N_("How much penalty interest and late charges (罚息、违约金、滞纳金)? Skip if you do not know."),
    "fees": N_("How much in other fees (service, membership, collection fees)? Skip if you do not know."),
    "overdue": N_("How long has the debt been overdue? Choose, or type the number of months."),
    "rate": N_("Do you know the interest rate? Type it as in the contract (for example 18%, 月息2%, 日息0.05%). "
               "Skip if you do not know."),
    "received": N_("Did you receive less than the loan amount when it was paid out (for example, fees taken "
                   "upfront)? Type how much actually reached you, or Skip."),
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
OVERDUE_CHOICES = (("1", N_("Less than a month")), ("3", N_("1 to 3 months")), ("6", N_("3 to 6 months")),
                   ("12", N_("6 to 12 months")), ("y", N_("More than a year")))
AMOUNT_STEPS = {"principal", "interest", "penalties", "fees", "received", "income",
                *(f"exp_{k}" for k in EXPENSE_KEYS)}
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


# -- small helpers -------------------------------------------------------------------------------------------

def _services(context: CallbackContext[Any, Any, Any, Any]) -> Any:
    return context.application.bot_data.get("services") if isinstance(context.application.bot_data, dict) else None


def _storage(context: CallbackContext[Any, Any, Any, Any]) -> Any:
    services = _services(context)
    storage = getattr(services, "storage", None)
    return storage if storage is not None and getattr(storage, "is_open", False) else None


def _kb(context: CallbackContext[Any, Any, Any, Any]) -> Any:
    services = _services(context)
    engine = getattr(services, "engine", None)
    return getattr(engine, "kb", None)


async def _lang(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> str:
    """The user's language: their /lang choice (through handlers.app), else Telegram's language_code."""
    try:
        from handlers.app import prefs  # noqa: PLC0415  (app imports this module lazily: no cycle)

        if _services(context) is not None:
            lang, _jur = await prefs(update, context)  # type: ignore[arg-type]
            if lang in LANGUAGES:
                return str(lang)
    except Exception:  # noqa: BLE001  the plan must work whatever the app's state
        _LOGGER.debug("prefs unavailable", exc_info=True)
    user = update.effective_user
    return normalise_language_code(user.language_code if user else None)


def _answers(context: CallbackContext[Any, Any, Any, Any]) -> dict[str, Any] | None:
    if context.user_data is None:
        return None
    a = context.user_data.get("plan")
    return a if isinstance(a, dict) else None


def _new_answers(lang: str) -> dict[str, Any]:
    return {"v": 1, "lang": lang, "step": "lender", "hist": [], "cur": 0, "debts": [{}], "expenses": {},
            "edit_until": None}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _bold(text: str) -> str:
    return f"<b>{_esc(text)}</b>"


def _button(label: str, data: str) -> InlineKeyboardButton:
    assert len(data.encode()) <= 64, data
    return InlineKeyboardButton(label, callback_data=data)


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


async def _send(context: CallbackContext[Any, Any, Any, Any], chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None = None) -> Message | None:
    last: Message | None = None
    parts = split_html(text)
    for i, part in enumerate(parts):
        last = await context.bot.send_message(chat_id, part, reply_markup=markup if i == len(parts) - 1 else None,
                                              parse_mode="HTML")
    return last


async def _drop_keyboard(context: CallbackContext[Any, Any, Any, Any], chat_id: int, message_id: int | None) -> None:
    if not message_id:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest:
        pass


# -- asking ----------------------------------------------------------------------------------------------------

def _debt(a: dict[str, Any]) -> dict[str, Any]:
    cur = int(a.get("cur", 0))
    while len(a["debts"]) <= cur:
        a["debts"].append({})
    return a["debts"][cur]


def _current_value(a: dict[str, Any], step: str, lang: str) -> str | None:
    """The answer already given for a step, as shown next to the question (None: no answer yet)."""
    d = _debt(a)
    if step in ("lender",):
        return d.get("lender") or None
    if step == "kind":
        return kind_label(d["kind"], lang) if d.get("kind") else None
    if step in ("principal", "interest", "penalties", "fees", "received"):
        v = d.get(step)
        return format_yuan(int(parse_amount(str(v)) * 100)) if v not in (None, "") else None
    if step == "overdue":
        if d.get("overdue_over_year"):
            return format_months(None, lang, True)
        return format_months(d["overdue_months"], lang) if d.get("overdue_months") is not None else None
    if step == "rate":
        return f"{d['annual_rate']:g}%" if d.get("annual_rate") is not None else None
    if step == "income":
        return format_yuan(int(parse_amount(str(a["income"])) * 100)) if a.get("income") is not None else None
    if step.startswith("exp_"):
        v = a.get("expenses", {}).get(step[4:])
        return format_yuan(int(parse_amount(str(v)) * 100)) if v is not None else None
    if step == "dependants":
        return str(a["dependants"]) if a.get("dependants") is not None else None
    if step == "reason":
        return reason_label(a["reason"], lang) if a.get("reason") else None
    if step == "details":
        return a.get("details") or None
    return None


def question(a: dict[str, Any], step: str, lang: str, error: str | None = None,
             suggestion: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The message (Telegram HTML) and keyboard that ask one step."""
    _ = gettext_for(lang, "plan")
    if step == REVIEW:
        return review_screen(a, lang)
    lines: list[str] = []
    if error:
        lines.append("⚠️ " + _esc(error))
    n_debts = len(a["debts"])
    if step in DEBT_STEPS:
        head = _("Debt {n}").format(n=int(a.get("cur", 0)) + 1)
        lender = _debt(a).get("lender")
        if lender and step != "lender":
            head += f" · {lender}"
        lines.append(f"<b>{_esc(head)}</b>")
    else:
        lines.append(_bold(_("Your budget")) if step not in ("reason", "details") else _bold(_("Your situation")))
    if step.startswith("exp_"):
        lines.append(_esc(_(EXPENSE_QUESTION).format(category=_(EXPENSE_LABELS[step[4:]]))))
    elif step == "more":
        more_q = QUESTIONS[step]
        lines.append(_esc(_(more_q)) + " " + _esc(_("So far: {n}.").format(n=n_debts)))
    else:
        lines.append(_esc(_(QUESTIONS[step])))
    if step in AMOUNT_STEPS:
        lines.append(f"<i>{_esc(_(EXAMPLES['amount']))}</i>")
    elif step in ("rate", "overdue", "dependants"):
        lines.append(f"<i>{_esc(_(EXAMPLES[step]))}</i>")
    value = _current_value(a, step, lang)
    if value:
        lines.append(_esc(_("Current answer: {value}").format(value=value)))
    rows: list[list[InlineKeyboardButton]] = []
    if suggestion:
        rows.append([_button(_("Use {value}").format(value=suggestion), f"p:sug:{step}:{suggestion}")])
    if step == "kind":
        kinds = list(DEBT_KINDS)
        rows += [[_button(_(KIND_LABELS[k]), f"p:v:kind:{k}") for k in kinds[i:i + 2]] for i in range(0, 6, 2)]
    elif step == "overdue":
        rows.append([_button(_(label), f"p:v:overdue:{v}") for v, label in OVERDUE_CHOICES[:3]])
        rows.append([_button(_(label), f"p:v:overdue:{v}") for v, label in OVERDUE_CHOICES[3:]])
    elif step == "more":
        if n_debts < MAX_DEBTS:
            rows.append([_button(_("Yes, add another debt"), "p:v:more:yes")])
        rows.append([_button(_("No, go on to my budget"), "p:v:more:no")])
    elif step == "dependants":
        rows.append([_button(str(n), f"p:v:dependants:{n}") for n in range(0, 5)])
    elif step == "reason":
        keys = list(HARDSHIP_REASONS)
        rows += [[_button(_(REASON_LABELS[k]), f"p:v:reason:{k}") for k in keys[i:i + 2]] for i in range(0, 5, 2)]
    if value and step not in ("more",):
        rows.append([_button(_("Keep: {value}").format(value=_short(value, 24)), f"p:keep:{step}")])
    nav = [_button(_("⬅ Back"), f"p:back:{step}")]
    if step in OPTIONAL:
        nav.append(_button(_("Skip"), f"p:skip:{step}"))
    nav.append(_button(_("✖ Cancel"), f"p:cancel:{step}"))
    rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def review_screen(a: dict[str, Any], lang: str) -> tuple[str, InlineKeyboardMarkup]:
    _ = gettext_for(lang, "plan")
    lines = [_bold(_("Check your answers")), _esc(_("Press a button to change an answer, then make "
                                                               "the plan.")), ""]
    rows: list[list[InlineKeyboardButton]] = []
    zh = lang.startswith("zh")
    colon, sep, paren = ("：", "；", "（{}）") if zh else (": ", "; ", " ({})")
    for i, d in enumerate(a["debts"]):
        parts = [_("principal {amount}").format(amount=_fmt(d.get("principal")))]
        for key, label in (("interest", N_("interest {amount}")), ("penalties", N_("penalties {amount}")),
                           ("fees", N_("fees {amount}"))):
            if d.get(key) not in (None, "", "0"):
                parts.append(_(label).format(amount=_fmt(d.get(key))))
        if d.get("overdue_over_year") or d.get("overdue_months") is not None:
            parts.append(_("overdue {duration}").format(
                duration=format_months(d.get("overdue_months"), lang, bool(d.get("overdue_over_year")))))
        if d.get("annual_rate") is not None:
            parts.append(_("rate {rate}% a year").format(rate=f"{d['annual_rate']:g}"))
        if d.get("amount_received") not in (None, ""):
            parts.append(_("received {amount}").format(amount=_fmt(d.get("amount_received"))))
        debt_n = _("Debt {n}").format(n=i + 1)
        lines.append(_bold(f"{debt_n}{colon}{d.get('lender', '?')}") + _esc(paren.format(kind_label(d.get("kind", "other"),
                                                                                              lang))))
        lines.append(_esc(sep.join(parts)))
        row = [_button(_("✏️ Debt {n}: {lender}").format(n=i + 1, lender=_short(str(d.get("lender", "?")), 12)),
                       f"p:rv:d:{i}")]
        if len(a["debts"]) > 1:
            row.append(_button(_("🗑 Remove debt {n}").format(n=i + 1), f"p:rv:rm:{i}"))
        rows.append(row)
    lines.append("")
    lines.append(_bold(_("Monthly income")) + _esc(colon + _fmt(a.get("income"))))
    exp = a.get("expenses", {})
    total = sum(int(parse_amount(str(v)) * 100) for v in exp.values() if v is not None)
    exp_parts = [f"{_(EXPENSE_LABELS[k])}{colon}{_fmt(exp[k])}" for k in EXPENSE_KEYS if exp.get(k) not in (None, "0")]
    lines.append(_bold(_("Essential expenses")) + _esc(colon + format_yuan(total))
                 + (_esc(paren.format(sep.join(exp_parts))) if exp_parts else ""))
    lines.append(_bold(_("Dependants")) + _esc(colon + str(a.get("dependants", 0))))
    reason = reason_label(a.get("reason") or "other", lang)
    lines.append(_bold(_("Reason")) + _esc(colon + reason)
                 + (f" — {_esc(a['details'])}" if a.get("details") else ""))
    if len(a["debts"]) < MAX_DEBTS:
        rows.append([_button(_("➕ Add a debt"), "p:rv:add")])
    rows.append([_button(_("✏️ Income"), "p:rv:income"), _button(_("✏️ Expenses"), "p:rv:exp")])
    rows.append([_button(_("✏️ Dependants"), "p:rv:dep"), _button(_("✏️ Reason"), "p:rv:reason")])
    rows.append([_button(_("✅ Make my plan"), "p:rv:make")])
    rows.append([_button(_("⬅ Back"), f"p:back:{REVIEW}"), _button(_("✖ Cancel"), f"p:cancel:{REVIEW}")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _fmt(value: Any) -> str:
    if value in (None, ""):
        return "—"
    try:
        return format_yuan(int(parse_amount(str(value)) * 100))
    except AmountError:
        return str(value)


async def ask(update: Update, context: CallbackContext[Any, Any, Any, Any], a: dict[str, Any], step: str,
              lang: str, error: str | None = None, suggestion: str | None = None) -> str:
    """Send the question of `step` (remembering its message, whose keyboard goes once it is answered)."""
    a["step"] = step
    text, markup = question(a, step, lang, error, suggestion)
    chat = update.effective_chat
    assert chat is not None
    msg = await _send(context, chat.id, text, markup)
    a["msg"] = msg.message_id if msg else None
    return step


# -- moving through the steps -------------------------------------------------------------------------------

def _after(step: str) -> str:
    """The step after `step` in the normal order."""
    if step in DEBT_STEPS:
        return DEBT_STEPS[DEBT_STEPS.index(step) + 1]
    if step in BUDGET_STEPS:
        i = BUDGET_STEPS.index(step)
        return BUDGET_STEPS[i + 1] if i + 1 < len(BUDGET_STEPS) else REVIEW
    return REVIEW


def next_step(a: dict[str, Any], step: str) -> str:
    """The next step; when an answer is being changed from the review screen, back to the review after the
    last step of the group being changed (edit_until)."""
    until = a.get("edit_until")
    if until and step == until:
        a["edit_until"] = None
        return REVIEW
    return _after(step)


async def advance(update: Update, context: CallbackContext[Any, Any, Any, Any], a: dict[str, Any], step: str,
                  lang: str) -> str:
    nxt = next_step(a, step)
    a.setdefault("hist", []).append(step)
    del a["hist"][:-60]
    if nxt == REVIEW:
        a["reviewed"] = True
    return await ask(update, context, a, nxt, lang)


def store_answer(a: dict[str, Any], step: str, text: str, lang: str) -> tuple[str | None, str | None]:
    """Validate and store a typed answer. Returns (error message, suggestion) — (None, None) when stored."""
    _ = gettext_for(lang, "plan")
    d = _debt(a)
    try:
        if step == "lender":
            name = clean_text(text, MAX_NAME)
            if not name:
                return _("Please type the lender's name."), None
            d["lender"] = name
        elif step in ("principal", "interest", "penalties", "fees", "received"):
            value = parse_amount(text, allow_zero=step != "principal" and step != "received")
            key = "amount_received" if step == "received" else step
            d[key] = str(value)
        elif step == "income":
            a["income"] = str(parse_amount(text))
        elif step.startswith("exp_"):
            a.setdefault("expenses", {})[step[4:]] = str(parse_amount(text))
        elif step == "overdue":
            d["overdue_months"] = parse_months(text)
            d.pop("overdue_over_year", None)
        elif step == "rate":
            d["annual_rate"] = parse_rate(text)
        elif step == "dependants":
            a["dependants"] = parse_count(text)
        elif step == "details":
            a["details"] = clean_text(text, MAX_DETAILS, multiline=True)
        elif step in ("kind", "more", "reason", REVIEW):
            return _("Please choose one of the buttons."), None
    except AmountError as exc:
        msg = _(AMOUNT_ERRORS.get(exc.code, AMOUNT_ERRORS["not_a_number"]))
        example = EXAMPLES["rate"] if step == "rate" else EXAMPLES["overdue"] if step == "overdue" else \
            EXAMPLES["dependants"] if step == "dependants" else EXAMPLES["amount"]
        msg += " " + _(example)
        if exc.suggestion:
            msg += " " + _("Did you mean {value}?").format(value=exc.suggestion)
        return msg, exc.suggestion
    return None, None


# -- entry points -----------------------------------------------------------------------------------------

async def cmd_plan(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> str | int | None:
    """/plan and the menu button: start, or offer to resume an unfinished plan."""
    lang = await _lang(update, context)
    _ = gettext_for(lang, "plan")
    query = update.callback_query
    if query is not None:
        await query.answer()
    chat = update.effective_chat
    if chat is None:
        return None
    if chat.type != "private":
        await context.bot.send_message(chat.id, _esc(_("Plans contain private details: please send /plan to me "
                                                        "in a private chat.")), parse_mode="HTML")
        return None
    a = _answers(context)
    if a and a.get("step"):
        done = sum(1 for d in a.get("debts", []) for v in d.values() if v not in (None, "")) + len(a.get("hist", []))
        rows = [[_button(_("Resume where I left off"), "p:go:resume")],
                [_button(_("Start afresh (delete my answers)"), "p:go:new")]]
        await _send(context, chat.id, _esc(_("You have an unfinished plan ({n} answers so far). Resume it or start "
                                             "afresh?").format(n=done)), InlineKeyboardMarkup(rows))
        return str(a["step"]) if a["step"] in STEPS else REVIEW
    return await _begin(update, context, lang)


async def _begin(update: Update, context: CallbackContext[Any, Any, Any, Any], lang: str,
                 intro: bool = True) -> str:
    _ = gettext_for(lang, "plan")
    a = _new_answers(lang)
    assert context.user_data is not None
    context.user_data["plan"] = a
    chat = update.effective_chat
    assert chat is not None
    if intro:
        text = "\n".join([
            _bold(_("A repayment plan you can send to your lender")),
            _esc(_("I will ask about your debts, your income and your essential expenses, one question at a time, "
                   "and then work out what you can afford, a schedule, and a letter to each lender (in Chinese, "
                   "and in your language), with a PDF, a chart and calendar dates.")),
            _esc(_("Your answers are kept only until the plan is delivered, unless you then choose to save it. "
                   "Back, Skip and Cancel are on every question.")),
        ])
        rows = []
        storage = _storage(context)
        user = update.effective_user
        if storage is not None and user is not None:
            saved = await store.saved_plans(storage, user.id)
            if saved:
                rows.append([_button(_("My saved plan"), "p:sv:list")])
        await _send(context, chat.id, text, InlineKeyboardMarkup(rows) if rows else None)
    return await ask(update, context, a, "lender", lang)


# -- the interview: typed answers ----------------------------------------------------------------------------

async def on_text(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> str | int | None:
    msg = update.effective_message
    a = _answers(context)
    lang = await _lang(update, context)
    if a is None:
        return await _lost(update, context, lang)
    lang = a.get("lang", lang)
    step = str(a.get("step", "lender"))
    text = (msg.text if msg else "") or ""
    chat = update.effective_chat
    assert chat is not None
    error, suggestion = store_answer(a, step, text, lang)
    await _drop_keyboard(context, chat.id, a.get("msg"))
    if error:
        return await ask(update, context, a, step, lang, error, suggestion)
    return await advance(update, context, a, step, lang)


async def on_other(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    lang = await _lang(update, context)
    _ = gettext_for(lang, "plan")
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, _esc(_("Please answer with text or the buttons.")), parse_mode="HTML")
    return None


async def _lost(update: Update, context: CallbackContext[Any, Any, Any, Any], lang: str) -> int:
    _ = gettext_for(lang, "plan")
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, _esc(_("Your plan answers are no longer here (they may have been "
                                                        "deleted). Send /plan to start again.")), parse_mode="HTML")
    return END


# -- the interview: buttons ---------------------------------------------------------------------------------

async def on_button(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> str | int | None:
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    lang = await _lang(update, context)
    a = _answers(context)
    if data.startswith("p:go:"):
        await query.answer()
        await _remove_markup(query)
        if data == "p:go:new" or a is None:
            if context.user_data is not None:
                context.user_data.pop("plan", None)
            return await _begin(update, context, lang, intro=False)
        return await ask(update, context, a, str(a.get("step", "lender")), a.get("lang", lang))
    if a is None:
        await query.answer()
        return await _lost(update, context, lang)
    lang = a.get("lang", lang)
    _ = gettext_for(lang, "plan")
    parts = data.split(":")
    step = str(a.get("step"))
    action = parts[1] if len(parts) > 1 else ""
    if action in ("back", "skip", "keep", "cancel", "v", "sug") and (len(parts) < 3 or parts[2] != step):
        await query.answer(_("That button belongs to an earlier question."))
        return None
    if action == "rv" and step != REVIEW:
        await query.answer(_("That button belongs to an earlier question."))
        return None
    await query.answer()
    await _remove_markup(query)
    if isinstance(query.message, Message) and query.message.message_id == a.get("msg"):
        a["msg"] = None
    if action == "cancel":
        return await cancel(update, context)
    if action == "back":
        hist = a.setdefault("hist", [])
        if not hist:
            return await ask(update, context, a, step, lang, _("This is the first question."))
        prev = hist.pop()
        return await ask(update, context, a, prev, lang)
    if action == "skip" and step in OPTIONAL:
        d = _debt(a)
        if step in ("interest", "penalties", "fees"):
            d.pop(step, None)
        elif step == "received":
            d.pop("amount_received", None)
        elif step == "rate":
            d.pop("annual_rate", None)
        elif step == "overdue":
            d.pop("overdue_months", None)
            d.pop("overdue_over_year", None)
        elif step.startswith("exp_"):
            a.setdefault("expenses", {}).pop(step[4:], None)
        elif step == "details":
            a.pop("details", None)
        return await advance(update, context, a, step, lang)
    if action == "keep":
        return await advance(update, context, a, step, lang)
    if action == "sug" and len(parts) == 4:
        error, suggestion = store_answer(a, step, parts[3], lang)
        if error:
            return await ask(update, context, a, step, lang, error, suggestion)
        return await advance(update, context, a, step, lang)
    if action == "v" and len(parts) == 4:
        return await _choice(update, context, a, step, parts[3], lang)
    if action == "rv":
        return await _review_action(update, context, a, parts[2:], lang)
    return await ask(update, context, a, step, lang)


async def _remove_markup(query: Any) -> None:
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        try:
            await query.message.edit_reply_markup(None)
        except BadRequest:
            pass


async def _choice(update: Update, context: CallbackContext[Any, Any, Any, Any], a: dict[str, Any], step: str,
                  value: str, lang: str) -> str:
    d = _debt(a)
    if step == "kind" and value in DEBT_KINDS:
        d["kind"] = value
    elif step == "overdue" and value in {v for v, _l in OVERDUE_CHOICES}:
        if value == "y":
            d["overdue_over_year"] = True
            d.pop("overdue_months", None)
        else:
            d["overdue_months"] = float(value)
            d.pop("overdue_over_year", None)
    elif step == "dependants" and value.isdigit():
        a["dependants"] = int(value)
    elif step == "reason" and value in HARDSHIP_REASONS:
        a["reason"] = value
    elif step == "more" and value in ("yes", "no"):
        if value == "yes" and len(a["debts"]) < MAX_DEBTS:
            a.setdefault("hist", []).append(step)
            a["debts"].append({})
            a["cur"] = len(a["debts"]) - 1
            return await ask(update, context, a, "lender", lang)
        a.setdefault("hist", []).append(step)
        nxt = REVIEW if a.get("reviewed") else "income"
        return await ask(update, context, a, nxt, lang)
    else:
        return await ask(update, context, a, step, lang)
    return await advance(update, context, a, step, lang)


async def _review_action(update: Update, context: CallbackContext[Any, Any, Any, Any], a: dict[str, Any],
                         args: list[str], lang: str) -> str | int:
    what = args[0] if args else ""
    a.setdefault("hist", []).append(REVIEW)
    if what == "make":
        a["hist"].pop()
        return await deliver(update, context, a, lang)
    if what == "d" and len(args) == 2 and args[1].isdigit() and int(args[1]) < len(a["debts"]):
        a["cur"] = int(args[1])
        a["edit_until"] = "received"
        return await ask(update, context, a, "lender", lang)
    if what == "rm" and len(args) == 2 and args[1].isdigit() and int(args[1]) < len(a["debts"]) \
            and len(a["debts"]) > 1:
        del a["debts"][int(args[1])]
        a["cur"] = 0
        a["hist"].pop()
        return await ask(update, context, a, REVIEW, lang)
    if what == "add" and len(a["debts"]) < MAX_DEBTS:
        a["debts"].append({})
        a["cur"] = len(a["debts"]) - 1
        a["edit_until"] = "received"
        return await ask(update, context, a, "lender", lang)
    groups = {"income": ("income", "income"), "exp": ("exp_housing", "exp_other"),
              "dep": ("dependants", "dependants"), "reason": ("reason", "details")}
    if what in groups:
        first, until = groups[what]
        a["edit_until"] = until
        return await ask(update, context, a, first, lang)
    a["hist"].pop()
    return await ask(update, context, a, REVIEW, lang)


async def cancel(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> int:
    lang = await _lang(update, context)
    _ = gettext_for(lang, "plan")
    a = _answers(context)
    chat = update.effective_chat
    if a and chat is not None:
        await _drop_keyboard(context, chat.id, a.get("msg"))
    if context.user_data is not None:
        context.user_data.pop("plan", None)
    if chat is not None:
        await context.bot.send_message(chat.id, _esc(_("Cancelled. Your plan answers have been deleted. Send /plan "
                                                        "to start again.")), parse_mode="HTML")
    return END


# -- delivery -----------------------------------------------------------------------------------------------

_DELIVERED: dict[str, tuple[int, dict[str, Any], float]] = {}


def _remember(user_id: int, answers: dict[str, Any]) -> str:
    now = time.monotonic()
    for k in [k for k, (_u, _a, t) in _DELIVERED.items() if now - t > DELIVERED_TTL]:
        del _DELIVERED[k]
    token = secrets.token_urlsafe(8)
    _DELIVERED[token] = (user_id, answers, now)
    return token


def _recall(user_id: int, token: str) -> dict[str, Any] | None:
    item = _DELIVERED.get(token)
    if item is None or item[0] != user_id or time.monotonic() - item[2] > DELIVERED_TTL:
        return None
    return item[1]


def answers_to_input(a: dict[str, Any], lang: str, today: dtm.date | None = None) -> dict[str, Any]:
    """The interview's answers in the INPUT.json format (docs/plan.md)."""
    debts = []
    for d in a.get("debts", []):
        if not d.get("lender") and not d.get("principal"):
            continue
        debts.append({k: v for k, v in d.items() if v is not None})
    out: dict[str, Any] = {"lang": lang, "income": a.get("income") or "0",
                           "expenses": {k: v for k, v in a.get("expenses", {}).items() if v is not None},
                           "dependants": int(a.get("dependants") or 0),
                           "hardship": {"reason": a.get("reason") or "other", "details": a.get("details") or ""},
                           "debts": debts}
    if today:
        out["today"] = today.isoformat()
    return out


async def deliver(update: Update, context: CallbackContext[Any, Any, Any, Any], a: dict[str, Any],
                  lang: str) -> str | int:
    _ = gettext_for(lang, "plan")
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    data = answers_to_input(a, lang, dtm.datetime.now(store.CHINA).date())
    try:
        inp = PlanInput.from_dict(data)
    except PlanInputError as exc:
        _LOGGER.info("plan input incomplete: %d problem(s)", len(exc.errors))
        return await ask(update, context, a, REVIEW, lang, _("Some answers are missing: please check the debts "
                                                             "(each needs a lender and a principal)."))
    await context.bot.send_chat_action(chat.id, "typing")
    kb = _kb(context)
    proposal = make_proposal(inp, kb, lang)
    # the answers leave user_data now: from here on nothing is stored unless the user chooses "Save"
    if context.user_data is not None:
        context.user_data.pop("plan", None)
    await _send(context, chat.id, proposal.summary_html())
    for letter in proposal.letters:
        title = _("Letter to {lender} ({language})").format(lender=letter.lender, language=_(LANGUAGE_NAMES[
            letter.lang]))
        await _send(context, chat.id, _bold(title) + "\n" + letter_html(letter.text))
    await context.bot.send_chat_action(chat.id, "upload_document")
    chart, pdf, ics = await asyncio.to_thread(_documents, proposal)
    await context.bot.send_photo(chat.id, InputFile(chart, filename="plan-chart.png"),
                                 caption=_esc(_("Your plan as a chart")), parse_mode="HTML")
    await context.bot.send_document(chat.id, InputFile(pdf, filename="repayment-plan.pdf"), parse_mode="HTML",
                                    caption=_esc(_("The plan and the letters as a PDF, ready to print or send.")))
    if ics is not None:
        await context.bot.send_document(chat.id, InputFile(ics, filename="payment-dates.ics"), parse_mode="HTML",
                                        caption=_esc(_("The payment dates for your calendar.")))
    token = _remember(user.id, data)
    rows = []
    if proposal.plan.creditors and context.application.job_queue is not None and _storage(context) is not None:
        rows.append([_button(_("🔔 Remind me before each payment"), f"p:x:remind:{token}")])
    if _storage(context) is not None:
        rows.append([_button(_("💾 Save this plan"), f"p:x:save:{token}")])
    rows.append([_button(_("🗑 Done, keep nothing"), f"p:x:drop:{token}")])
    await _send(context, chat.id, _esc(_("Your answers have been deleted from the bot. Nothing about this plan is "
                                         "kept unless you press Save. Reminders keep only the dates, the amounts "
                                         "and the lenders' names.")), InlineKeyboardMarkup(rows))
    return END


LANGUAGE_NAMES = {"zh-Hans": N_("simplified Chinese"), "zh-Hant": N_("traditional Chinese"), "en": N_("English")}


def _documents(proposal: Proposal) -> tuple[bytes, bytes, bytes | None]:
    chart = proposal.chart_png()
    pdf = proposal.pdf(chart)
    ics = proposal.ics() if proposal.plan.creditors else None
    return chart, pdf, ics


# -- after delivery: save, reminders, saved plans ----------------------------------------------------------------

async def on_after(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> str | int | None:
    """Buttons that work in and out of the interview: p:x:*, p:rem:off, p:sv:*."""
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    lang = await _lang(update, context)
    _ = gettext_for(lang, "plan")
    parts = (query.data or "").split(":")
    storage = _storage(context)
    if parts[1] == "x" and len(parts) == 4:
        answers = _recall(user.id, parts[3])
        if parts[2] == "drop":
            _DELIVERED.pop(parts[3], None)
            await query.answer(_("Nothing kept."))
            await _remove_markup(query)
            return None
        if answers is None or storage is None:
            await query.answer(_("This offer has expired: the answers are no longer in memory. Make the plan again "
                                 "with /plan."), show_alert=True)
            await _remove_markup(query)
            return None
        inp = PlanInput.from_dict(answers)
        plan = make_plan(inp)
        pid = compute_plan_id(plan)
        if parts[2] == "save":
            await store.save_plan(storage, user.id, pid, answers)
            await query.answer(_("Saved."))
            await _send(context, chat.id, _esc(_("Your plan is saved. Send /plan to open it again; /forget deletes it "
                                                 "with everything else.")))
        elif parts[2] == "remind":
            if context.application.job_queue is None:
                await query.answer()
                return None
            rows = store.reminder_rows(plan, user_id=user.id, chat_id=chat.id, plan_id=pid, lang=lang)
            await store.add_reminders(storage, rows)
            for r in rows:
                schedule_reminder(context.application, r)
            await query.answer(_("Reminders on."))
            await _send(context, chat.id, _esc(_("I will remind you at 09:00 (China time) the day before each of the "
                                                 "{n} payment dates.").format(n=len(rows))),
                        InlineKeyboardMarkup([[_button(_("Stop reminders"), "p:rem:off")]]))
        return None
    if parts[1] == "rem":
        n = await store.delete_reminders(storage, user.id) if storage is not None else 0
        unschedule_reminders(context.application, user.id)
        await query.answer(_("Reminders stopped."))
        await _remove_markup(query)
        await _send(context, chat.id, _esc(_("Reminders stopped ({n} deleted).").format(n=n)))
        return None
    if parts[1] == "sv":
        await query.answer()
        if storage is None:
            return None
        if parts[2] == "list":
            saved = await store.saved_plans(storage, user.id)
            if not saved:
                await _send(context, chat.id, _esc(_("You have no saved plan.")))
                return None
            pid, created, answers = saved[0]
            debts = ", ".join(d.get("lender", "?") for d in answers.get("debts", []))
            when = dtm.datetime.fromtimestamp(created, store.CHINA).date().isoformat()
            await _send(context, chat.id, _esc(_("Saved plan of {date}: {lenders}.").format(date=when, lenders=debts)),
                        InlineKeyboardMarkup([[_button(_("Open and edit"), f"p:sv:open:{pid}")],
                                              [_button(_("Delete saved plan"), "p:sv:del")]]))
            return None
        if parts[2] == "del":
            n = await store.delete_saved(storage, user.id)
            await _remove_markup(query)
            await _send(context, chat.id, _esc(_("Saved plan deleted ({n}).").format(n=n)))
            return None
        if parts[2] == "open" and len(parts) == 4:
            saved = {pid: ans for pid, _c, ans in await store.saved_plans(storage, user.id)}
            answers = saved.get(parts[3])
            if answers is None or context.user_data is None:
                await _send(context, chat.id, _esc(_("You have no saved plan.")))
                return None
            await _remove_markup(query)
            a = input_to_answers(answers, lang)
            context.user_data["plan"] = a
            return await ask(update, context, a, REVIEW, lang)
    await query.answer()
    return None


def input_to_answers(data: dict[str, Any], lang: str) -> dict[str, Any]:
    a = _new_answers(lang)
    a["debts"] = [dict(d) for d in data.get("debts", [])] or [{}]
    a["income"] = str(data.get("income", "0"))
    a["expenses"] = {k: str(v) for k, v in (data.get("expenses") or {}).items()}
    a["dependants"] = int(data.get("dependants") or 0)
    hardship = data.get("hardship") or {}
    a["reason"] = hardship.get("reason") or "other"
    a["details"] = hardship.get("details") or ""
    a["reviewed"] = True
    a["step"] = REVIEW
    return a


# -- reminders (JobQueue) ----------------------------------------------------------------------------------------

def schedule_reminder(app: Application[Any, Any, Any, Any, Any, Any], r: store.Reminder) -> None:
    jq = app.job_queue
    if jq is None:
        return
    for job in jq.get_jobs_by_name(r.job_name):
        job.schedule_removal()
    now = dtm.datetime.now(dtm.timezone.utc)
    when = max(dtm.datetime.fromtimestamp(r.fire_at, dtm.timezone.utc), now + dtm.timedelta(seconds=2))
    jq.run_once(reminder_job, when=when, name=r.job_name, chat_id=r.chat_id, user_id=r.user_id,
                data={"user_id": r.user_id, "plan_id": r.plan_id, "due": r.due.isoformat()})


def unschedule_reminders(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    jq = app.job_queue
    if jq is None:
        return
    for job in jq.jobs(f"^plan-reminder:{user_id}:"):
        job.schedule_removal()


async def reminder_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    if job is None or not isinstance(job.data, dict):
        return
    storage = _storage(context)
    if storage is None:
        return
    r = await store.get_reminder(storage, job.data["user_id"], job.data["plan_id"], job.data["due"])
    if r is None:        # cancelled, or deleted by /forget
        return
    _ = gettext_for(r.lang, "plan")
    lines = [_bold(_("Payment reminder")),
             _esc(_("Due on {date}:").format(date=r.due.isoformat()))]
    for line in r.payload.get("lines", []):
        lines.append(_esc(_("· {lender}: {amount} (payment {n} of {months})").format(
            lender=line["lender"], amount=format_yuan(int(line["amount"])), n=line["n"], months=line["months"])))
    try:
        await context.bot.send_message(r.chat_id, "\n".join(lines), parse_mode="HTML",
                                       reply_markup=InlineKeyboardMarkup([[_button(_("Stop reminders"),
                                                                                   "p:rem:off")]]))
    except TelegramError:
        _LOGGER.warning("could not send a plan reminder")
        return
    await store.delete_reminder(storage, r.user_id, r.plan_id, r.due.isoformat())


async def restore_reminders(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Schedule every stored reminder (at start-up). Idempotent."""
    services = app.bot_data.get("services") if isinstance(app.bot_data, dict) else None
    storage = getattr(services, "storage", None)
    if storage is None or app.job_queue is None:
        return 0
    if not storage.is_open:
        await storage.open()
    today = dtm.datetime.now(store.CHINA).date()
    n = 0
    for r in await store.list_reminders(storage):
        if r.due < today:          # the bot was down when it was due: too late to remind
            await store.delete_reminder(storage, r.user_id, r.plan_id, r.due.isoformat())
            continue
        schedule_reminder(app, r)
        n += 1
    return n


async def _restore_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    n = await restore_reminders(context.application)
    if n:
        _LOGGER.info("plan: %d reminder(s) scheduled", n)


class PlanConversationHandler(ConversationHandler[Any]):
    """The ConversationHandler of /plan. When the application loads the conversation states at initialize(),
    it also schedules, through the JobQueue, the restoring of the stored payment reminders (the JobQueue
    itself keeps nothing across restarts)."""

    async def _initialize_persistence(self, application: Any) -> Any:
        result = await super()._initialize_persistence(application)
        if application.job_queue is not None:
            application.job_queue.run_once(_restore_job, when=0.2, name="plan-restore-reminders")
        return result


# -- the handler -------------------------------------------------------------------------------------------------

def build_plan_handler() -> ConversationHandler[Any]:
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & private & filters.UpdateType.MESSAGE
    interview: list[Any] = [CallbackQueryHandler(on_button, pattern=r"^p:(back|skip|keep|cancel|v|sug|rv|go):"),
                            MessageHandler(text, on_text)]
    after = CallbackQueryHandler(on_after, pattern=r"^p:(x|rem|sv):")
    entry: list[Any] = [CommandHandler("plan", cmd_plan),
                        CallbackQueryHandler(cmd_plan, pattern=rf"^{PLAN_START_CALLBACK}$|^plan:start$"),
                        after,
                        CallbackQueryHandler(on_button, pattern=r"^p:go:")]
    # The interview is per user and chat, not per message: PTB warns that CallbackQueryHandlers are then not
    # tracked per message, which is exactly what is intended here (stale buttons are recognised by the step
    # named in their data). Only that warning is silenced, only here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"If 'per_message=False', 'CallbackQueryHandler' will not be "
                                r"tracked for every message", category=PTBUserWarning)
        return PlanConversationHandler(
            entry_points=entry,
            states={step: interview for step in STEPS},
            fallbacks=[CommandHandler("cancel", cancel),
                       MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.TEXT
                                      & ~filters.StatusUpdate.ALL, on_other)],
            name="plan",
            persistent=True,
            allow_reentry=True,
        )


__all__ = ["build_plan_handler", "PLAN_COMMANDS", "PLAN_START_CALLBACK", "restore_reminders", "answers_to_input"]
