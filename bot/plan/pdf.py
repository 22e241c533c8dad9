"""The plan as a PDF: budget, schedule, charges to question, notes, the chart, and the letters (the lender's
language always, and the user's own when that is another language).

fpdf2 with the vendored CJK font (bot.plan.fonts), embedded as a subset, so Chinese renders on any machine and
the text can be copied out of the PDF. Text is broken into lines by bot.plan.typeset (no line starts with
closing punctuation, amounts, dates and Latin words are never split) and set flush left, never justified.
Titles are centred and larger; headings larger, in faux bold (fill and stroke: the font has no bold face).
"""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from bot.plan.checks import Flag
from bot.plan.fonts import cjk_font_path
from bot.plan.labels import STATUS_LABELS, flag_message, format_date, kind_label, translator
from bot.plan.letter import Letter, applicable_pointers, budget_lines, pointer_texts
from bot.plan.schedule import UNAFFORDABLE, Plan
from bot.plan.typeset import wrap

FONT = "cjk"
PDF_LANG = {"zh-Hans": "zh-CN", "zh-Hant": "zh-Hant", "en": "en"}


class _Doc(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 8, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    # -- text -------------------------------------------------------------------------------------------------

    def paragraph(
        self,
        text: str,
        size: float = 10,
        *,
        indent: float = 0,
        hanging: str = "",
        bold: bool = False,
        align: str = "L",
        leading: float = 1.45,
    ) -> None:
        """A paragraph: wrapped by bot.plan.typeset, each line set flush left (or centred)."""
        self.set_font(FONT, size=size)
        width = self.w - self.l_margin - self.r_margin - indent
        hang = self.get_string_width(hanging) if hanging else 0.0
        body = text[len(hanging) :] if hanging and text.startswith(hanging) else text
        rows = wrap(body, width - hang, self.get_string_width, first_width=width - hang)
        height = size * 0.3528 * leading  # pt -> mm, with leading
        if bold:
            with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * 0.014):
                self._rows(rows, height, indent, width, hanging, hang, align)
        else:
            self._rows(rows, height, indent, width, hanging, hang, align)

    def _rows(
        self, rows: list[str], height: float, indent: float, width: float, hanging: str, hang: float, align: str
    ) -> None:
        for n, row in enumerate(rows):
            if self.will_page_break(height):
                self.add_page()
            self.set_x(self.l_margin + indent)
            if hanging and n == 0:
                self.cell(hang, height, hanging, new_x=XPos.RIGHT, new_y=YPos.TOP)
            elif hanging:
                self.set_x(self.l_margin + indent + hang)
            self.cell(width - hang if hanging else width, height, row, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _item_prefix(text: str) -> str:
    head = text.split(" ", 1)[0]
    return head + " " if head.rstrip(".").isdigit() and head.endswith(".") and " " in text else ""


def render_letter_pages(doc: _Doc, letter: Letter) -> None:
    """One letter from its blocks: title, headings, paragraphs, numbered requests, the footnote."""
    doc.add_page()
    previous = ""
    for n, (kind, text) in enumerate(letter.blocks):
        if kind == "keep":
            rest = letter.blocks[n + 1 :]
            needed = sum(2.2 if k == "blank" else 5.6 * max(1, len(t) // 45 + 1) for k, t in rest)
            if doc.get_y() + needed > doc.page_break_trigger:
                doc.add_page()
            continue
        if kind == "blank":
            if previous not in ("blank", ""):
                doc.ln(2.2)
            previous = kind
            continue
        if kind == "title":
            doc.paragraph(text, 15.5, align="C", bold=True)
            doc.ln(3)
        elif kind == "h":
            if previous not in ("blank", "title"):
                doc.ln(1.5)
            doc.paragraph(text, 11.5, bold=True)
            doc.ln(0.6)
        elif kind == "item":
            doc.paragraph(text, 10.5, hanging=_item_prefix(text))
        elif kind == "note":
            doc.set_text_color(90, 90, 90)
            doc.paragraph(text, 8.5)
            doc.set_text_color(0, 0, 0)
        else:
            doc.paragraph(text, 10.5)
        previous = kind


def render_pdf(
    plan: Plan,
    flags: list[Flag],
    lang: str,
    letters: list[Letter],
    chart_png: bytes | None = None,
    kb: Any = None,
    notes: list[str] | None = None,
) -> bytes:
    _ = translator(lang)
    inp = plan.input
    fmt = lambda cents: inp.fmt(cents, lang)  # noqa: E731
    doc = _Doc(format="A4")
    doc.footer_text = _("Repayment plan")
    doc.set_title(_("Repayment plan"))
    doc.set_creator("rights-bot")
    doc.set_lang(PDF_LANG.get(lang, "zh-CN"))
    doc.add_font(FONT, fname=str(cjk_font_path()), collection_font_number=0)
    doc.set_auto_page_break(True, margin=16)
    doc.set_margins(20, 18, 20)
    doc.add_page()
    cell_wrap = WrapMode.WORD if lang == "en" else WrapMode.CHAR

    def heading(text: str, size: float = 13) -> None:
        doc.paragraph(text, size, bold=True)
        doc.ln(1.5)

    def para(text: str, size: float = 10) -> None:
        doc.paragraph(text, size)
        doc.ln(1)

    doc.paragraph(_("Repayment plan"), 18, bold=True)
    doc.ln(1.5)
    para(
        _("Prepared on {date}. Check the figures before you send anything.").format(date=format_date(inp.today, lang)),
        9,
    )
    para(_(STATUS_LABELS[plan.status]), 11)
    doc.ln(2)

    heading(_("Monthly budget"))
    b = plan.budget
    rows = (
        [(_("Income"), fmt(b.income))]
        + budget_lines(plan, lang)
        + [
            (_("Essential expenses"), fmt(b.essentials)),
            (_("Left after essentials"), fmt(b.surplus)),
            (_("Kept back for the unexpected"), fmt(b.margin)),
            (_("Available for repayments"), fmt(b.available)),
        ]
    )
    doc.set_font(FONT, size=10)
    with doc.table(
        col_widths=(110, 60),
        text_align=("LEFT", "RIGHT"),
        first_row_as_headings=False,
        line_height=6,
        width=170,
        wrapmode=cell_wrap,
    ) as table:
        for label, value in rows:
            table.row((label, value))
    doc.ln(4)

    if plan.status != UNAFFORDABLE and plan.creditors:
        heading(_("Schedule"))
        doc.set_font(FONT, size=9)
        head = (_("Lender"), _("Plan amount"), _("Each month"), _("Payments"), _("From"), _("To"), _("Total"))
        with doc.table(
            col_widths=(38, 24, 22, 16, 24, 24, 22),
            line_height=5.5,
            width=170,
            wrapmode=cell_wrap,
            text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT", "RIGHT"),
            headings_style=FontFace(emphasis=None, fill_color=(232, 238, 247)),
        ) as table:
            table.row(head)
            for c in plan.creditors:
                table.row(
                    (
                        f"{c.debt.lender}\n{kind_label(c.debt.kind, lang)}",
                        fmt(c.owed),
                        fmt(c.instalment),
                        str(c.months),
                        format_date(c.first_date, lang),
                        format_date(c.last_date, lang),
                        fmt(c.total),
                    )
                )
        doc.ln(2)
        lines = []
        for c in plan.creditors:
            if c.last_instalment != c.instalment:
                lines.append(
                    _("{lender}: last payment {amount}.").format(lender=c.debt.lender, amount=fmt(c.last_instalment))
                )
            if c.position is not None and c.position.disputed > 0:
                lines.append(
                    _("{lender}: {claimed} claimed, of which {disputed} is disputed in the letter.").format(
                        lender=c.debt.lender, claimed=fmt(c.position.claimed), disputed=fmt(c.position.disputed)
                    )
                )
            if c.remaining > 0:
                lines.append(
                    _("{lender}: still owed after {months} months: {amount}.").format(
                        lender=c.debt.lender, months=c.limit_months, amount=fmt(c.remaining)
                    )
                )
        if len(plan.creditors) > 1:
            lines.append(
                _(
                    "The money available each month is shared between your lenders in proportion to what "
                    "each is owed (pro rata), so each is treated fairly."
                )
            )
        rules = inp.rules
        for c in plan.creditors:
            rule = rules.instalments_for(c.debt.kind) if rules is not None else None
            if rule is not None and c.limit_citation and rule.screen.get(lang) not in lines:
                lines.append(rule.screen.get(lang))
        for n in lines:
            para(n, 9)
    else:
        heading(_("Nothing is affordable right now"))
        para(
            _(
                "Ask each lender to pause collection and interest for a few months: the letter below asks for "
                "exactly that, with your budget."
            ),
            10,
        )

    help_lines = pointer_texts(applicable_pointers(plan), lang)
    if help_lines:
        doc.ln(2)
        heading(_("Where to get help"))
        for h in help_lines:
            doc.paragraph("• " + h, 9, hanging="• ")
            doc.ln(0.8)

    if flags:
        doc.ln(2)
        heading(_("Charges to question"))
        for f in flags:
            doc.paragraph("• " + flag_message(f, inp, lang), 9, hanging="• ")
            doc.ln(0.8)

    if notes:
        doc.ln(2)
        heading(_("Before you send the letters"))
        for n in notes:
            doc.paragraph("• " + n, 9, hanging="• ")
            doc.ln(0.8)

    if chart_png:
        if doc.get_y() > 150:
            doc.add_page()
        doc.ln(3)
        doc.image(io.BytesIO(chart_png), w=170)

    for letter in letters:
        render_letter_pages(doc, letter)
    return bytes(doc.output())
