"""From recognised lines (text, box, confidence) to the message the way a person reads the screenshot.

A phone screenshot has a status bar, a header with the other party's name or number, times, bubbles from
both sides and an input bar. `arrange()`:

1. straightens the boxes (a photo or a rotated scan is a little skewed) and orders them by rows;
2. drops the chrome: the status bar (clock, battery, carrier), app buttons and labels, the input bar;
3. keeps the sender (the header of a chat) and the times shown, each on its own line: the assessment uses
   them (a call at 23:47, a "court" that writes from a mobile number);
4. groups lines into bubbles (same left edge, close together) and, when the screen is a chat whose sides
   can be told apart, keeps only the other party's bubbles (the left side; the borrower's own are on the
   right in SMS apps and WeChat alike), each bubble whole on one line;
5. on a letter or a notice (no chat chrome), groups lines into paragraphs and keeps everything.

No image processing here: only geometry and a few patterns, so it is fast and easy to test.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass
class OcrLine:
    """One recognised line: its text, its box in the image (4 corners, clockwise from top left), confidence."""

    text: str
    box: list[Point]
    confidence: float
    # filled by arrange(): coordinates after straightening, what the line is, where it went
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    role: str = ""  # sender | time | message | text | dropped
    reason: str = ""  # why it was dropped (status bar, input bar, button, own message ...)

    @property
    def h(self) -> float:
        return max(1.0, self.y1 - self.y0)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Block:
    """What the reader shows as one line: a sender, a time, a whole bubble or a paragraph."""

    role: str  # sender | time | message | text
    lines: list[OcrLine]
    side: str = ""  # left | right (chat bubbles)
    text: str = ""

    @property
    def x0(self) -> float:
        return min(ln.x0 for ln in self.lines)

    @property
    def x1(self) -> float:
        return max(ln.x1 for ln in self.lines)


@dataclass
class Layout:
    blocks: list[Block]
    dropped: list[OcrLine]
    kind: str  # chat | document
    angle: float = 0.0  # degrees the boxes were straightened by
    notes: list[str] = field(default_factory=list)


# -- patterns -------------------------------------------------------------------------------------------------

CLOCK = r"(?:[01]?\d|2[0-3])[:：][0-5]\d"
_STATUS_ITEM = re.compile(
    rf"^(?:{CLOCK}|\d{{1,3}}\s?%|[45]G\+?|LTE|VoLTE|HD|Wi-?Fi|[^\w]{{1,4}}|"
    r"中国移动|中國移動|中国联通|中國聯通|中国电信|中國電信|CMCC|CUCC|CTCC|China Mobile|"
    r"China Unicom|China Telecom|AT&T|Verizon|T-Mobile|SOS|\d{1,2}|[A-Za-z]{1,2})$",
    re.I,
)
_BUTTON = re.compile(
    r"^(?:[<>‹›〈〉«»←→＜＞]|返回|取消|编辑|編輯|完成|详情|詳情|详细信息|詳細資訊|信息|訊息|"
    r"消息|Messages?|Back|Edit|Cancel|Done|Details|Info|[.·•…⋯]{2,}|[.·•…⋯]|i|ⓘ|\(\d+\)|\d{1,3}|"
    r"发送|發送|Send|[+＋]|[^\w\s]{1,2})$",
    re.I,
)
_APP_LABEL = re.compile(
    r"^(?:短信|彩信|短信/彩信|短信／彩信|簡訊|简讯|信息|訊息|iMessage|Text\s?Message|SMS|MMS|"
    r"RCS(?:\s?消息|\s?message)?|Chat|文字讯息|文字訊息)$",
    re.I,
)
_INPUT = re.compile(
    r"^(?:短信|彩信|短信/彩信|簡訊|信息|訊息|iMessage|Text\s?Message|Message|"
    r"RCS(?:\s?消息|\s?message)?|SMS|MMS|发送|發送|Send|按住\s?说话|按住\s?說話|Hold\s?to\s?Talk|"
    r"输入消息|輸入訊息|Type\s?a\s?message|写消息|寫訊息|[+＋]|[^\w\s]{1,3}|\w)$",
    re.I,
)
_ICONS = re.compile(r"[\W\d_Oo○◎◯十口中]{1,6}")  # the input bar's icons, read as text
_TIME = re.compile(
    rf"^(?:(?:今天|昨天|前天|星期[一二三四五六日天]|周[一二三四五六日天]|週[一二三四五六日天]|"
    rf"礼拜[一二三四五六日天]|禮拜[一二三四五六日天]|(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日|"
    rf"\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)?\s*"
    rf"(?:上午|下午|晚上|凌晨|中午|早上|深夜|夜里)?\s*{CLOCK}|"
    rf"(?:Today|Yesterday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|"
    rf"Saturday|Sunday|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{{1,2}}"
    rf"(?:, \d{{4}})?)?,?\s*(?:at\s*)?(?:1[0-2]|0?\d)[:：][0-5]\d\s*(?:[AaPp]\.?\s?[Mm]\.?)?|"
    rf"(?:今天|昨天|前天|Today|Yesterday|星期[一二三四五六日天]|(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日))"
    r"(?:\s*(?:短信|簡訊|Text Message|SMS))?$",
    re.I,
)
LATIN_END = re.compile(r"[A-Za-z0-9,.;:!?%)'’\"]$")
LATIN_START = re.compile(r"^[A-Za-z0-9($\"'‘]")


def join_lines(texts: Sequence[str]) -> str:
    """The lines of one bubble or paragraph as one line: Chinese as it is, Latin words with a space."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out and LATIN_END.search(out) and LATIN_START.search(t):
            out += " "
        out += t
    return out


# -- the arrangement ------------------------------------------------------------------------------------------


def arrange(lines: Sequence[OcrLine], width: int, height: int) -> Layout:
    items = [ln for ln in lines if ln.text.strip()]
    if not items:
        return Layout([], [], "document")
    angle = _straighten(items, width, height)
    rows = _rows(items)
    left = min(ln.x0 for ln in items)
    right = max(ln.x1 for ln in items)
    top = min(ln.y0 for ln in items)
    bottom = max(ln.y1 for ln in items)
    span_w, span_h = max(1.0, right - left), max(1.0, bottom - top)
    dropped: list[OcrLine] = []

    def drop(row: list[OcrLine], reason: str) -> None:
        for ln in row:
            ln.role, ln.reason = "dropped", reason
            dropped.append(ln)

    # status bar: the top row(s) with a clock or a battery level, every other item short (icons read as
    # 山, 令, 口 ...)
    status = False
    while rows and rows[0][0].y1 <= top + 0.07 * max(span_h, height) and _status_row(rows[0]):
        drop(rows.pop(0), "status bar")
        status = True
    # input bar: bottom rows of placeholders and buttons
    bar = False
    while (
        rows
        and rows[-1][0].y0 >= bottom - 0.12 * span_h
        and all(_INPUT.match(ln.text.strip()) or _ICONS.fullmatch(ln.text.replace(" ", "")) for ln in rows[-1])
    ):
        drop(rows.pop(), "input bar")
        bar = True
    portrait = height >= 1.6 * width
    chat = status or bar or (portrait and _two_sides(rows, left, span_w))
    if not chat:
        return Layout(_paragraphs(rows, left, right), dropped, "document", angle)

    # header (chat): rows near the top before the first time; buttons dropped, the rest is the sender
    blocks: list[Block] = []
    body_top = rows[0][0].y0 if rows else top
    header_limit = (top if status else body_top) + 0.14 * max(span_h, 0.8 * height)
    while rows and rows[0][0].y1 <= header_limit and not any(_TIME.match(ln.text.strip()) for ln in rows[0]):
        row = rows.pop(0)
        kept = []
        for ln in row:
            if _APP_LABEL.match(ln.text.strip()):
                drop([ln], "app label")
            elif _BUTTON.match(ln.text.strip()):
                drop([ln], "button")
            else:
                kept.append(ln)
        if kept:
            for ln in kept:
                ln.role = "sender"
            blocks.append(Block("sender", kept, text=" ".join(ln.text.strip() for ln in kept)))
    # the body: times and app labels (centred), bubbles
    mid = width / 2  # the screen's middle (text may hug one side of it)
    bubbles: list[Block] = []
    current: Block | None = None
    heights = [ln.h for row in rows for ln in row] or [20.0]
    line_h = statistics.median(heights)
    for row in rows:
        single = len(row) == 1
        ln = row[0]
        text = " ".join(x.text.strip() for x in row)
        centred = single and abs(ln.cx - mid) < 0.08 * width and ln.x1 - ln.x0 < 0.6 * span_w
        if centred and _APP_LABEL.match(text):
            drop(row, "app label")
            current = None
            continue
        if centred and _TIME.match(text):
            ln.role = "time"
            blocks.append(Block("time", row, text=text))
            current = None
            continue
        gap_ok = current is not None and ln.y0 - current.lines[-1].y1 < 0.75 * line_h
        aligned = current is not None and abs(ln.x0 - current.lines[-1].x0) < max(0.035 * span_w, 0.8 * line_h)
        if single and current is not None and gap_ok and aligned:
            current.lines.append(ln)
            continue
        current = Block("message", list(row))
        bubbles.append(current)
        blocks.append(current)
    _sides(bubbles, width, line_h)
    sides = {b.side for b in bubbles}
    keep_right = "left" not in sides  # only one side shown: it cannot be told apart, keep it
    out: list[Block] = []
    for b in blocks:
        if b.role == "message" and b.side == "right" and not keep_right:
            drop(b.lines, "own message")
            continue
        if b.role == "message":
            for ln in b.lines:
                ln.role = "message"
            b.text = _block_text(b.lines)
        out.append(b)
    return Layout(out, dropped, "chat", angle)


def _sides(bubbles: list[Block], width: int, line_h: float) -> None:
    """Left or right: the other party's bubbles share their left edge, the borrower's their right edge."""
    if not bubbles:
        return
    left_anchor = min(b.x0 for b in bubbles)
    right_anchor = max(b.x1 for b in bubbles)
    tol = max(0.6 * line_h, 0.02 * width)
    for b in bubbles:
        at_left, at_right = abs(b.x0 - left_anchor) < tol, abs(b.x1 - right_anchor) < tol
        if at_left and not at_right:
            b.side = "left"
        elif at_right and not at_left:
            b.side = "right"
        else:  # as wide as the screen, or neither: the nearer edge decides
            b.side = "right" if width - b.x1 < b.x0 - 0.05 * width else "left"


def _status_row(row: list[OcrLine]) -> bool:
    """A row of the status bar: a clock or a battery level, and nothing long (icons are read as 山, 令, 三)."""
    texts = [ln.text.strip() for ln in row]
    if not any(re.match(rf"^{CLOCK}(?!\d)", t) or re.search(r"\d{1,3}\s?%|%\s?\d{1,3}", t) for t in texts):
        return False
    rest = re.sub(rf"^{CLOCK}", "", " ".join(texts))
    rest = re.sub(r"\d{1,3}\s?%|%\s?\d{1,3}|[45]G|LTE|Wi-?Fi|\s", "", rest, flags=re.I)
    return len(rest) <= 6 or all(_STATUS_ITEM.match(t) for t in texts)


def _two_sides(rows: list[list[OcrLine]], left: float, span_w: float) -> bool:
    """Without chrome: is this a chat with lines hugging both edges (bubbles of both sides)?"""
    lefts = sum(1 for row in rows for ln in row if ln.x0 - left < 0.12 * span_w and ln.x1 - left < 0.8 * span_w)
    rights = sum(1 for row in rows for ln in row if ln.x0 - left > 0.2 * span_w and ln.x1 - left > 0.9 * span_w)
    return lefts >= 1 and rights >= 1


def _paragraphs(rows: list[list[OcrLine]], left: float, right: float) -> list[Block]:
    """A letter or notice: wrapped lines of a paragraph are joined; titles, signatures, dates stand alone."""
    blocks: list[Block] = []
    heights = [ln.h for row in rows for ln in row] or [20.0]
    line_h = statistics.median(heights)
    full = left + 0.75 * (right - left)  # a line this long was wrapped (the next word did not fit)
    current: Block | None = None
    prev: OcrLine | None = None
    for row in rows:
        ln = row[0]
        for x in row:
            x.role = "text"
        if (
            current is not None
            and prev is not None
            and len(row) == 1
            and prev.x1 >= full
            and ln.y0 - prev.y1 < 0.8 * line_h
            and -3.2 * line_h < ln.x0 - prev.x0 < 1.2 * line_h
        ):
            current.lines.append(ln)
        else:
            current = Block("text", list(row))
            blocks.append(current)
        prev = row[-1]
    for b in blocks:
        b.text = _block_text(b.lines)
    return blocks


def _block_text(lines: list[OcrLine]) -> str:
    """Items of one row are separated by a space; lines below one another are joined as wrapped lines."""
    if len(lines) > 1 and max(ln.y0 for ln in lines) < min(ln.y1 for ln in lines):
        return " ".join(ln.text.strip() for ln in lines)
    return join_lines([ln.text for ln in lines])


def _straighten(items: list[OcrLine], width: int, height: int) -> float:
    """Rotate the boxes about the image centre so that text lines are horizontal; returns the angle used."""
    angles, weights = [], []
    for ln in items:
        (xa, ya), (xb, yb) = ln.box[0], ln.box[1]
        length = math.hypot(xb - xa, yb - ya)
        if length > 3 * _box_height(ln.box):
            angles.append(math.degrees(math.atan2(yb - ya, xb - xa)))
            weights.append(length)
    angle = _weighted_median(angles, weights) if angles else 0.0
    if abs(angle) > 15:
        angle = 0.0
    rad = math.radians(-angle)
    c, s = math.cos(rad), math.sin(rad)
    ox, oy = width / 2, height / 2
    for ln in items:
        pts = [((x - ox) * c - (y - oy) * s + ox, (x - ox) * s + (y - oy) * c + oy) for x, y in ln.box]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ln.x0, ln.x1, ln.y0, ln.y1 = min(xs), max(xs), min(ys), max(ys)
        # the quadrilateral's height, not the rotated bounding box's, is the line's height
        hh = _box_height(ln.box)
        cy = (ln.y0 + ln.y1) / 2
        ln.y0, ln.y1 = cy - hh / 2, cy + hh / 2
    return angle


def _box_height(box: list[Point]) -> float:
    return max(
        1.0,
        (
            math.hypot(box[3][0] - box[0][0], box[3][1] - box[0][1])
            + math.hypot(box[2][0] - box[1][0], box[2][1] - box[1][1])
        )
        / 2,
    )


def _weighted_median(values: list[float], weights: list[float]) -> float:
    pairs = sorted(zip(values, weights, strict=True))
    half = sum(weights) / 2
    acc = 0.0
    for v, w in pairs:
        acc += w
        if acc >= half:
            return v
    return pairs[-1][0]


def _rows(items: list[OcrLine]) -> list[list[OcrLine]]:
    """Lines grouped into rows (boxes that overlap vertically by more than half), top to bottom, each row
    left to right."""
    rows: list[list[OcrLine]] = []
    for ln in sorted(items, key=lambda x: x.cy):
        if rows:
            row = rows[-1]
            r0, r1 = min(x.y0 for x in row), max(x.y1 for x in row)
            overlap = min(r1, ln.y1) - max(r0, ln.y0)
            if overlap > 0.5 * min(ln.h, r1 - r0):
                row.append(ln)
                continue
        rows.append([ln])
    for row in rows:
        row.sort(key=lambda x: x.x0)
    return rows
