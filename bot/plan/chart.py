"""The schedule as a picture (PNG): the balance owed to each creditor over time, and each month's instalments
against the money available. Labels use the vendored CJK font, so Chinese lender names render everywhere.

- Colours: the Okabe–Ito palette, distinguishable with the common kinds of colour blindness (and hatching
  from the ninth lender on); one key, below the plots, names each lender's colour for both plots, so no legend
  sits on the data.
- The x-axis shows months as dates ("Dec 2026", "2026年12月", Babel's CLDR names), not plan-month numbers.
- Amounts in the plan's currency (¥, $, HK$, NT$; none when the user gave none).

matplotlib is used through its object API (Figure + the Agg canvas): no pyplot, no global figure state, no
GUI backend; a lock serialises rendering because matplotlib is not thread-safe.
"""

from __future__ import annotations

import io
import math
import threading
from typing import Any

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import MonthLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from bot.plan.fonts import cjk_font_path
from bot.plan.labels import expense_label, format_month, translator
from bot.plan.model import EXPENSE_KEYS
from bot.plan.schedule import UNAFFORDABLE, Plan, add_months

_LOCK = threading.Lock()
# Okabe & Ito, "Color Universal Design" (2008): black last, kept for the lines
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
HATCHES = ["", "//", "..", "xx"]
INCOME_COLOUR = "#009E73"
LINE_AVAILABLE = "#000000"
LINE_SURPLUS = "#777777"


def colour(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def hatch(i: int) -> str:
    return HATCHES[(i // len(OKABE_ITO)) % len(HATCHES)]


def render_chart(plan: Plan, lang: str) -> bytes:
    """The chart as PNG bytes."""
    with _LOCK:
        return _render(plan, lang)


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _render(plan: Plan, lang: str) -> bytes:
    fig = build_figure(plan, lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def build_figure(plan: Plan, lang: str) -> Figure:
    """The chart as a matplotlib Figure (render_chart draws it; tests look at its legend, ticks and colours)."""
    _ = translator(lang)
    path = str(cjk_font_path())
    fp = FontProperties(fname=path, size=9)
    title_fp = FontProperties(fname=path, size=12)
    small_fp = FontProperties(fname=path, size=8)
    symbol = plan.input.money.symbol

    def money(value: float, _pos: Any) -> str:
        return f"{symbol}{value:,.0f}"

    fig = Figure(figsize=(8, 6.8), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    if plan.status == UNAFFORDABLE or not plan.creditors:
        ax = fig.add_subplot(1, 1, 1)
        b = plan.budget
        bottom = 0.0
        handles: list[Artist] = [Patch(facecolor=INCOME_COLOUR, label=_("Income"))]
        palette = [c for c in OKABE_ITO if c != INCOME_COLOUR]
        for i, key in enumerate(k for k in EXPENSE_KEYS if b.expenses.get(k)):
            value = b.expenses[key] / 100
            ax.bar([1], [value], bottom=[bottom], color=palette[i % len(palette)], edgecolor="white", width=0.6)
            handles.append(Patch(facecolor=palette[i % len(palette)], label=expense_label(key, lang)))
            bottom += value
        ax.bar([0], [b.income / 100], color=INCOME_COLOUR, width=0.6)
        ax.set_xticks([0, 1])
        ax.set_xticklabels([_("Income"), _("Essential expenses")], fontproperties=fp)
        ax.yaxis.set_major_formatter(FuncFormatter(money))
        ax.set_title(_("Income and essential expenses each month"), fontproperties=title_fp)
        ax.set_xlim(-0.7, 1.7)
        fig.legend(handles=handles, prop=small_fp, loc="outside lower center", ncols=2, frameon=False)
        _tick_font(ax, small_fp)
    else:
        ax1 = fig.add_subplot(2, 1, 1)
        ax2 = fig.add_subplot(2, 1, 2, sharex=ax1)
        months = plan.months
        pay_dates = plan.dates()
        start = add_months(plan.first_payment_date, -1)
        xs = [date2num(d) for d in [start] + pay_dates]
        series = []
        for c in plan.creditors:
            bal = [c.owed / 100] + [p.balance_after / 100 for p in c.payments]
            bal += [bal[-1]] * (months + 1 - len(bal))
            series.append(bal)
        polys = ax1.stackplot(
            xs, *series, colors=[colour(i) for i in range(len(series))], alpha=0.9, edgecolor="white", linewidth=0.6
        )
        for i, poly in enumerate(polys):
            poly.set_hatch(hatch(i))
        ax1.set_title(_("Balance owed over time"), fontproperties=title_fp)
        ax1.set_ylabel(_("Still owed"), fontproperties=fp)
        ax1.yaxis.set_major_formatter(FuncFormatter(money))
        ax1.set_ylim(0, max(sum(s[0] for s in series), 1) * 1.05)
        stacked = [0.0] * months
        width = 20 if months > 1 else 25
        for i, c in enumerate(plan.creditors):
            amounts = [0.0] * months
            for p in c.payments:
                amounts[p.n - 1] = p.amount / 100
            ax2.bar(
                [date2num(d) for d in pay_dates],
                amounts,
                bottom=stacked,
                color=colour(i),
                hatch=hatch(i),
                width=width,
                edgecolor="white",
                linewidth=0.4,
            )
            stacked = [a + b for a, b in zip(stacked, amounts, strict=True)]
        ax2.axhline(plan.budget.available / 100, color=LINE_AVAILABLE, linestyle="--", linewidth=1.2)
        lines = [Line2D([], [], color=LINE_AVAILABLE, linestyle="--", label=_("Available for repayments"))]
        if plan.budget.surplus > plan.budget.available:
            ax2.axhline(plan.budget.surplus / 100, color=LINE_SURPLUS, linestyle=":", linewidth=1.2)
            lines.append(Line2D([], [], color=LINE_SURPLUS, linestyle=":", label=_("Left after essentials")))
        ax2.set_title(_("Instalments each month against the money available"), fontproperties=title_fp)
        ax2.set_ylabel(_("Per month"), fontproperties=fp)
        ax2.yaxis.set_major_formatter(FuncFormatter(money))
        ax2.set_ylim(0, max(plan.budget.surplus, plan.budget.available, plan.monthly_total) / 100 * 1.15)
        interval = max(1, math.ceil((months + 1) / 7))
        ax2.xaxis.set_major_locator(MonthLocator(interval=interval, bymonthday=min(plan.first_payment_date.day, 28)))
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_month(num2date(x).date(), lang)))
        ax1.set_xlim(xs[0] - 10, xs[-1] + 15)
        for ax in (ax1, ax2):
            _tick_font(ax, small_fp)
        handles = [
            Patch(facecolor=colour(i), hatch=hatch(i), edgecolor="white", label=_short(c.debt.lender))
            for i, c in enumerate(plan.creditors)
        ]
        handles += lines
        fig.legend(
            handles=handles, prop=small_fp, loc="outside lower center", ncols=min(3, len(handles)), frameon=False
        )
    fig.canvas.draw()  # ticks get their labels (dates) now
    return fig


def _tick_font(ax: Any, fp: FontProperties) -> None:
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(fp)


__all__ = ["render_chart", "build_figure", "OKABE_ITO", "colour"]
