"""Synthetic screenshots of collection messages, for the OCR tests and benchmarks/ocr.py.

Nobody's data: every message is an example of the knowledge base, drawn into an SMS app (iOS or Android),
a WeChat chat (bubbles on both sides, the borrower's on the right) or a printed notice, with the fonts the
project ships (WenQuanYi Micro Hei from paperang-p2-fonts-cjk, DejaVu Sans from matplotlib), at phone
resolutions, with iOS and Android status bars. Degraded variants: JPEG artefacts, a slight rotation, and a
photo of a screen (perspective, moiré, blur, uneven light, noise).

Each `Screen` carries `expected`: the text a perfect reader returns for the image (the sender or header,
the times shown, the other party's bubbles each whole on one line, the chrome and the borrower's own
bubbles left out). `source` is the knowledge-base message it was made from.

    .venv/bin/python tests/screens.py --write tests/data/ocr     # the small committed set (PNG/JPEG + JSON)
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Colour = tuple[int, int, int]


@dataclass
class Screen:
    name: str
    image: Any  # a PIL image (None once a benchmark has read it)
    expected: str
    source: str
    lang: str
    jurisdiction: str
    kind: str  # sms_ios | sms_android | wechat | letter
    variant: str = "clean"  # clean | jpeg | rotated | photo
    fmt: str = "PNG"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def degraded(self) -> bool:
        return self.variant != "clean"

    def data(self) -> bytes:
        if "path" in self.meta:  # a committed image: its bytes as they are
            return Path(self.meta["path"]).read_bytes()
        buf = io.BytesIO()
        if self.fmt == "JPEG":
            self.image.convert("RGB").save(buf, "JPEG", quality=int(self.meta.get("quality", 80)))
        else:
            self.image.save(buf, "PNG", optimize=False, compress_level=3)
        return buf.getvalue()


# -- fonts ----------------------------------------------------------------------------------------------------


@cache
def font(size: int, latin: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    if latin:
        import matplotlib

        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)
    from bot.plan.fonts import cjk_font_path

    return ImageFont.truetype(str(cjk_font_path()), size, index=0)


def text_width(f: ImageFont.FreeTypeFont, text: str) -> float:
    return f.getlength(text)


def wrap(text: str, f: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines no wider than `width`: Chinese breaks anywhere, Latin words only at spaces."""
    tokens = re.findall(r"[A-Za-z0-9$%@&'’.,:;!?()\-/+#*=_\"]+ ?|\s|.", text)
    lines: list[str] = []
    cur = ""
    for tok in tokens:
        if tok == "\n":
            lines.append(cur.rstrip())
            cur = ""
            continue
        if text_width(f, cur + tok.rstrip()) <= width or not cur:
            cur += tok
            continue
        if tok[:1] in "，。！？、；：,.!?;:）)】」" and len(tok) == 1:  # no line starts with punctuation
            cur += tok
            continue
        lines.append(cur.rstrip())
        cur = tok.lstrip()
    if cur.strip():
        lines.append(cur.rstrip())
    return [ln for ln in lines if ln]


# -- texts ----------------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def join_lines(lines: Iterable[str]) -> str:
    """The lines of one bubble as the reader should give them (its own rule: Chinese joined, Latin spaced)."""
    from bot.ocr.layout import join_lines as join

    return join(list(lines))


def split_bubbles(text: str, n: int) -> list[str]:
    """A message as up to n bubbles, cut after sentences."""
    parts = [p for p in re.split(r"(?<=[。！？!?])\s*|(?<=\.)\s+", text) if p.strip()]
    if len(parts) <= 1 or n <= 1:
        return [text.strip()]
    per = math.ceil(len(parts) / n)
    out = []
    for i in range(0, len(parts), per):
        chunk = parts[i : i + per]
        sep = " " if not CJK.search("".join(chunk)) else ""
        out.append(sep.join(p.strip() for p in chunk))
    return out


REPLIES = {
    "zh-Hans": ["我现在真的没钱，下个月发工资再还可以吗？", "请不要再打给我家人。"],
    "zh-Hant": ["我現在真的沒錢，下個月發薪水再還可以嗎？", "請不要再打給我家人。"],
    "en": ["I cannot pay this month, can we agree on a plan?", "Please stop calling my family."],
}
SENDERS = ["10690573261", "+86 171 2345 6789", "106 9027 8815", "95188", "+1 (415) 555-0142", "18813572468"]
WECHAT_NAMES = {
    "zh-Hans": ["催收专员 王经理", "极速贷 客服", "张律师"],
    "zh-Hant": ["催收專員 陳經理", "速貸 客服"],
    "en": ["Recovery Dept. Mr Lee", "Account Services"],
}
TIMES = {
    "zh-Hans": ["今天 23:47", "昨天 22:15", "星期二 07:30", "今天 14:05", "10月12日 09:20"],
    "zh-Hant": ["今天 23:47", "昨天 下午3:12", "星期二 07:30"],
    "en": ["Today 11:47 PM", "Yesterday 2:15 PM", "Tue 7:30 AM", "Today 10:05 AM"],
}
PLACEHOLDER = {
    "ios": {"zh-Hans": "短信", "zh-Hant": "簡訊", "en": "Text Message"},
    "android": {"zh-Hans": "短信", "zh-Hant": "簡訊", "en": "Text message"},
}
SMS_LABEL = {"zh-Hans": "短信", "zh-Hant": "簡訊", "en": "Text Message"}


# -- drawing helpers --------------------------------------------------------------------------------------------


def status_bar(
    d: ImageDraw.ImageDraw, w: int, platform: str, clock: str, rng: random.Random, *, dark: bool = False, y: int = 0
) -> int:
    """An iOS or Android status bar; returns its height."""
    fg = (255, 255, 255) if dark else (0, 0, 0)
    if platform == "ios":
        h = int(w * 0.118)
        f = font(int(w * 0.041), latin=True, bold=True)
        d.text((int(w * 0.09), y + h // 2), clock, font=f, fill=fg, anchor="lm")
        x = int(w * 0.70)
        for i in range(4):  # signal bars
            bh = int(w * 0.008) * (i + 2)
            d.rectangle(
                [
                    x + i * int(w * 0.011),
                    y + h // 2 + int(w * 0.014) - bh,
                    x + i * int(w * 0.011) + int(w * 0.007),
                    y + h // 2 + int(w * 0.014),
                ],
                fill=fg,
            )
        cx, cy = int(w * 0.80), y + h // 2 + int(w * 0.012)
        for r in (int(w * 0.022), int(w * 0.014), int(w * 0.006)):  # wi-fi
            d.arc([cx - r, cy - r, cx + r, cy + r], 225, 315, fill=fg, width=max(2, int(w * 0.004)))
        bx, by = int(w * 0.845), y + h // 2 - int(w * 0.011)
        d.rounded_rectangle(
            [bx, by, bx + int(w * 0.06), by + int(w * 0.024)],
            radius=int(w * 0.006),
            outline=fg,
            width=max(2, int(w * 0.002)),
        )
        d.rectangle([bx + 4, by + 4, bx + int(w * 0.06 * rng.uniform(0.3, 0.9)), by + int(w * 0.024) - 4], fill=fg)
        return h
    h = int(w * 0.075)
    f = font(int(w * 0.034), latin=True)
    d.text((int(w * 0.05), y + h // 2), clock, font=f, fill=fg, anchor="lm")
    pct = f"{rng.randint(12, 99)}%"
    d.text((int(w * 0.95), y + h // 2), pct, font=f, fill=fg, anchor="rm")
    bx = int(w * 0.95 - text_width(f, pct) - w * 0.035)
    d.rectangle(
        [bx, y + h // 2 - int(w * 0.016), bx + int(w * 0.016), y + h // 2 + int(w * 0.016)], outline=fg, width=3
    )
    d.polygon(
        [
            (bx - int(w * 0.07), y + h // 2 + int(w * 0.016)),
            (bx - int(w * 0.035), y + h // 2 - int(w * 0.016)),
            (bx - int(w * 0.035), y + h // 2 + int(w * 0.016)),
        ],
        fill=fg,
    )
    return h


def bubble(
    d: ImageDraw.ImageDraw,
    lines: list[str],
    f: ImageFont.FreeTypeFont,
    x: int,
    y: int,
    *,
    right: bool,
    fill: Colour,
    fg: Colour,
    pad: int,
    line_h: int,
    radius: int,
    w: int,
) -> int:
    """Draw a bubble whose left (or, with right=True, right) edge is at x; returns its bottom."""
    tw = max(text_width(f, ln) for ln in lines)
    bw, bh = int(tw + 2 * pad), int(len(lines) * line_h + 2 * pad * 0.75)
    x0 = x - bw if right else x
    d.rounded_rectangle([x0, y, x0 + bw, y + bh], radius=radius, fill=fill)
    for i, ln in enumerate(lines):
        d.text((x0 + pad, y + int(pad * 0.75) + i * line_h + line_h // 2), ln, font=f, fill=fg, anchor="lm")
    return y + bh


def is_latin(lang: str) -> bool:
    return lang == "en"


# -- the screens ------------------------------------------------------------------------------------------------


def sms_screen(
    messages: list[str],
    *,
    lang: str,
    platform: str,
    sender: str,
    when: str,
    clock: str,
    size: tuple[int, int],
    rng: random.Random,
    reply: str | None = None,
) -> tuple[Image.Image, str]:
    """A conversation in the SMS app: the other party's messages on the left, one reply of the borrower."""
    w, h = size
    img = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(img)
    y = status_bar(d, w, platform, clock, rng)
    latin = is_latin(lang)
    body = font(int(w * (0.046 if platform == "ios" else 0.042)), latin=latin)
    small = font(int(w * 0.032), latin=latin)
    expected: list[str] = []
    if platform == "ios":
        # back chevron, avatar, the sender below it, a thin rule
        d.line(
            [
                (int(w * 0.06), y + int(w * 0.06)),
                (int(w * 0.035), y + int(w * 0.09)),
                (int(w * 0.06), y + int(w * 0.12)),
            ],
            fill=(0, 122, 255),
            width=max(3, w // 200),
        )
        r = int(w * 0.055)
        d.ellipse([w // 2 - r, y + int(w * 0.02), w // 2 + r, y + int(w * 0.02) + 2 * r], fill=(160, 165, 175))
        d.ellipse(
            [w // 2 - r // 3, y + int(w * 0.02) + r // 3, w // 2 + r // 3, y + int(w * 0.02) + r], fill=(235, 235, 240)
        )
        sy = y + int(w * 0.02) + 2 * r + int(w * 0.03)
        d.text((w // 2, sy), sender, font=font(int(w * 0.032), latin=True), fill=(0, 0, 0), anchor="mm")
        y = sy + int(w * 0.045)
        d.line([(0, y), (w, y)], fill=(210, 210, 215), width=2)
        y += int(w * 0.04)
        for ln in (SMS_LABEL[lang], when):  # the label is app chrome: not in `expected`
            d.text((w // 2, y), ln, font=small, fill=(142, 142, 147), anchor="mm")
            y += int(small.size * 1.35)
        incoming, inc_fg, outgoing, out_fg = (233, 233, 235), (0, 0, 0), (52, 199, 89), (255, 255, 255)
    else:
        head = font(int(w * 0.05), latin=True)
        d.line([(int(w * 0.09), y + int(w * 0.08)), (int(w * 0.04), y + int(w * 0.08))], fill=(60, 60, 60), width=5)
        d.line([(int(w * 0.04), y + int(w * 0.08)), (int(w * 0.065), y + int(w * 0.055))], fill=(60, 60, 60), width=5)
        d.line([(int(w * 0.04), y + int(w * 0.08)), (int(w * 0.065), y + int(w * 0.105))], fill=(60, 60, 60), width=5)
        d.text((int(w * 0.14), y + int(w * 0.08)), sender, font=head, fill=(30, 30, 30), anchor="lm")
        for i in range(3):
            d.ellipse(
                [int(w * 0.94) - 6, y + int(w * 0.06) + i * 18 - 6, int(w * 0.94) + 6, y + int(w * 0.06) + i * 18 + 6],
                fill=(60, 60, 60),
            )
        y += int(w * 0.17)
        d.text((w // 2, y), when, font=small, fill=(110, 110, 110), anchor="mm")
        y += int(small.size * 1.6)
        incoming, inc_fg, outgoing, out_fg = (232, 238, 247), (20, 20, 20), (211, 227, 253), (20, 20, 20)
    expected += [sender, when]
    pad, line_h = int(body.size * 0.6), int(body.size * 1.32)
    maxw = int(w * 0.68)
    for msg in messages:
        lines = wrap(msg, body, maxw - 2 * pad)
        y = bubble(
            d,
            lines,
            body,
            int(w * 0.04),
            y,
            right=False,
            fill=incoming,
            fg=inc_fg,
            pad=pad,
            line_h=line_h,
            radius=int(body.size * 0.9),
            w=w,
        ) + int(w * 0.025)
        expected.append(join_lines(lines))
    if reply:
        lines = wrap(reply, body, maxw - 2 * pad)
        y = bubble(
            d,
            lines,
            body,
            int(w * 0.96),
            y + int(w * 0.01),
            right=True,
            fill=outgoing,
            fg=out_fg,
            pad=pad,
            line_h=line_h,
            radius=int(body.size * 0.9),
            w=w,
        )
    # input bar
    by = h - int(w * 0.17 if platform == "ios" else w * 0.15)
    ph = font(int(w * 0.04), latin=latin)
    if platform == "ios":
        d.ellipse([int(w * 0.03), by, int(w * 0.11), by + int(w * 0.08)], fill=(230, 230, 235))
        d.text(
            (int(w * 0.07), by + int(w * 0.04)),
            "+",
            font=font(int(w * 0.06), latin=True),
            fill=(120, 120, 125),
            anchor="mm",
        )
        d.rounded_rectangle(
            [int(w * 0.14), by, int(w * 0.96), by + int(w * 0.08)],
            radius=int(w * 0.04),
            outline=(200, 200, 205),
            width=3,
        )
        d.text(
            (int(w * 0.18), by + int(w * 0.04)), PLACEHOLDER["ios"][lang], font=ph, fill=(190, 190, 195), anchor="lm"
        )
        d.rounded_rectangle(
            [w // 2 - int(w * 0.17), h - int(w * 0.025), w // 2 + int(w * 0.17), h - int(w * 0.015)],
            radius=6,
            fill=(0, 0, 0),
        )
    else:
        d.rounded_rectangle(
            [int(w * 0.13), by, int(w * 0.83), by + int(w * 0.1)], radius=int(w * 0.05), fill=(236, 240, 246)
        )
        d.text(
            (int(w * 0.17), by + int(w * 0.05)), PLACEHOLDER["android"][lang], font=ph, fill=(90, 90, 90), anchor="lm"
        )
        d.ellipse([int(w * 0.02), by + int(w * 0.01), int(w * 0.11), by + int(w * 0.1)], outline=(80, 80, 80), width=4)
        d.text(
            (int(w * 0.065), by + int(w * 0.055)),
            "+",
            font=font(int(w * 0.06), latin=True),
            fill=(80, 80, 80),
            anchor="mm",
        )
        d.ellipse([int(w * 0.86), by, int(w * 0.96), by + int(w * 0.1)], fill=(11, 87, 208))
    return img, "\n".join(expected)


def wechat_screen(
    messages: list[str],
    *,
    lang: str,
    name: str,
    when: str,
    clock: str,
    platform: str,
    size: tuple[int, int],
    rng: random.Random,
    replies: list[str],
) -> tuple[Image.Image, str]:
    """A WeChat chat: the other party on the left (white bubbles, avatar), the borrower on the right (green)."""
    w, h = size
    img = Image.new("RGB", size, (237, 237, 237))
    d = ImageDraw.Draw(img)
    y = status_bar(d, w, platform, clock, rng)
    latin = is_latin(lang)
    head = font(int(w * 0.045), latin=False, bold=True)
    d.text((w // 2, y + int(w * 0.065)), name, font=head, fill=(20, 20, 20), anchor="mm")
    d.line(
        [(int(w * 0.06), y + int(w * 0.04)), (int(w * 0.035), y + int(w * 0.065)), (int(w * 0.06), y + int(w * 0.09))],
        fill=(20, 20, 20),
        width=5,
    )
    for i in range(3):
        d.ellipse(
            [int(w * 0.88) + i * 22 - 6, y + int(w * 0.065) - 6, int(w * 0.88) + i * 22 + 6, y + int(w * 0.065) + 6],
            fill=(20, 20, 20),
        )
    y += int(w * 0.13)
    d.line([(0, y), (w, y)], fill=(215, 215, 215), width=2)
    body = font(int(w * 0.047), latin=latin)
    small = font(int(w * 0.033), latin=latin)
    pad, line_h = int(body.size * 0.62), int(body.size * 1.35)
    av = int(w * 0.11)
    maxw = int(w * 0.62)
    expected = [name]
    y += int(w * 0.05)
    d.text((w // 2, y), when, font=small, fill=(150, 150, 150), anchor="mm")
    expected.append(when)
    y += int(w * 0.05)
    order: list[tuple[bool, str]] = [(False, m) for m in messages]
    if replies:
        order.insert(min(1, len(order)), (True, replies[0]))
        if len(replies) > 1:
            order.append((True, replies[1]))
    for mine, msg in order:
        lines = wrap(msg, body, maxw - 2 * pad)
        if mine:
            d.rounded_rectangle([w - int(w * 0.03) - av, y, w - int(w * 0.03), y + av], radius=8, fill=(90, 140, 200))
            bottom = bubble(
                d,
                lines,
                body,
                w - int(w * 0.05) - av,
                y,
                right=True,
                fill=(149, 236, 105),
                fg=(0, 0, 0),
                pad=pad,
                line_h=line_h,
                radius=10,
                w=w,
            )
        else:
            d.rounded_rectangle([int(w * 0.03), y, int(w * 0.03) + av, y + av], radius=8, fill=(200, 120, 80))
            bottom = bubble(
                d,
                lines,
                body,
                int(w * 0.05) + av,
                y,
                right=False,
                fill=(255, 255, 255),
                fg=(0, 0, 0),
                pad=pad,
                line_h=line_h,
                radius=10,
                w=w,
            )
            expected.append(join_lines(lines))
        y = max(bottom, y + av) + int(w * 0.04)
    by = h - int(w * 0.16)
    d.rectangle([0, by, w, h], fill=(247, 247, 247))
    d.ellipse([int(w * 0.025), by + int(w * 0.03), int(w * 0.105), by + int(w * 0.11)], outline=(30, 30, 30), width=4)
    d.rounded_rectangle(
        [int(w * 0.13), by + int(w * 0.025), int(w * 0.74), by + int(w * 0.115)], radius=10, fill=(255, 255, 255)
    )
    for cx in (0.81, 0.92):
        d.ellipse(
            [int(w * (cx - 0.04)), by + int(w * 0.03), int(w * (cx + 0.04)), by + int(w * 0.11)],
            outline=(30, 30, 30),
            width=4,
        )
    d.text(
        (int(w * 0.92), by + int(w * 0.07)), "+", font=font(int(w * 0.06), latin=True), fill=(30, 30, 30), anchor="mm"
    )
    return img, "\n".join(expected)


LETTER_TITLE = {"zh-Hans": "催收通知函", "zh-Hant": "催收通知函", "en": "NOTICE OF OVERDUE ACCOUNT"}
LETTER_SIGN = {"zh-Hans": "某某资产管理有限公司", "zh-Hant": "某某資產管理有限公司", "en": "Collections Department"}


def letter_screen(paragraphs: list[str], *, lang: str, size: tuple[int, int], when: str) -> tuple[Image.Image, str]:
    """A printed notice (A4 at about 150 dpi): a centred title, paragraphs, a signature."""
    w, h = size
    img = Image.new("RGB", size, (252, 252, 250))
    d = ImageDraw.Draw(img)
    latin = is_latin(lang)
    title = font(int(w * 0.045), latin=latin, bold=True)
    body = font(int(w * 0.03), latin=latin)
    y = int(h * 0.08)
    d.text((w // 2, y), LETTER_TITLE[lang], font=title, fill=(10, 10, 10), anchor="mm")
    expected = [LETTER_TITLE[lang]]
    y += int(w * 0.09)
    line_h = int(body.size * 1.6)
    for para in paragraphs:
        lines = wrap(("" if latin else "\u3000\u3000") + para, body, w * 0.8)
        for ln in lines:
            d.text((int(w * 0.1), y), ln, font=body, fill=(20, 20, 20), anchor="lm")
            y += line_h
        y += int(line_h * 0.6)
        expected.append(join_lines(lines).lstrip("\u3000"))
    y += line_h
    for ln in (LETTER_SIGN[lang], when):
        d.text((int(w * 0.9), y), ln, font=body, fill=(20, 20, 20), anchor="rm")
        y += line_h
        expected.append(ln)
    return img, "\n".join(expected)


# -- degradations -------------------------------------------------------------------------------------------------


def rotate(img: Image.Image, degrees: float, fill: Colour = (255, 255, 255)) -> Image.Image:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def photo_of_screen(img: Image.Image, rng: random.Random, *, paper: bool = False) -> Image.Image:
    """As if the screen (or a paper notice) were photographed with a phone: bezel or wall around it,
    perspective, moiré (screens only), blur, uneven light, sensor noise."""
    w, h = img.size
    margin = int(w * 0.12)
    bg = Image.new("RGB", (w + 2 * margin, h + 2 * margin), (120, 110, 100) if paper else (25, 25, 28))
    if not paper:
        ImageDraw.Draw(bg).rounded_rectangle(
            [margin // 2, margin // 2, w + margin * 3 // 2, h + margin * 3 // 2], radius=margin // 2, fill=(10, 10, 12)
        )
    bg.paste(img, (margin, margin))
    W, H = bg.size
    # perspective: move the corners by a few per cent
    j = [rng.uniform(-0.025, 0.025) * W for _ in range(8)]
    src = [(0 + j[0], 0 + j[1]), (W + j[2], 0 + j[3]), (W + j[4], H + j[5]), (0 + j[6], H + j[7])]
    coeffs = _perspective_coeffs([(0, 0), (W, 0), (W, H), (0, H)], src)
    bg = bg.transform((W, H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    bg = bg.rotate(rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC, fillcolor=(40, 40, 40))
    a = np.asarray(bg).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    if not paper:  # moiré of the screen's pixel grid against the camera's
        period, angle = rng.uniform(5.0, 9.0), rng.uniform(0.2, 1.2)
        a *= (1.0 + 0.05 * np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period))[..., None]
    cx, cy = rng.uniform(0.2, 0.8) * W, rng.uniform(0.2, 0.8) * H
    light = 1.05 - 0.3 * (np.hypot(xx - cx, yy - cy) / math.hypot(W, H))
    a = a * light[..., None] * rng.uniform(0.85, 1.0)
    a += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 5.0, a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    scale = rng.uniform(0.85, 1.0)
    return out.resize((int(W * scale), int(H * scale)), Image.Resampling.LANCZOS)


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for p in src for c in p], dtype=np.float64)
    return list(np.linalg.solve(a, b))


# -- the set --------------------------------------------------------------------------------------------------------

PHONES = {"ios": [(1170, 2532), (1125, 2436)], "android": [(1080, 2400), (1080, 2340), (720, 1600)]}


def kb_messages(engine: Any, per_lang: int = 12, seed: int = 7) -> list[tuple[str, str, str]]:
    """(text, lang, jurisdiction) examples of the knowledge base, spread over categories, in three languages."""
    rng = random.Random(seed)
    by_lang: dict[tuple[str, str], list[str]] = {}
    for s in sorted(engine.kb.signals, key=lambda s: s.id):
        for lang, text in s.examples:
            if 14 <= len(text) <= 160:
                # Chinese examples were written for mainland collectors, English ones mostly for US ones
                by_lang.setdefault((lang, "US" if lang == "en" else "CN"), []).append(text)
    out = []
    for (lang, jur), texts in sorted(by_lang.items()):
        n = per_lang if jur == "CN" and lang != "en" or (lang == "en" and jur == "US") else per_lang // 3
        out += [(t, lang, jur) for t in rng.sample(texts, min(n, len(texts)))]
    return out


def make_screens(engine: Any, *, per_lang: int = 12, seed: int = 7, variants: bool = True) -> Iterator[Screen]:
    """Screens of knowledge-base messages (made one at a time); each kind in turn, each followed by its
    degraded variants when asked."""
    rng = random.Random(seed)
    kinds = ["sms_ios", "wechat", "sms_android", "wechat", "letter"]
    for i, (text, lang, jur) in enumerate(kb_messages(engine, per_lang, seed)):
        kind = kinds[i % len(kinds)]
        base = make_one(kind, text, lang, jur, rng, f"{i:03d}")
        yield base
        if variants:
            yield from degrade(base, rng)


def make_one(kind: str, text: str, lang: str, jur: str, rng: random.Random, tag: str) -> Screen:
    when = rng.choice(TIMES[lang])
    clock = when.split()[-1] if ":" in when.split()[-1] else "9:41"
    clock = re.sub(r"^\D+", "", clock)
    if kind.startswith("sms"):
        platform = kind.split("_")[1]
        size = rng.choice(PHONES[platform])
        sender = rng.choice([s for s in SENDERS if not s.startswith("+1")] if jur == "CN" else SENDERS[4:5])
        img, expected = sms_screen(
            split_bubbles(text, rng.choice([1, 2])),
            lang=lang,
            platform=platform,
            sender=sender,
            when=when,
            clock=clock,
            size=size,
            rng=rng,
            reply=rng.choice(REPLIES[lang]) if rng.random() < 0.6 else None,
        )
    elif kind == "wechat":
        platform = rng.choice(["ios", "android"])
        size = rng.choice(PHONES[platform])
        img, expected = wechat_screen(
            split_bubbles(text, rng.choice([1, 2, 3])),
            lang=lang,
            name=rng.choice(WECHAT_NAMES[lang]),
            when=when.split()[-1] if lang != "en" else when,
            clock=clock,
            platform=platform,
            size=size,
            rng=rng,
            replies=rng.sample(REPLIES[lang], rng.choice([1, 2])),
        )
    else:
        day = {"en": "October 12, 2026", "zh-Hans": "2026年10月12日", "zh-Hant": "2026年10月12日"}[lang]
        img, expected = letter_screen(split_bubbles(text, 2), lang=lang, size=(1240, 1754), when=day)
    return Screen(f"{tag}_{kind}_{lang}", img, expected, text, lang, jur, kind)


def degrade(base: Screen, rng: random.Random) -> list[Screen]:
    paper = base.kind == "letter"
    out = [
        replace(base, name=base.name + "_jpeg", variant="jpeg", fmt="JPEG", meta={"quality": rng.choice([35, 45, 55])}),
        replace(
            base,
            name=base.name + "_rotated",
            variant="rotated",
            fmt="JPEG",
            image=rotate(
                base.image, rng.choice([-1, 1]) * rng.uniform(1.0, 3.0), (252, 252, 250) if paper else (255, 255, 255)
            ),
            meta={"quality": 70},
        ),
        replace(
            base,
            name=base.name + "_photo",
            variant="photo",
            fmt="JPEG",
            image=photo_of_screen(base.image, rng, paper=paper),
            meta={"quality": 75},
        ),
    ]
    return out


def write_set(engine: Any, folder: Path, count: int = 10) -> list[dict[str, Any]]:
    """The small committed set: `count` screens (clean and degraded mixed), each an image and a JSON file."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    picks: list[Screen] = []
    plan = [
        ("sms_ios", "zh-Hans", "CN", None),
        ("wechat", "zh-Hans", "CN", None),
        ("sms_android", "zh-Hant", "CN", None),
        ("sms_ios", "en", "US", None),
        ("wechat", "zh-Hant", "CN", "jpeg"),
        ("sms_android", "en", "US", "rotated"),
        ("wechat", "en", "CN", "photo"),
        ("letter", "zh-Hans", "CN", None),
        ("letter", "en", "US", "photo"),
        ("sms_android", "zh-Hans", "CN", "jpeg"),
    ]
    msgs = kb_messages(engine, per_lang=40, seed=11)
    for i, (kind, lang, jur, variant) in enumerate(plan[:count]):
        pool = [t for t, lg, j in msgs if lg == lang and j == jur and len(t) >= 30]
        text = pool[i % len(pool)]
        s = make_one(kind, text, lang, jur, rng, f"{i:02d}")
        if variant:
            s = next(v for v in degrade(s, rng) if v.variant == variant)
        picks.append(s)
    index = []
    for s in picks:
        ext = "jpg" if s.fmt == "JPEG" else "png"
        (folder / f"{s.name}.{ext}").write_bytes(s.data())
        rec = {
            "image": f"{s.name}.{ext}",
            "expected": s.expected,
            "source": s.source,
            "lang": s.lang,
            "jurisdiction": s.jurisdiction,
            "kind": s.kind,
            "variant": s.variant,
        }
        index.append(rec)
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return index


def load_set(folder: Path) -> list[Screen]:
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    out = []
    for rec in index:
        path = folder / rec["image"]
        img = Image.open(path)
        img.load()
        out.append(
            Screen(
                path.stem,
                img,
                rec["expected"],
                rec["source"],
                rec["lang"],
                rec["jurisdiction"],
                rec["kind"],
                rec["variant"],
                "JPEG" if path.suffix == ".jpg" else "PNG",
                {"path": str(path), "quality": 95},
            )
        )
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", type=Path, help="write the committed set into this folder")
    ap.add_argument("--preview", type=Path, help="write every generated screen into this folder")
    args = ap.parse_args()
    from bot.engine import Engine

    eng = Engine.load()
    if args.write:
        for r in write_set(eng, args.write):
            print(r["image"])
    if args.preview:
        args.preview.mkdir(parents=True, exist_ok=True)
        for s in make_screens(eng, per_lang=2):
            (args.preview / f"{s.name}.{'jpg' if s.fmt == 'JPEG' else 'png'}").write_bytes(s.data())
            print(s.name)
