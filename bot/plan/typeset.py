"""Line breaking for mixed Chinese and Latin text, for the PDF.

fpdf2's own wrapping breaks Chinese text at any character and justifies lines, which produced lines starting
with "；" or "）", amounts split across lines ("合计¥" / "13,500"), Latin words cut ("part-ti" / "me") and names
spread out ("本人Li    Wei"). Here a text becomes unbreakable units, then lines are filled greedily and set
flush left:
- a run of Latin letters, digits and signs (a word, "¥13,500", "HK$1,200", "2026-01-20", "chinamoney.com.cn") is
  one unit; an amount with Chinese currency words (新臺幣12,000元) and a date (2026年12月23日) are one unit;
- each Chinese character is a unit; closing punctuation (，。；：）」… and the like) sticks to the unit before it,
  opening punctuation (（「《“) to the unit after it (kinsoku shori), so neither ever starts or ends a line wrongly;
- Latin text breaks only at spaces; a unit wider than a line (a long URL) is cut by characters as a last resort.
"""

from __future__ import annotations

import re
from collections.abc import Callable

OPENING = set("（([【〔《〈「『“‘￥")
CLOSING = set("，。、；：！？）)]】〕》〉」』”’…—％%,.;:!?·・〕")
_CJK_CHAR = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_ATOM = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月"
    r"|(?:新臺幣|新台币|新台幣|港幣|港币|人民币|人民幣)?(?:[A-Z]{2,3}\$|[¥$￥€£])?\d[\d,]*(?:\.\d+)?(?:元|萬|万)?"
    r"(?![\dA-Za-z,.\-/:_])"
    rf"|[^\s{_CJK_CHAR}]+"
    rf"|[{_CJK_CHAR}]"
    r"|\s+"
)


def units(text: str) -> list[str]:
    """The unbreakable pieces of a text, spaces kept as their own pieces."""
    raw = _ATOM.findall(text)
    out: list[str] = []
    pending_open = ""
    for tok in raw:
        if tok.isspace():
            if pending_open:
                out.append(pending_open)
                pending_open = ""
            out.append(" ")
            continue
        if all(ch in CLOSING for ch in tok) and out and not out[-1].isspace():
            out[-1] += tok
            continue
        if all(ch in OPENING for ch in tok):
            pending_open += tok
            continue
        out.append(pending_open + tok)
        pending_open = ""
    if pending_open:
        if out and not out[-1].isspace():
            out[-1] += pending_open
        else:
            out.append(pending_open)
    return out


def wrap(text: str, width: float, measure: Callable[[str], float], first_width: float | None = None) -> list[str]:
    """The lines of `text` that fit in `width` (`first_width` for the first line), by the `measure` of a string."""
    lines: list[str] = []
    current = ""
    limit = first_width if first_width is not None else width
    for unit in units(text):
        if unit == " ":
            if current:
                current += " "
            continue
        candidate = current + unit
        if current and measure(candidate.rstrip()) > limit:
            lines.append(current.rstrip())
            limit = width
            current = ""
            candidate = unit
        if not current and measure(unit) > limit:
            # longer than a line on its own (a long URL): cut it, the only place a unit is ever cut
            piece = ""
            for ch in unit:
                if piece and measure(piece + ch) > limit:
                    lines.append(piece)
                    limit = width
                    piece = ""
                piece += ch
            current = piece
            continue
        current = candidate
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines
