"""The plan's dates as an iCalendar file (RFC 5545): one all-day event per instalment with a reminder at 09:00 the
day before, so the phone's own calendar reminds the borrower, even without the bot; and, for every plan, a day to
check for the lenders' replies (the letters ask for one within 15 days). When nothing is affordable there are no
instalments, but the calendar is not empty: the reply check, and a reminder before the requested three-month pause
ends to make a new plan.
"""

from __future__ import annotations

import datetime as dtm

from icalendar import Alarm, Calendar, Event

from bot.plan.labels import translator
from bot.plan.schedule import UNAFFORDABLE, Plan, add_months, plan_id

REPLY_DAYS = 15  # the letters ask for a written reply within 15 days
PAUSE_MONTHS = 3  # the pause the "nothing affordable" letter asks for


def _event(uid: str, stamp: dtm.datetime, day: dtm.date, summary: str, description: str, alarm_text: str) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", day)
    ev.add("dtend", day + dtm.timedelta(days=1))
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", alarm_text)
    alarm.add("trigger", dtm.timedelta(hours=-15))  # 09:00 the day before an all-day event
    ev.add_component(alarm)
    return ev


def render_ics(plan: Plan, lang: str) -> bytes:
    _ = translator(lang)
    inp = plan.input
    fmt = lambda cents: inp.fmt(cents, lang)  # noqa: E731
    pid = plan_id(plan)
    cal = Calendar()
    cal.add("prodid", "-//rights-bot//repayment plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Repayment plan"))
    stamp = dtm.datetime.combine(inp.today, dtm.time(0, 0), tzinfo=dtm.UTC)
    reply_day = inp.today + dtm.timedelta(days=REPLY_DAYS)
    lenders = ", ".join(d.lender for d in inp.debts)
    cal.add_component(
        _event(
            f"{pid}-reply@rights-bot",
            stamp,
            reply_day,
            _("Check for replies to your letters"),
            _(
                "The letters asked {lenders} to reply in writing within 15 days. If a lender has not replied, or "
                "refuses, "
                "make a note of it and keep all letters and replies."
            ).format(lenders=lenders),
            _("Tomorrow: check for replies to your letters"),
        )
    )
    if plan.status == UNAFFORDABLE:
        pause_end = add_months(inp.today, PAUSE_MONTHS) - dtm.timedelta(days=14)
        cal.add_component(
            _event(
                f"{pid}-pause@rights-bot",
                stamp,
                pause_end,
                _("The pause you asked for ends in two weeks"),
                _(
                    "You promised your lenders to contact them before the three-month pause ends: look at your budget "
                    "again and make a new plan with /plan."
                ),
                _("Tomorrow: make a new plan before the pause ends"),
            )
        )
    for c in plan.creditors:
        for p in c.payments:
            cal.add_component(
                _event(
                    f"{pid}-{c.index}-{p.n}@rights-bot",
                    stamp,
                    p.date,
                    _("Pay {amount} to {lender} ({n}/{months})").format(
                        amount=fmt(p.amount), lender=c.debt.lender, n=p.n, months=c.months
                    ),
                    _(
                        "Instalment {n} of {months} of your repayment plan. Still owed after this payment: {balance}."
                    ).format(n=p.n, months=c.months, balance=fmt(p.balance_after)),
                    _("Tomorrow: pay {amount} to {lender}").format(amount=fmt(p.amount), lender=c.debt.lender),
                )
            )
    return cal.to_ical()
