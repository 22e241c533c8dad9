"""Localised labels and messages of the plan (gettext domain "plan"; msgids in English)."""

from __future__ import annotations

import datetime as dtm
from typing import Callable

from babel.dates import format_date as format_babel_date

from bot.i18n import gettext_for
from bot.plan.amounts import format_yuan
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
    "private": N_("Private loan (a person or an unlicensed lender)"),
    "other": N_("Other"),
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
    return format_babel_date(d, DATE_PATTERNS.get(lang, DATE_PATTERNS["zh-Hans"]),
                             locale=BABEL_LOCALES.get(lang, "zh_Hans_CN"))


def format_month(d: dtm.date, lang: str) -> str:
    """Dec 2026 / 2026年12月 (the chart's axis)."""
    return format_babel_date(d, MONTH_PATTERNS.get(lang, MONTH_PATTERNS["zh-Hans"]),
                             locale=BABEL_LOCALES.get(lang, "zh_Hans_CN"))


def format_months(months: float | None, lang: str, over_year: bool = False) -> str:
    _ = translator(lang)
    if over_year:
        return _("more than a year")
    if months is None:
        return ""
    value = f"{months:g}"
    return _("{n} months").format(n=value) if months != 1 else _("1 month")


def flag_message(flag: Flag, inp: PlanInput, lang: str) -> str:
    """One careful sentence or two about a flag, in the language."""
    _ = translator(lang)
    p = flag.params
    lender = inp.debts[flag.debt].lender
    if flag.code == "upfront_interest":
        return _("{lender}: you received {received} of a {principal} loan, so {deducted} seems to have been "
                 "deducted upfront. Interest may not be deducted from the principal in advance: only the amount "
                 "actually received counts as principal.").format(
            lender=lender, received=format_yuan(p["received"]), principal=format_yuan(p["principal"]),
            deducted=format_yuan(p["deducted"]))
    if flag.code == "charges_estimate":
        return _("{lender}: the interest, penalties and fees ({charges}) on a principal of {principal} over about "
                 "{months} come to roughly {rate}% a year. This is only a rough estimate; ask the lender for a "
                 "written breakdown.").format(
            lender=lender, charges=format_yuan(p["charges"]), principal=format_yuan(p["principal"]),
            months=format_months(p["months"], lang), rate=f"{p['rate']:g}")
    rate = f"{p['rate']:g}"
    what = _("about {rate}% a year (estimated)") if p.get("estimated") else _("{rate}% a year")
    what = what.format(rate=rate)
    if flag.code == "above_4x_lpr":
        text = _("{lender}: {what} is above 4 times the one-year LPR ({cap}% with the {lpr}% LPR published on "
                 "{lpr_date}). In private lending, courts do not support interest, penalty interest and fees above "
                 "4 times the one-year LPR at the date of the contract; check the LPR of your contract date at "
                 "chinamoney.com.cn.").format(lender=lender, what=what, cap=f"{p['cap']:g}", lpr=f"{p['lpr']:g}",
                                              lpr_date=p["lpr_date"] or "-")
        if p.get("conditional"):
            text += ("" if lang.startswith("zh") else " ") + _("This applies only if the lender is not a licensed financial institution: loans from "
                            "licensed institutions are outside the private-lending rules.")
        return text
    if flag.code == "above_24_line":
        return _("{lender}: {what} is above 24% a year, a line that is often cited for licensed lenders. It is not "
                 "a confirmed legal cap, but you can ask the lender to explain the charges in writing and to reduce "
                 "them.").format(lender=lender, what=what)
    if flag.code == "above_36_line":
        return _("{lender}: {what} is above 36% a year. For lenders without a licence who lend habitually, the "
                 "opinion on illegal lending treats lending above 36% a year as a sign of serious illegal lending; "
                 "you can report it to the police (110).").format(lender=lender, what=what)
    return flag.code
