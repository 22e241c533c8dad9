"""Numbers the way people type them: amounts of money, counts, months and interest rates.

`parse_amount("1.5万") == Decimal("15000")`. Accepted: plain and grouped digits (15000, 15,000, 15 000), a
currency sign or word (¥, ￥, 元, 块, RMB, CNY, yuan), full-width digits, multipliers (k, w, 千, 万, 亿),
mixed forms (1万5, 1万5千) and Chinese numerals, financial ones included (一万五, 两千三百, 壹万伍仟, 一点五万).
Words for "about" are dropped; words for "none" are zero. A wrong answer raises AmountError with a `code`
that the interview turns into a friendly re-ask with an example; nothing here ever raises anything else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

MAX_AMOUNT = Decimal("10000000000")  # ¥10 billion: anything larger is a typo
CENT = Decimal("0.01")


class AmountError(ValueError):
    """A text that is not an amount. `code` is one of: empty, not_a_number, negative, too_large, range,
    separator, decimals, currency."""

    def __init__(self, code: str, text: str = "", suggestion: str | None = None):
        super().__init__(f"{code}: {text!r}" + (f" (did you mean {suggestion}?)" if suggestion else ""))
        self.code, self.text, self.suggestion = code, text, suggestion


DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "幺": 1,
    "二": 2,
    "贰": 2,
    "貳": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "叁": 3,
    "叄": 3,
    "參": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "陸": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "w": 10_000, "亿": 100_000_000, "億": 100_000_000}
POINT = {"点", "點"}

_ABOUT = re.compile(
    r"^(?:大约|大概|约|約|差不多|将近|將近|接近|about|around|approx\.?|approximately|~|≈)\s*|"
    r"\s*(?:左右|上下|之间|或者?更多)$",
    re.I,
)
_NONE = {
    "没有",
    "沒有",
    "无",
    "無",
    "零",
    "没",
    "沒",
    "none",
    "no",
    "nil",
    "zero",
    "nothing",
    "n/a",
    "na",
    "-",
    "—",
    "0元",
}
_GROUPED = re.compile(r"^\d{1,3}(?:([,' ])\d{3})+(?:\.\d+)?$")
_TOKEN = re.compile(
    r"\d+(?:\.\d+)?|[零〇一壹幺二贰貳两兩三叁叄參四肆五伍六陆陸七柒八捌九玖]"
    r"|[十拾百佰千仟万萬亿億kw]|[点點]|.",
    re.I,
)
MULTIPLIERS = ("k", "w", "千", "仟", "万", "萬", "亿", "億")

# signs and words of currencies no plan is made in: always refused (the plans' own ones are in their plan.yaml)
OTHER_CURRENCY_MARKERS = (
    "€",
    "eur",
    "euro",
    "euros",
    "欧元",
    "歐元",
    "£",
    "gbp",
    "英镑",
    "英鎊",
    "jpy",
    "日元",
    "日圓",
    "円",
    "s$",
    "sgd",
    "新加坡元",
    "₩",
    "krw",
    "韩元",
    "韓元",
    "mop",
    "澳门元",
    "澳門元",
    "rm",
    "myr",
    "aud",
    "a$",
    "cad",
    "c$",
)


@dataclass(frozen=True)
class Money:
    """A currency as a plan uses it: how typed amounts may mark it and how amounts are written.

    `markers`: signs and words an amount may carry (¥, 元, HK$, 萬 is a unit, not a marker); `foreign`: markers
    of other currencies, refused with code "currency"; `units`: the multipliers allowed (None: all);
    `formats`: per language, a pattern with {amount} (15,000 or 1,234.56)."""

    code: str  # ISO 4217, or "" when the user gave none
    markers: tuple[str, ...]
    foreign: tuple[str, ...]
    formats: tuple[tuple[str, str], ...]  # (lang, pattern)
    symbol: str = ""
    units: tuple[str, ...] | None = None
    min_offer: int = 1_00  # fen (1/100 of the unit)
    min_margin: int = 0

    @property
    def marker_re(self) -> re.Pattern[str]:
        return _marker_re(self.markers, self.foreign)

    def format(self, fen: int, lang: str = "zh-Hans") -> str:
        neg = fen < 0
        units, cents = divmod(abs(fen), 100)
        amount = f"{units:,}" + (f".{cents:02d}" if cents else "")
        pattern = dict(self.formats).get(lang) or dict(self.formats).get("en") or "{amount}"
        return ("-" if neg else "") + pattern.format(amount=amount)


@lru_cache(maxsize=64)
def _marker_re(own: tuple[str, ...], foreign: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted(set(own) | set(foreign), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.I)


# yuan, as typed before plans had jurisdictions (the default of parse_amount; the CN plan.yaml says the same)
YUAN = Money(
    code="CNY",
    symbol="¥",
    markers=("人民币", "人民幣", "rmb", "cny", "yuan", "块钱", "塊錢", "元整", "元", "圆", "圓", "块", "塊", "¥", "￥"),
    foreign=(
        "$",
        "美元",
        "美金",
        "港币",
        "港幣",
        "usd",
        "hkd",
        "us$",
        "hk$",
        "nt$",
        "新台币",
        "新臺幣",
        "台币",
        "台幣",
        "twd",
        "ntd",
    )
    + OTHER_CURRENCY_MARKERS,
    formats=(("zh-Hans", "¥{amount}"), ("zh-Hant", "¥{amount}"), ("en", "¥{amount}")),
    min_offer=50_00,
    min_margin=100_00,
)


def unmarked(code: str = "") -> Money:
    """An uncovered jurisdiction: plain numbers, or the ISO code the user gave; any other currency sign is refused."""
    from bot.plan.rules import known_markers

    own = (code.lower(), "块", "塊") if code else ("块", "塊")
    foreign = tuple(m for m in known_markers() + OTHER_CURRENCY_MARKERS if m not in own)
    pattern = f"{code} {{amount}}" if code else "{amount}"
    return Money(
        code=code,
        symbol=code,
        markers=own,
        foreign=foreign,
        formats=tuple((lang, pattern) for lang in ("zh-Hans", "zh-Hant", "en")),
    )


def normalise(text: str) -> str:
    """NFKC (full-width digits and signs to ASCII), lower case, no surrounding or inner blanks around units."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = t.replace("，", ",").replace("．", ".").replace("。", ".")
    return t


def parse_amount(text: str, *, allow_zero: bool = True, money: Money = YUAN) -> Decimal:
    """The amount in the currency's unit (two decimals at most; yuan by default). Raises AmountError."""
    raw = str(text or "")
    t = normalise(raw)
    if not t:
        raise AmountError("empty", raw)
    if t in _NONE:
        if allow_zero:
            return Decimal(0)
        raise AmountError("not_a_number", raw)
    prev = None
    while prev != t:
        prev, t = t, _ABOUT.sub("", t).strip()
    own = set(money.markers)
    found = money.marker_re.findall(t)
    if any(m.lower() not in own for m in found):
        raise AmountError("currency", raw)
    t = money.marker_re.sub("", t).strip()
    if t.startswith("-") or t.startswith("负") or t.startswith("負"):
        raise AmountError("negative", raw)
    t = t.lstrip("+")
    if re.fullmatch(r"\d[\d.,' ]*\s*(?:-|~|到|至|—|–)\s*\d[\d.,' ]*.*", t):
        raise AmountError("range", raw)
    if not t:
        raise AmountError("not_a_number", raw)
    # digit grouping: 15,000 / 15 000 / 15'000 (consistent groups of three only)
    head = re.match(r"^[\d.,' ]+", t)
    if head:
        num = head.group(0).strip()
        rest = t[head.end() :].strip()
        if any(c in num for c in ",' "):
            if _GROUPED.match(num):
                num = re.sub(r"[,' ]", "", num)
            elif re.fullmatch(r"\d+,\d{1,2}", num):
                raise AmountError("separator", raw, num.replace(",", "."))
            else:
                raise AmountError("separator", raw, re.sub(r"[,' ]", "", num))
        if not rest and re.search(r"\.\d{3,}$", num):
            # 15.000 is more likely fifteen thousand than fifteen; 12.3456 is a typo either way
            raise AmountError("decimals", raw, num.replace(".", "") if re.fullmatch(r"\d{1,3}\.\d{3}", num) else None)
        t = num + rest
    t = t.replace(" ", "")
    if money.units is not None and any(u in t for u in MULTIPLIERS if u not in money.units):
        raise AmountError("not_a_number", raw)
    value = _parse_compact(t, raw)
    if value < 0:
        raise AmountError("negative", raw)
    if value > MAX_AMOUNT:
        raise AmountError("too_large", raw)
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise AmountError("decimals", raw)
    if value == 0 and not allow_zero:
        raise AmountError("not_a_number", raw)
    return value.quantize(CENT) if value != value.to_integral() else value.quantize(Decimal(1))


def _parse_compact(t: str, raw: str) -> Decimal:
    tokens = _TOKEN.findall(t)
    if not tokens:
        raise AmountError("not_a_number", raw)
    for tok in tokens:
        if not (
            re.fullmatch(r"\d+(?:\.\d+)?", tok)
            or tok in DIGITS
            or tok in SMALL_UNITS
            or tok in BIG_UNITS
            or tok in POINT
        ):
            raise AmountError("not_a_number", raw)
    # a run of bare Chinese digits (一五零零零) reads digit by digit
    if all(tok in DIGITS for tok in tokens) and len(tokens) > 1:
        return Decimal("".join(str(DIGITS[tok]) for tok in tokens))
    total = Decimal(0)  # completed 亿 part
    section = Decimal(0)  # completed part under 亿 (万 included)
    small = Decimal(0)  # part under 万
    number: Decimal | None = None
    last_unit: int | None = None
    after_zero = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if re.fullmatch(r"\d+(?:\.\d+)?", tok) or tok in DIGITS:
            if number is not None:
                raise AmountError("not_a_number", raw)
            if tok in DIGITS:
                d = DIGITS[tok]
                # Chinese decimals: 一点五
                if i + 1 < len(tokens) and tokens[i + 1] in POINT:
                    frac = []
                    j = i + 2
                    while j < len(tokens) and tokens[j] in DIGITS:
                        frac.append(str(DIGITS[tokens[j]]))
                        j += 1
                    if not frac:
                        raise AmountError("not_a_number", raw)
                    number = Decimal(f"{d}.{''.join(frac)}")
                    i = j
                    continue
                if d == 0:
                    after_zero = True
                    i += 1
                    continue
                number = Decimal(d)
            else:
                number = Decimal(tok)
            i += 1
            continue
        if tok in POINT:
            raise AmountError("not_a_number", raw)
        if tok in SMALL_UNITS:
            unit = SMALL_UNITS[tok]
            if number is None and unit == 10 and small == 0 and not after_zero:
                number = Decimal(1)  # 十五 = 15
            if number is None:
                raise AmountError("not_a_number", raw)
            small += number * unit
            number, last_unit, after_zero = None, unit, False
        else:
            unit = BIG_UNITS[tok]
            part = small + (number or 0)
            if part == 0 and section == 0 and total == 0:
                raise AmountError("not_a_number", raw)
            if unit == 10_000:
                section += part * unit
            else:
                total = (total + section + part) * unit
                section = Decimal(0)
            small, number, last_unit, after_zero = Decimal(0), None, unit, False
        i += 1
    if number is not None:
        # implicit unit: 一万五 = 15000, 三千五 = 3500, 1万5 = 15000 (not after a 零: 一万零五 = 10005)
        if last_unit is not None and not after_zero and number == number.to_integral() and number < 10:
            number *= Decimal(last_unit) / 10
        small += number
    return total + section + small


def to_fen(amount: Decimal | int | float | str) -> int:
    """Yuan to fen (integer cents), for exact arithmetic."""
    if isinstance(amount, str):
        amount = parse_amount(amount)
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def format_money(fen: int, money: Money | None, lang: str = "zh-Hans") -> str:
    """An amount as the plan's currency writes it in `lang` (¥15,000, HK$15,000, 新臺幣15,000元, NT$15,000)."""
    return (money or YUAN).format(fen, lang)


def format_yuan(fen: int, *, sign: bool = True) -> str:
    """¥15,000 or ¥1,234.56 (no decimals when they are zero)."""
    neg = fen < 0
    fen = abs(fen)
    yuan, cents = divmod(fen, 100)
    text = f"{yuan:,}" + (f".{cents:02d}" if cents else "")
    return ("-" if neg else "") + ("¥" if sign else "") + text


# -- other numbers of the interview ----------------------------------------------------------------------------

_COUNT_WORDS = {"没有", "沒有", "无", "無", "none", "no", "nobody", "zero"}


def parse_count(text: str, *, maximum: int = 30) -> int:
    """A small whole number (dependants): 2, 两个, 3人, two is not understood (raises AmountError)."""
    t = normalise(text)
    t = re.sub(r"(?:个人|個人|个|個|人|口|位|people|persons?|kids?|children|child)$", "", t).strip()
    if t in _COUNT_WORDS:
        return 0
    value = parse_amount(t)
    if value != value.to_integral():
        raise AmountError("not_a_number", str(text))
    if value > maximum:
        raise AmountError("too_large", str(text))
    return int(value)


def parse_months(text: str) -> float:
    """A duration in months: 3, 3个月, 半年, 1年, 1.5 years, 2 weeks (as a fraction of a month)."""
    t = normalise(text)
    if t in ("半年",):
        return 6.0
    if t in ("半个月", "半個月"):
        return 0.5
    m = re.fullmatch(r"(.+?)\s*(个月|個月|月|months?|mos?|m|年|years?|yrs?|y|周|週|星期|weeks?|w|天|日|days?|d)?", t)
    if not m:
        raise AmountError("not_a_number", str(text))
    value = parse_amount(m.group(1))
    unit = m.group(2) or "月"
    factor = Decimal(1)
    if unit in ("年", "year", "years", "yr", "yrs", "y"):
        factor = Decimal(12)
    elif unit in ("周", "週", "星期", "week", "weeks", "w"):
        factor = Decimal(7) / Decimal("30.4")
    elif unit in ("天", "日", "day", "days", "d"):
        factor = Decimal(1) / Decimal("30.4")
    months = value * factor
    if months > 600:
        raise AmountError("too_large", str(text))
    return float(round(months, 2))


def parse_rate(text: str) -> float:
    """An interest rate as a yearly percentage: 18%, 年化24%, 24, 月息2% (x12), 日息0.05% (x365), 0.18 (18%)."""
    t = normalise(text)
    t = re.sub(r"^(?:年化|年利率|年息|年|apr|annual(?:ly)?|yearly|per year|a year|p\.a\.?)\s*", "", t)
    factor = Decimal(1)
    daily = re.match(r"^(?:日利率|日息|日|daily|per day|a day)\s*", t)
    monthly = re.match(r"^(?:月利率|月息|月|monthly|per month|a month)\s*", t)
    if daily:
        factor, t = Decimal(365), t[daily.end() :]
    elif monthly:
        factor, t = Decimal(12), t[monthly.end() :]
    suffix_daily = re.search(r"\s*(?:/天|/日|每天|per day|a day|daily)$", t)
    suffix_month = re.search(r"\s*(?:/月|每月|per month|a month|monthly)$", t)
    suffix_year = re.search(r"\s*(?:/年|每年|per year|a year|p\.a\.?|apr|yearly)$", t)
    if suffix_daily:
        factor, t = Decimal(365), t[: suffix_daily.start()]
    elif suffix_month:
        factor, t = Decimal(12), t[: suffix_month.start()]
    elif suffix_year:
        t = t[: suffix_year.start()]
    t = t.strip()
    percent = t.endswith("%")
    t = t.rstrip("%").strip()
    if not re.fullmatch(r"\d+(?:\.\d+)?", t):
        raise AmountError("not_a_number", str(text))
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise AmountError("not_a_number", str(text)) from None
    if not percent and value < 1 and factor == 1:
        value *= 100  # 0.18 -> 18%
    rate = value * factor
    if rate > 1000:
        raise AmountError("too_large", str(text))
    return float(round(rate, 4))
