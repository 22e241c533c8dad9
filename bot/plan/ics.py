"""The payment dates as an iCalendar file (RFC 5545), one all-day event per instalment with a reminder at
09:00 the day before; the phone's own calendar then reminds the borrower, even without the bot."""

from __future__ import annotations

import datetime as dtm

from icalendar import Alarm, Calendar, Event

from bot.plan.amounts import format_yuan
from bot.plan.labels import translator
from bot.plan.schedule import Plan, plan_id


def render_ics(plan: Plan, lang: str) -> bytes:
    _ = translator(lang)
    pid = plan_id(plan)
    cal = Calendar()
    cal.add("prodid", "-//rights-bot//repayment plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Repayment plan"))
    stamp = dtm.datetime.combine(plan.input.today, dtm.time(0, 0), tzinfo=dtm.timezone.utc)
    for c in plan.creditors:
        for p in c.payments:
            ev = Event()
            ev.add("uid", f"{pid}-{c.index}-{p.n}@rights-bot")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", p.date)
            ev.add("dtend", p.date + dtm.timedelta(days=1))
            ev.add("summary", _("Pay {amount} to {lender} ({n}/{months})").format(
                amount=format_yuan(p.amount), lender=c.debt.lender, n=p.n, months=c.months))
            ev.add("description", _("Instalment {n} of {months} of your repayment plan. Still owed after this "
                                    "payment: {balance}.").format(n=p.n, months=c.months,
                                                                  balance=format_yuan(p.balance_after)))
            ev.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _("Tomorrow: pay {amount} to {lender}").format(
                amount=format_yuan(p.amount), lender=c.debt.lender))
            alarm.add("trigger", dtm.timedelta(hours=-15))
            ev.add_component(alarm)
            cal.add_component(ev)
    return cal.to_ical()
