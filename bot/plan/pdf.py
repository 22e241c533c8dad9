"""The plan as a PDF: budget, schedule, charges to question, the chart, and the letters (the simplified-Chinese
letter for the lender always, and the user's-language letter when that is another language).

fpdf2 with the bundled CJK font (bot.plan.fonts), embedded as a subset, so Chinese renders on any machine and
the text can be copied out of the PDF.
"""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from bot.plan.amounts import format_yuan
from bot.plan.checks import Flag
from bot.plan.fonts import cjk_font_path
from bot.plan.labels import STATUS_LABELS, flag_message, format_date, kind_label, translator
from bot.plan.letter import Letter, budget_lines
from bot.plan.schedule import UNAFFORDABLE, Plan

FONT = "cjk"
PDF_LANG = {"zh-Hans": "zh-CN", "zh-Hant": "zh-Hant", "en": "en"}


class _Doc(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 8, f"{self.footer_text}  {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _wrap(lang: str) -> WrapMode:
    return WrapMode.WORD if lang == "en" else WrapMode.CHAR


def render_pdf(plan: Plan, flags: list[Flag], lang: str, letters: list[Letter], chart_png: bytes | None = None,
               kb: Any = None) -> bytes:
    _ = translator(lang)
    doc = _Doc(format="A4")
    doc.footer_text = _("Repayment plan")
    doc.set_title(_("Repayment plan"))
    doc.set_creator("rights-bot")
    doc.set_lang(PDF_LANG.get(lang, "zh-CN"))
    doc.add_font(FONT, fname=str(cjk_font_path()), collection_font_number=0)
    doc.set_auto_page_break(True, margin=16)
    doc.set_margins(18, 16, 18)
    doc.add_page()
    wrap = _wrap(lang)

    def heading(text: str, size: float = 13) -> None:
        doc.set_font(FONT, size=size)
        doc.multi_cell(0, size * 0.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=wrap)
        doc.ln(1.5)

    def para(text: str, size: float = 10) -> None:
        doc.set_font(FONT, size=size)
        doc.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=wrap)
        doc.ln(1)

    heading(_("Repayment plan"), 18)
    para(_("Prepared on {date}. Check the figures before you send anything.").format(
        date=format_date(plan.input.today, lang)), 9)
    para(_(STATUS_LABELS[plan.status]), 11)
    doc.ln(2)

    heading(_("Monthly budget"))
    b = plan.budget
    rows = [(_("Income"), format_yuan(b.income))] + budget_lines(plan, lang) + [
        (_("Essential expenses"), format_yuan(b.essentials)),
        (_("Left after essentials"), format_yuan(b.surplus)),
        (_("Kept back for the unexpected"), format_yuan(b.margin)),
        (_("Available for repayments"), format_yuan(b.available))]
    doc.set_font(FONT, size=10)
    with doc.table(col_widths=(110, 60), text_align=("LEFT", "RIGHT"), first_row_as_headings=False,
                   line_height=6, width=170) as table:
        for label, value in rows:
            table.row((label, value))
    doc.ln(4)

    if plan.status != UNAFFORDABLE and plan.creditors:
        heading(_("Schedule"))
        doc.set_font(FONT, size=9)
        head = (_("Lender"), _("Owed"), _("Each month"), _("Payments"), _("From"), _("To"), _("Total"))
        with doc.table(col_widths=(44, 22, 22, 16, 24, 24, 22), line_height=5.5, width=174,
                       text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT", "RIGHT"),
                       headings_style=FontFace(emphasis=None, fill_color=(232, 238, 247))) as table:
            table.row(head)
            for c in plan.creditors:
                table.row((f"{c.debt.lender}\n{kind_label(c.debt.kind, lang)}", format_yuan(c.debt.owed),
                           format_yuan(c.instalment), str(c.months), format_date(c.first_date, lang),
                           format_date(c.last_date, lang), format_yuan(c.total)))
        doc.ln(2)
        notes = []
        for c in plan.creditors:
            if c.last_instalment != c.instalment:
                notes.append(_("{lender}: last payment {amount}.").format(lender=c.debt.lender,
                                                                         amount=format_yuan(c.last_instalment)))
            if c.remaining > 0:
                notes.append(_("{lender}: still owed after {months} months: {amount}.").format(
                    lender=c.debt.lender, months=c.limit_months, amount=format_yuan(c.remaining)))
        if len(plan.creditors) > 1:
            notes.append(_("The money available each month is shared between your lenders in proportion to what "
                           "each is owed (pro rata), so each is treated fairly."))
        if any(c.limit_citation for c in plan.creditors):
            notes.append(_("Credit cards: a personalised instalment agreement can last at most 5 years; the bank "
                           "may agree to one but does not have to."))
        for n in notes:
            para(n, 9)
    else:
        heading(_("Nothing is affordable right now"))
        para(_("Ask each lender to pause collection and interest for a few months: the letter below asks for "
               "exactly that, with your budget."), 10)
        para(_("Get free legal advice: call 12348, the public legal services hotline, or ask there about legal "
               "aid."), 10)

    if flags:
        doc.ln(2)
        heading(_("Charges to question"))
        for f in flags:
            para("• " + flag_message(f, plan.input, lang), 9)

    if chart_png:
        if doc.get_y() > 150:
            doc.add_page()
        doc.ln(3)
        doc.image(io.BytesIO(chart_png), w=170)

    for letter in letters:
        doc.add_page()
        doc.set_font(FONT, size=10.5)
        doc.multi_cell(0, 6, letter.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=_wrap(letter.lang))
    return bytes(doc.output())
