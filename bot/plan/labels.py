"""Localised labels and messages of the plan (gettext domain "plan"; msgids in English)."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Callable

from babel.dates import format_date as format_babel_date

from bot.i18n import gettext_for
from bot.plan.checks import Flag
from bot.plan.model import PlanInput


def N_(message: str) -> str:
    """Mark a string for the catalogue; it is translated where it is shown."""
    return message


DOMAIN = "plan"

KIND_LABELS = {
    "credit_card": N_("Credit card"),
    "consumer_finance": N_("Consumer-finance loan"),
    "online_platform": N_("Online lending platform"),
    "bank_loan": N_("Bank loan"),
    "private": N_("Private loan (from an individual)"),
    "other": N_("Other"),
    "money_lender": N_("Money lender (finance company)"),
    "cash_card": N_("Cash card"),
    "debt_collector": N_("Debt collector or debt buyer"),
}
EXPENSE_LABELS = {
    "housing": N_("Housing (rent or mortgage, utilities)"),
    "food": N_("Food and daily necessities"),
    "transport": N_("Transport"),
    "medical": N_("Medical"),
    "children": N_("Children and other dependants"),
    "other_debts": N_("Minimum payments on other debts"),
    "other": N_("Other essentials"),
}
REASON_LABELS = {
    "job_loss": N_("Job loss"),
    "illness": N_("Illness or injury"),
    "business_failure": N_("Business failure"),
    "family_emergency": N_("Family emergency"),
    "other": N_("Other reason"),
}
# the letter's labels of a jurisdiction without plan rules (covered ones name them in their plan.yaml)
ID_LABEL = N_("ID number")
ACCOUNT_LABEL = N_("Account number")

STATUS_LABELS = {
    "ok": N_("The debts can be cleared within the limits."),
    "ok_if_waived": N_("The debts can be cleared within the limits if penalty interest and fees are waived."),
    "exceeds_limit": N_("The debts cannot be cleared within the limits, even without penalty interest and fees."),
    "unaffordable": N_("After essential expenses and a safety margin, nothing is left to offer."),
}


def translator(lang: str) -> Callable[[str], str]:
    return gettext_for(lang, DOMAIN)


def kind_label(kind: str, lang: str) -> str:
    return translator(lang)(KIND_LABELS.get(kind, KIND_LABELS["other"]))


def expense_label(key: str, lang: str) -> str:
    return translator(lang)(EXPENSE_LABELS[key])


def reason_label(key: str, lang: str) -> str:
    return translator(lang)(REASON_LABELS.get(key, REASON_LABELS["other"]))


BABEL_LOCALES = {"zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW", "en": "en"}
DATE_PATTERNS = {"en": "d MMM y", "zh-Hans": "y年M月d日", "zh-Hant": "y年M月d日"}
MONTH_PATTERNS = {"en": "MMM y", "zh-Hans": "y年M月", "zh-Hant": "y年M月"}


def format_date(d: dtm.date | None, lang: str) -> str:
    """23 Dec 2026 / 2026年12月23日, with Babel's CLDR data (never the process locale, as strftime would)."""
    if d is None:
        return ""
    return format_babel_date(
        d, DATE_PATTERNS.get(lang, DATE_PATTERNS["zh-Hans"]), locale=BABEL_LOCALES.get(lang, "zh_Hans_CN")
    )


def format_month(d: dtm.date, lang: str) -> str:
    """Dec 2026 / 2026年12月 (the chart's axis)."""
    return format_babel_date(
        d, MONTH_PATTERNS.get(lang, MONTH_PATTERNS["zh-Hans"]), locale=BABEL_LOCALES.get(lang, "zh_Hans_CN")
    )


def format_months(months: float | None, lang: str, over_year: bool = False) -> str:
    _ = translator(lang)
    if over_year:
        return _("more than a year")
    if months is None:
        return ""
    value = f"{months:g}"
    return _("{n} months").format(n=value) if months != 1 else _("1 month")


def rate_phrase(rate: float, estimated: bool, lang: str, *, letter: bool = False) -> str:
    """How a rate is named: "18% a year" / "about 23% a year (estimated)"; in a letter "the agreed rate is 18% a
    year" / "the overall yearly cost is about 23% by my estimate"."""
    _ = translator(lang)
    value = f"{rate:g}"
    if letter:
        what = (
            _("the overall yearly cost is about {rate}% by my estimate")
            if estimated
            else _("the agreed rate is {rate}% a year")
        )
    else:
        what = _("about {rate}% a year (estimated)") if estimated else _("{rate}% a year")
    return what.format(rate=value)


def flag_message(flag: Flag, inp: PlanInput, lang: str) -> str:
    """One careful sentence or two about a flag, in the language, from the jurisdiction's rules."""
    _ = translator(lang)
    p = flag.params
    lender = inp.debts[flag.debt].lender
    fmt = lambda cents: inp.fmt(cents, lang)  # noqa: E731
    if flag.code == "charges_estimate":
        if p.get("basis") == "contract":
            return _(
                "{lender}: the interest, penalties and fees ({charges}) on a principal of {principal} since the "
                "contract come to roughly {rate}% a year. This is only a rough estimate; ask the lender for a "
                "written breakdown."
            ).format(lender=lender, charges=fmt(p["charges"]), principal=fmt(p["principal"]), rate=f"{p['rate']:g}")
        return _(
            "{lender}: the interest, penalties and fees ({charges}) on a principal of {principal} over about "
            "{months} come to roughly {rate}% a year. This is only a rough estimate; ask the lender for a "
            "written breakdown."
        ).format(
            lender=lender,
            charges=fmt(p["charges"]),
            principal=fmt(p["principal"]),
            months=format_months(p["months"], lang),
            rate=f"{p['rate']:g}",
        )
    rules = inp.rules
    if rules is None:
        return flag.code
    values = {
        "lender": lender,
        "received": fmt(p.get("received", 0)),
        "principal": fmt(p.get("principal", 0)),
        "deducted": fmt(p.get("deducted", 0)),
        "rate": f"{p.get('rate', 0):g}",
        "cap": f"{p.get('cap', 0):g}",
        "lpr": f"{p.get('lpr') or 0:g}",
        "lpr_date": p.get("lpr_date") or "-",
        "since": p.get("since") or "",
        "charges": "",
        "months": "",
        "excess": "",
        "what": rate_phrase(p.get("rate", 0), bool(p.get("estimated")), lang),
    }
    if flag.code == "upfront_interest" and rules.upfront_interest is not None:
        return rules.upfront_interest.screen.get(lang).format(**values)
    line = next((x for x in rules.interest_lines if x.code == flag.code), None)
    if line is None:
        return flag.code
    text = line.screen.get(lang).format(**values)
    if flag.conditional and line.screen_if_unlicensed is not None:
        text += ("" if lang.startswith("zh") else " ") + line.screen_if_unlicensed.get(lang).format(**values)
    return text


def pointer_texts(pointers: list[object], lang: str) -> list[str]:
    """The borrower's own help lines of the jurisdiction (legal aid, 前置協商, time limits)."""
    return [p.screen.get(lang) for p in pointers]  # type: ignore[attr-defined]
