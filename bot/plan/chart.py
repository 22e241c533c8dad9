"""The schedule as a picture (PNG): the balance owed to each creditor over time, and each month's instalments
against the money available. Labels use the bundled CJK font, so Chinese lender names render everywhere.

matplotlib is used through its object API (Figure + the Agg canvas): no pyplot, no global figure state, no
GUI backend; a lock serialises rendering because matplotlib is not thread-safe.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.plan.fonts import cjk_font_path
from bot.plan.labels import expense_label, translator
from bot.plan.model import EXPENSE_KEYS
from bot.plan.schedule import UNAFFORDABLE, Plan

_LOCK = threading.Lock()
COLOURS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#718096", "#e53e3e",
           "#3182ce"]


def _yuan_axis(value: float, _pos: Any) -> str:
    return f"¥{value:,.0f}"


def render_chart(plan: Plan, lang: str) -> bytes:
    """The chart as PNG bytes."""
    with _LOCK:
        return _render(plan, lang)


def _render(plan: Plan, lang: str) -> bytes:
    _ = translator(lang)
    fp = FontProperties(fname=str(cjk_font_path()))
    title_fp = FontProperties(fname=str(cjk_font_path()), size=13)
    small_fp = FontProperties(fname=str(cjk_font_path()), size=8)
    fig = Figure(figsize=(8, 6.4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    money = FuncFormatter(_yuan_axis)
    if plan.status == UNAFFORDABLE or not plan.creditors:
        ax = fig.add_subplot(1, 1, 1)
        b = plan.budget
        bottom = 0.0
        for i, key in enumerate(k for k in EXPENSE_KEYS if b.expenses.get(k)):
            value = b.expenses[key] / 100
            ax.bar([1], [value], bottom=[bottom], color=COLOURS[i % len(COLOURS)], label=expense_label(key, lang))
            bottom += value
        ax.bar([0], [b.income / 100], color="#2f855a", label=_("Income"))
        ax.set_xticks([0, 1])
        ax.set_xticklabels([_("Income"), _("Essential expenses")], fontproperties=fp)
        ax.yaxis.set_major_formatter(money)
        ax.set_title(_("Income and essential expenses each month"), fontproperties=title_fp)
        ax.legend(prop=small_fp, loc="upper right")
    else:
        ax1 = fig.add_subplot(2, 1, 1)
        ax2 = fig.add_subplot(2, 1, 2, sharex=ax1)
        months = plan.months
        xs = list(range(0, months + 1))
        series = []
        for c in plan.creditors:
            bal = [c.owed / 100] + [p.balance_after / 100 for p in c.payments]
            bal += [bal[-1]] * (months + 1 - len(bal))
            series.append(bal)
        labels = [c.debt.lender for c in plan.creditors]
        colours = [COLOURS[i % len(COLOURS)] for i in range(len(series))]
        ax1.stackplot(xs, *series, labels=labels, colors=colours, alpha=0.85)
        ax1.set_title(_("Balance owed over time"), fontproperties=title_fp)
        ax1.set_ylabel(_("Still owed"), fontproperties=fp)
        ax1.yaxis.set_major_formatter(money)
        ax1.legend(prop=small_fp, loc="upper right")
        ax1.set_xlim(0, max(months, 1) + 0.5)
        bottom = [0.0] * months
        for i, c in enumerate(plan.creditors):
            amounts = [0.0] * months
            for p in c.payments:
                amounts[p.n - 1] = p.amount / 100
            ax2.bar(range(1, months + 1), amounts, bottom=bottom, color=colours[i], width=0.8)
            bottom = [a + b for a, b in zip(bottom, amounts)]
        ax2.axhline(plan.budget.available / 100, color="#2f855a", linestyle="--", linewidth=1.2,
                    label=_("Available for repayments"))
        if plan.budget.surplus > plan.budget.available:
            ax2.axhline(plan.budget.surplus / 100, color="#a0aec0", linestyle=":", linewidth=1.2,
                        label=_("Left after essentials"))
        ax2.set_title(_("Instalments each month against the money available"), fontproperties=title_fp)
        ax2.set_ylabel(_("Per month"), fontproperties=fp)
        ax2.set_xlabel(_("Month of the plan"), fontproperties=fp)
        ax2.yaxis.set_major_formatter(money)
        ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.set_ylim(0, max(plan.budget.surplus, plan.budget.available) / 100 * 1.25)
        ax2.legend(prop=small_fp, loc="lower right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
