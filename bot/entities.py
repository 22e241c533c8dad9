"""Things worth pointing out in a message: links, phone numbers, amounts, account numbers, late hours.

They are found on the normalised text (full-width digits already half-width) and reported with offsets
into the original message. Patterns can use them as `@url`, `@url_suspicious`, `@phone`, `@amount`,
`@bank_card`, `@late_hour`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.kb.schema import LinkRules
from bot.normalize import Normalised

_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'，。！？、）)】]+"
    # a bare domain may follow Chinese directly (查看传票t.cn/…): only a Latin letter, digit, @ or . before it
    # makes it part of something else
    r"|(?<![@a-z0-9_.])[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*"
    r"\.(?:com|cn|net|org|cc|top|xyz|vip|club|icu|site|online|shop|work|live|buzz|link|click|tk|ml|ga|cf|gq|pw|ren|"
    r"loan|win|bid|cyou|rest|bar|sbs|cfd|monster|fun|space|store|website|ink|wang|info|biz|life|pro|asia|ws|su|"
    r"today|cash|money|io|me|co|ly|gl|gd|at|id|us|uk|hk|tw|app|ai|gov|edu)(?![a-z0-9])(?:[/?#][^\s<>\"'，。！？、）)】]*)?",
    re.I,
)
_ID_NUMBER = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dx](?![\dx])")
_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{4}(?:\d{1,3})?(?!\d)|(?<!\d)\d{16,19}(?!\d)")
_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_HOUR_WORD = r"(\d{1,2}|十[一二]?|[零一二两三四五六七八九])"
_CN_TIME = re.compile(r"(凌晨|半夜|深夜|午夜|夜里|夜间|晚上|晚|早上|清晨|早晨|早)\s?" + _HOUR_WORD + r"\s?(?:点|时|:)")
_CLOCK = re.compile(r"(?<![\d.:])([01]?\d|2[0-3])[:：]([0-5]\d)(?![\d])(?!\s?(?:元|块))")
# a 12-hour clock: "2:33 PM" is read by _EN_TIME, "下午3:12" is 15:12
_AM_PM_AFTER = re.compile(r"\s?(?:a\.?m\.?|p\.?m\.?)(?![a-z])", re.IGNORECASE)
_AFTERNOON_BEFORE = re.compile(r"(?:下午|傍晚|晚上|晚|夜里|夜间|中午)\s?$")
_MIDNIGHT_BEFORE = re.compile(r"(?:半夜|午夜|深夜)\s?$")
_EN_TIME = re.compile(r"(?<![\d:])(1[0-2]|0?[1-9])(?::([0-5]\d))?\s?(a\.?m\.?|p\.?m\.?)(?![a-z])")


# Words that make a time an opening hour or a range, not a moment of contact.
_HOURS_WORDS = (
    "between",
    "from ",
    "until",
    "till",
    "open",
    "close",
    "hours",
    "营业",
    "服务时间",
    "工作时间",
    "客服时间",
    "时间为",
    "时间是",
    "截止",
    "before",
    "by ",
)


@dataclass(frozen=True)
class Entity:
    kind: str  # url | phone | amount | bank_card | id_number | late_hour
    start: int  # normalised offsets
    end: int
    value: str
    suspicious: bool = False
    reason: str = ""


def amount_regex(symbols: list[str], units: list[str]) -> re.Pattern[str]:
    """Amounts written with a currency symbol before them (¥500, hk$ 1,200) or a unit after (500元, 20 dollars)."""

    def alternatives(words: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))

    # a Latin symbol or unit is a whole word: "takes 3 days" holds no KES 3, "5 bobby" no 5 bob
    return re.compile(
        rf"(?<![a-z])(?:{alternatives(symbols)})\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:万|千|k)(?![a-z]))?"
        rf"|\d[\d,]*(?:\.\d+)?\s?(?:{alternatives(units)})(?![a-z])",
        re.I,
    )


class EntityFinder:
    """phone_formats, currency symbols and units: the union over the knowledge base's jurisdictions, so a
    message is read the same whoever judges it."""

    def __init__(self, links: LinkRules, phone_formats: list[str], symbols: list[str], units: list[str]):
        self._shorteners = {s.lower() for s in links.shorteners}
        self._tlds = {t.lower().lstrip(".") for t in links.suspicious_tlds}
        self._lookalike = [w.lower() for w in links.lookalike_words]
        self._phone = re.compile("|".join(f"(?:{rx})" for rx in phone_formats) or r"(?!x)x")
        self._amount = amount_regex(symbols or ["$"], units or ["dollars"])

    def find(self, norm: Normalised, late_hours: tuple[int, int] | None = (22, 8)) -> list[Entity]:
        """late_hours: the night to read times in (the engine passes the judging jurisdiction's, or general/'s where
        no fixed rule exists; None: no late-hour entity)."""
        text = norm.text
        out: list[Entity] = []
        taken: list[tuple[int, int]] = []
        if not any(ch.isdigit() for ch in text) and "." not in text:
            return self._late_times(text, late_hours, taken)  # 凌晨三点 needs no digits
        for m in _URL.finditer(text):
            url = m.group(0).rstrip(".,;:!?")
            if url.replace(".", "").isdigit():
                continue  # 866.67 is an amount
            suspicious, reason = self._judge_link(url)
            out.append(Entity("url", m.start(), m.start() + len(url), url, suspicious, reason))
            taken.append((m.start(), m.start() + len(url)))
        for kind, rx in (("id_number", _ID_NUMBER), ("bank_card", _CARD), ("phone", self._phone)):
            for m in rx.finditer(text):
                if _overlaps(m.start(), m.end(), taken):
                    continue
                out.append(Entity(kind, m.start(), m.end(), m.group(0)))
                taken.append((m.start(), m.end()))
        for m in self._amount.finditer(text):
            if not _overlaps(m.start(), m.end(), taken):
                out.append(Entity("amount", m.start(), m.end(), m.group(0).strip()))
        out.extend(self._late_times(text, late_hours, taken))
        out.sort(key=lambda e: e.start)
        return out

    def _judge_link(self, url: str) -> tuple[bool, str]:
        raw = url if "://" in url else "http://" + url
        try:
            host = (urlsplit(raw).hostname or "").lower()
        except ValueError:
            return True, "malformed"
        if not host:
            return True, "malformed"
        if re.fullmatch(r"[\d.]+", host):
            return True, "ip_address"
        if host.startswith("xn--") or ".xn--" in host:
            return True, "punycode"
        bare = host[4:] if host.startswith("www.") else host
        if bare in self._shorteners:
            return True, "short_link"
        tld = bare.rsplit(".", 1)[-1]
        if tld in self._tlds:
            return True, "unusual_domain"
        if any(w in bare for w in self._lookalike):
            return True, "lookalike"
        return False, ""

    def _late_times(self, text: str, late_hours: tuple[int, int] | None, taken: list[tuple[int, int]]) -> list[Entity]:
        out: list[Entity] = []
        if late_hours is None:
            return out
        start_h, end_h = late_hours

        def late(hour: int) -> bool:
            return hour >= start_h or hour < end_h

        for m in _CN_TIME.finditer(text):
            period, word = m.group(1), m.group(2)
            hour = int(word) if word.isdigit() else _CN_DIGITS.get(word, -1)
            if hour < 0:
                continue
            night = period in ("晚上", "晚", "夜里", "夜间", "深夜", "半夜", "午夜")
            if night and hour == 12:
                hour = 0  # 半夜12点 is midnight
            elif night and 6 <= hour <= 11:
                hour += 12  # 晚上11点 -> 23
            if late(hour % 24) and not _in_range(text, m.start(), m.end()):
                out.append(Entity("late_hour", m.start(), m.end(), m.group(0)))
        for m in _CLOCK.finditer(text):
            if _overlaps(m.start(), m.end(), taken) or _in_range(text, m.start(), m.end()):
                continue  # "服务时间 8:00-22:00" is opening hours, not a late call
            if _AM_PM_AFTER.match(text, m.end()):
                continue
            hour, before = int(m.group(1)), text[max(0, m.start() - 4) : m.start()]
            if hour < 12 and _AFTERNOON_BEFORE.search(before):
                hour += 12
            elif hour == 12 and _MIDNIGHT_BEFORE.search(before):
                hour = 0
            if late(hour):
                out.append(Entity("late_hour", m.start(), m.end(), m.group(0)))
        for m in _EN_TIME.finditer(text):
            hour = int(m.group(1)) % 12
            if m.group(3).startswith("p"):
                hour += 12
            if late(hour) and not _in_range(text, m.start(), m.end()):
                out.append(Entity("late_hour", m.start(), m.end(), m.group(0)))
        return out


def _in_range(text: str, start: int, end: int) -> bool:
    """Opening hours (8:00-22:00) and deadlines (23:59前) name a time without contact at that time."""
    before, after = text[max(0, start - 2) : start], text[end : end + 8].lstrip("0123456789:：分半 ")
    if any(c in "-~至到" for c in before + after[:1]) or after.startswith(("前", "之前", "以前")):
        return True
    context = text[max(0, start - 24) : start]
    return any(w in context for w in _HOURS_WORDS) or after.startswith(("and ", "to ", "until", "till"))


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < e and s < b for s, e in spans)
