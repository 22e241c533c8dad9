"""The letters as a Word document (python-docx) the borrower can edit before sending: add a name, translate a
sentence, change a figure. One letter per page, from the same blocks as the PDF (title, headings, paragraphs,
numbered requests, the footnote). Fonts are named, not embedded (Word and LibreOffice substitute a CJK font when
the named one is missing). The document's properties carry no personal data.
"""

from __future__ import annotations

import datetime as dtm
import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bot.plan.labels import translator
from bot.plan.letter import Letter

EAST_ASIA_FONT = {"zh-Hans": "SimSun", "zh-Hant": "PMingLiU", "en": "SimSun"}
LATIN_FONT = "Calibri"


def _fonts(run_or_style: object, lang: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT.get(lang, "SimSun"))


def render_docx(letters: list[Letter], lang: str = "zh-Hans") -> bytes:
    _ = translator(lang)
    doc = Document()
    props = doc.core_properties
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.title = _("Letters to your lenders")
    now = dtm.datetime.now(dtm.UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    for n, letter in enumerate(letters):
        if n:
            doc.add_page_break()
        for kind, text in letter.blocks:
            if kind == "blank":
                continue
            p = doc.add_paragraph()
            fmt = p.paragraph_format
            fmt.space_after = Pt(3)
            run = p.add_run(text)
            if kind == "title":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                fmt.space_after = Pt(12)
                _fonts(run, letter.lang, 16, True)
            elif kind == "h":
                fmt.space_before = Pt(8)
                _fonts(run, letter.lang, 12, True)
            elif kind == "item":
                fmt.left_indent = Cm(0.6)
                fmt.first_line_indent = Cm(-0.6)
                _fonts(run, letter.lang, 10.5)
            elif kind == "note":
                _fonts(run, letter.lang, 8.5)
            else:
                _fonts(run, letter.lang, 10.5)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
