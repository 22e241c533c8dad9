"""The plan rules of each jurisdiction, as data: knowledge/jurisdictions/<code>/plan.yaml (cn, us, hk, tw).

One file per jurisdiction says what a repayment plan for a lender there must respect:
- the currency: ISO code, how amounts are written in each language and which signs and units a typed amount
  may use ("12萬" from a Hong Kong user is HK$120,000, never yuan);
- the lender kinds offered (licensed or not, an individual or a business);
- interest deducted upfront, the interest lines (rate, lender kinds, what they cover, citation ids, how sure the
  letter may be and how it words them), instalment limits, the conduct the letter asks for, extra requests and
  pointers for hardship (legal aid, Taiwan's 前置協商, time limits);
- the language of the letter for a lender of that jurisdiction.

Every rule names its `source` in the research sheets (../shared/research/*.md). Citation ids are read through the
knowledge base (bot.kb) when the letter is written; the rules only name them. A jurisdiction without a file is
"uncovered": no legal checks at all, and no currency the user did not give.

Validation is pydantic's; every problem is reported as a KBError naming file, field and line
(bot.kb.yamlio.load_located), all problems at once (PlanRulesInvalid).
"""

from __future__ import annotations

import datetime as dtm
import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config import DATA_ROOT
from bot.kb.yamlio import KBError, load_located

LANGS = ("zh-Hans", "zh-Hant", "en")
COVERED = ("CN", "US", "HK", "TW")
COMPONENTS = ("interest", "penalties", "fees")
CITATION_RE = re.compile(r"^[a-z]{2}\.[a-z0-9_]+(?:\.[a-z0-9_]+)+$")

# the placeholders each kind of text may use (checked at load time, so a typo is a validation error, not a crash)
SCREEN_FIELDS = {
    "lender",
    "what",
    "rate",
    "cap",
    "lpr",
    "lpr_date",
    "since",
    "received",
    "principal",
    "deducted",
    "charges",
    "months",
    "excess",
}
LETTER_FIELDS = {
    "what",
    "rate",
    "cap",
    "lpr",
    "lpr_date",
    "since",
    "received",
    "principal",
    "deducted",
    "excess",
    "owed_charges",
    "claimed_charges",
}


class PlanRulesInvalid(Exception):
    def __init__(self, errors: list[KBError]):
        self.errors = errors
        super().__init__(
            "the plan rules have {} error(s):\n{}".format(len(errors), "\n".join(e.describe() for e in errors))
        )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Text(Strict):
    """A text in each of the three languages."""

    zh_Hans: str = Field(alias="zh-Hans", min_length=1)
    zh_Hant: str = Field(alias="zh-Hant", min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return {"zh-Hans": self.zh_Hans, "zh-Hant": self.zh_Hant, "en": self.en}.get(lang, self.zh_Hans)

    def fields(self) -> set[str]:
        return {name for lang in LANGS for _, name, _, _ in string.Formatter().parse(self.get(lang)) if name}


def _check_fields(text: Text | None, allowed: set[str], what: str) -> None:
    if text is None:
        return
    unknown = text.fields() - allowed
    if unknown:
        raise ValueError(
            f"{what}: unknown placeholder(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})"
        )
    by_lang = [{n for _, n, _, _ in string.Formatter().parse(text.get(lang)) if n} for lang in LANGS]
    if any(s != by_lang[0] for s in by_lang):
        raise ValueError(f"{what}: the languages use different placeholders")


class Cite(Strict):
    """A citation id of the knowledge base, optionally only for some lender kinds."""

    id: str
    kinds: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not CITATION_RE.match(v):
            raise ValueError("a citation id looks like cn.civil_code.670")
        return v


def _cites(v: Any) -> Any:
    return [{"id": c} if isinstance(c, str) else c for c in v] if isinstance(v, list) else v


class Currency(Strict):
    code: str = Field(pattern=r"^[A-Z]{3}$")
    symbol: str = Field(min_length=1)  # the chart's axis
    format: Text  # how an amount is written: {amount} is 15,000 or 1,234.56
    markers: list[str] = Field(min_length=1)  # signs and words a typed amount may carry (lower case)
    units: list[str]  # multipliers a typed amount may use besides 十百千 (k, 万, 萬…)
    min_offer: int = Field(ge=1)  # below this a month for everything, nothing is affordable
    min_margin: int = Field(ge=0)  # the safety margin is at least this much

    @model_validator(mode="after")
    def _check(self) -> Currency:
        for lang in LANGS:
            if self.format.get(lang).count("{amount}") != 1 or self.format.fields() != {"amount"}:
                raise ValueError(f"format.{lang} must contain {{amount}} once and nothing else in braces")
        if any(m != m.lower() for m in self.markers):
            raise ValueError("markers are written in lower case")
        bad = [u for u in self.units if u not in ("k", "w", "千", "仟", "万", "萬", "亿", "億")]
        if bad:
            raise ValueError(f"unknown units {bad}")
        return self


class LenderKind(Strict):
    licensed: Literal["yes", "no", "unknown"]
    individual: bool = False  # a person: the letter is one for a private loan
    label: Text | None = None  # the kind's name in this jurisdiction (default: the generic label)


class Lpr(Strict):
    rate: float = Field(gt=0, lt=20)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    source: str = Field(min_length=10)


class Upfront(Strict):
    """Interest deducted when the loan was paid out."""

    principal: Literal["received", "nominal"]  # received: only what was received is principal (the law says so)
    citations: list[Cite] = Field(min_length=1)
    source: str = Field(min_length=10)
    screen: Text
    letter: Text

    normalise_citations = field_validator("citations", mode="before")(_cites)

    @model_validator(mode="after")
    def _check(self) -> Upfront:
        _check_fields(self.screen, SCREEN_FIELDS, "screen")
        _check_fields(self.letter, LETTER_FIELDS, "letter")
        return self


class InterestLine(Strict):
    """A rate above which something follows: the charges above it are not owed (`excess_not_owed`), the lender is
    asked to justify or reduce them (`review`), the line is only a reference that is often cited (`reference`,
    never with a legal basis), or the user is only told (`none`)."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    rate: float | None = Field(default=None, ge=0, le=1000)
    lpr_times: float | None = Field(default=None, gt=0)
    kinds: list[str] = Field(min_length=1)
    conditional_kinds: list[str] = Field(default_factory=list)  # the line applies only if the lender is unlicensed
    covers: list[Literal["interest", "penalties", "fees"]] = Field(min_length=1)
    effect: Literal["excess_not_owed", "review", "reference", "none"]
    lawful_rate: float | None = Field(default=None, ge=0)  # owed up to this rate once crossed (default: rate)
    audience: Literal["letter", "user"] = "letter"
    contracts_from: dtm.date | None = None  # the line applies to contracts made on or after this date
    contracts_before: dtm.date | None = None  # ... or before this one (an older line)
    interest_due_from: dtm.date | None = None  # it applies to interest falling due from this date
    unless_crossed: list[str] = Field(default_factory=list)  # not shown when one of these lines is crossed
    citations: list[Cite] = Field(default_factory=list)
    source: str = Field(min_length=10)
    screen: Text
    screen_if_unlicensed: Text | None = None
    letter: Text | None = None
    letter_if_unlicensed: Text | None = None
    letter_if_undated: Text | None = None  # the contract date is not known and the line depends on it

    normalise_citations = field_validator("citations", mode="before")(_cites)

    @model_validator(mode="after")
    def _check(self) -> InterestLine:
        if (self.rate is None) == (self.lpr_times is None):
            raise ValueError("exactly one of rate / lpr_times")
        if not set(self.conditional_kinds) <= set(self.kinds):
            raise ValueError("conditional_kinds must be among kinds")
        if self.effect == "reference" and self.citations:
            raise ValueError("a reference line is not a legal cap: it has no citations")
        if self.effect in ("excess_not_owed", "review") and not self.citations:
            raise ValueError(f"a line with effect {self.effect} needs its legal basis (citations)")
        if self.effect == "none" and self.audience != "user":
            raise ValueError("a line with effect none is for the user only (audience: user)")
        if self.audience == "letter" and self.letter is None:
            raise ValueError("a line for the letter needs its wording (letter)")
        if self.conditional_kinds and self.audience == "letter" and self.letter_if_unlicensed is None:
            raise ValueError("conditional_kinds need letter_if_unlicensed")
        if self.conditional_kinds and self.screen_if_unlicensed is None:
            raise ValueError("conditional_kinds need screen_if_unlicensed")
        if self.contracts_from and self.audience == "letter" and self.letter_if_undated is None:
            raise ValueError("contracts_from needs letter_if_undated (for a contract of unknown date)")
        for name in ("screen", "screen_if_unlicensed"):
            _check_fields(getattr(self, name), SCREEN_FIELDS, name)
        for name in ("letter", "letter_if_unlicensed", "letter_if_undated"):
            _check_fields(getattr(self, name), LETTER_FIELDS, name)
        return self

    def line_rate(self, lpr: float | None) -> float:
        if self.rate is not None:
            return self.rate
        return round((self.lpr_times or 0) * (lpr or 0), 4)

    def owed_rate(self, lpr: float | None) -> float:
        return self.lawful_rate if self.lawful_rate is not None else self.line_rate(lpr)


class Instalments(Strict):
    kinds: list[str] = Field(min_length=1)
    max_months: int = Field(ge=1, le=600)
    optional: bool = True  # the lender may agree; it is not obliged to
    citations: list[Cite] = Field(min_length=1)
    source: str = Field(min_length=10)
    agreement: Text  # the name of the agreement (个性化分期还款协议)
    plan_name: Text  # the name of the plan, in the letter's title (个性化分期还款方案)
    letter: Text  # the request, in the letter
    screen: Text  # the note for the user

    normalise_citations = field_validator("citations", mode="before")(_cites)


class Conduct(Strict):
    """What the letter asks about contact and collection, by lender kind."""

    kinds: list[str] = Field(min_length=1)
    citations: list[Cite] = Field(default_factory=list)
    source: str = Field(min_length=10)
    letter: Text

    normalise_citations = field_validator("citations", mode="before")(_cites)


class Request(Strict):
    """An extra request of the letter for some lender kinds (a statement of account under a statute, …)."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    kinds: list[str] = Field(min_length=1)
    when: Literal["always", "penalties", "fees"] = "always"
    citations: list[Cite] = Field(default_factory=list)
    source: str = Field(min_length=10)
    letter: Text

    normalise_citations = field_validator("citations", mode="before")(_cites)


class Pointer(Strict):
    """Help for the borrower's own screen (legal aid, debt negotiation, time limits), and optionally a sentence
    in the letter."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    kinds: list[str] = Field(default_factory=list)  # empty: every kind
    when: Literal["always", "hardship", "unaffordable", "overdue"] = "always"
    overdue_months: float | None = Field(default=None, gt=0)  # when: overdue: at least this long
    citations: list[Cite] = Field(default_factory=list)
    source: str = Field(min_length=10)
    screen: Text
    letter: Text | None = None

    normalise_citations = field_validator("citations", mode="before")(_cites)

    @model_validator(mode="after")
    def _check(self) -> Pointer:
        if (self.when == "overdue") != (self.overdue_months is not None):
            raise ValueError("when: overdue goes with overdue_months (and only then)")
        return self


class Terms(Strict):
    """Words of the letter that differ between jurisdictions writing the same language (Hong Kong and Taiwan
    usage in zh-Hant); the defaults are in bot.plan.letter.DEFAULT_TERMS."""

    id_label: Text | None = None  # None: the letter never prints an identity number
    account: Text  # "contract / card number"
    you: Text | None = None  # how the letter addresses a company (贵方, 貴公司)
    you_bank: Text | None = None  # ... a bank (貴行)
    penalties: Text | None = None  # the penalty charges (罚息及违约金, 違約金)
    contact: Text | None = None  # to contact (联系, 聯絡)
    collection: Text | None = None  # debt collection (催收, 追收)
    contract: Text | None = None  # the loan contract (合同, 合約, 契約)


class PlanRules(Strict):
    version: Literal[1]
    jurisdiction: Literal["CN", "US", "HK", "TW"]
    name: Text
    letter_lang: Literal["zh-Hans", "zh-Hant", "en"]
    sources: list[str] = Field(min_length=1)
    currency: Currency
    lpr: Lpr | None = None
    lender_kinds: dict[str, LenderKind] = Field(min_length=1)
    terms: Terms
    upfront_interest: Upfront | None = None
    interest_lines: list[InterestLine] = Field(default_factory=list)
    instalments: list[Instalments] = Field(default_factory=list)
    conduct: list[Conduct] = Field(min_length=1)
    requests: list[Request] = Field(default_factory=list)
    pointers: list[Pointer] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross(self) -> PlanRules:
        kinds = set(self.lender_kinds)
        prefix = self.jurisdiction.lower() + "."

        def check_kinds(where: str, ks: list[str]) -> None:
            unknown = [k for k in ks if k not in kinds]
            if unknown:
                raise ValueError(f"{where}: unknown lender kind(s) {unknown} (this file offers {sorted(kinds)})")

        def check_cites(where: str, cites: list[Cite]) -> None:
            for c in cites:
                if not c.id.startswith(prefix):
                    raise ValueError(f"{where}: citation {c.id} is not a {self.jurisdiction} citation")
                check_kinds(f"{where} ({c.id})", c.kinds)

        codes: set[str] = set()
        for i, line in enumerate(self.interest_lines):
            where = f"interest_lines[{i}] ({line.code})"
            if line.code in codes:
                raise ValueError(f"{where}: duplicate code")
            codes.add(line.code)
            check_kinds(where, line.kinds)
            check_cites(where, line.citations)
            if line.lpr_times is not None and self.lpr is None:
                raise ValueError(f"{where}: lpr_times needs the file's lpr")
            for k in line.conditional_kinds:
                if self.lender_kinds[k].licensed != "unknown":
                    raise ValueError(f"{where}: conditional kind {k} must have licensed: unknown")
        for i, line in enumerate(self.interest_lines):
            unknown_codes = [c for c in line.unless_crossed if c not in codes or c == line.code]
            if unknown_codes:
                raise ValueError(
                    f"interest_lines[{i}] ({line.code}): unless_crossed names unknown lines {unknown_codes}"
                )
        covered: set[str] = set()
        for i, rule in enumerate(self.instalments):
            check_kinds(f"instalments[{i}]", rule.kinds)
            check_cites(f"instalments[{i}]", rule.citations)
            if covered & set(rule.kinds):
                raise ValueError(f"instalments[{i}]: a lender kind has two instalment rules")
            covered |= set(rule.kinds)
        covered = set()
        for i, c in enumerate(self.conduct):
            check_kinds(f"conduct[{i}]", c.kinds)
            check_cites(f"conduct[{i}]", c.citations)
            covered |= set(c.kinds)
        if covered != kinds:
            raise ValueError(f"conduct: every lender kind needs exactly one entry (missing: {sorted(kinds - covered)})")
        if sum(len(c.kinds) for c in self.conduct) != len(kinds):
            raise ValueError("conduct: a lender kind appears twice")
        for i, r in enumerate(self.requests):
            check_kinds(f"requests[{i}]", r.kinds)
            check_cites(f"requests[{i}]", r.citations)
        for i, p in enumerate(self.pointers):
            check_kinds(f"pointers[{i}]", p.kinds)
            check_cites(f"pointers[{i}]", p.citations)
        if self.upfront_interest:
            check_cites("upfront_interest", self.upfront_interest.citations)
        return self

    # -- lookups ---------------------------------------------------------------------------------------------

    def kind(self, kind: str) -> LenderKind:
        return self.lender_kinds[kind]

    def instalments_for(self, kind: str) -> Instalments | None:
        return next((r for r in self.instalments if kind in r.kinds), None)

    def conduct_for(self, kind: str) -> Conduct:
        return next(c for c in self.conduct if kind in c.kinds)

    def citation_ids(self) -> list[str]:
        """Every citation id the file names (for the cross-check against the knowledge base)."""
        out: list[str] = []
        groups: list[list[Cite]] = [line.citations for line in self.interest_lines]
        groups += [r.citations for r in self.instalments] + [c.citations for c in self.conduct]
        groups += [r.citations for r in self.requests] + [p.citations for p in self.pointers]
        if self.upfront_interest:
            groups.append(self.upfront_interest.citations)
        for g in groups:
            out.extend(c.id for c in g if c.id not in out)
        return out


def cite_ids(cites: list[Cite], kind: str) -> list[str]:
    """The ids that apply to a lender of this kind."""
    return [c.id for c in cites if not c.kinds or kind in c.kinds]


# -- loading ---------------------------------------------------------------------------------------------------


def rules_dir(knowledge_dir: Path | None = None) -> Path:
    return (knowledge_dir or _knowledge_dir()) / "jurisdictions"


@lru_cache(maxsize=1)
def _knowledge_dir() -> Path:
    from bot.config import load_settings

    try:
        return load_settings().knowledge_dir
    except Exception:  # a broken config.yaml is reported where the bot starts; the plan uses the default
        return DATA_ROOT / "knowledge"


def load_rules_file(path: Path) -> PlanRules:
    """One plan.yaml, validated. Raises PlanRulesInvalid listing every problem with file, field and line."""
    located = load_located(path) if path.exists() else None
    if located is None:
        raise PlanRulesInvalid([KBError(path, "file is missing")])
    if not isinstance(located.data, dict):
        raise PlanRulesInvalid([KBError(path, "expected a mapping at the top level (version: 1, …)", line=1)])
    try:
        rules = PlanRules.model_validate(located.data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field (typo?)"
            errors.append(
                KBError(path, msg, field=".".join(str(x) for x in loc) or "(file)", line=located.line_of(loc))
            )
        raise PlanRulesInvalid(errors) from None
    expected = path.parent.name.upper()
    if rules.jurisdiction != expected:
        raise PlanRulesInvalid(
            [
                KBError(
                    path,
                    f"jurisdiction {rules.jurisdiction} in the folder of {expected}",
                    field="jurisdiction",
                    line=located.line_of(("jurisdiction",)),
                )
            ]
        )
    return rules


@lru_cache(maxsize=16)
def _load(path: Path, mtime: float) -> PlanRules:
    return load_rules_file(path)


def rules_for(jurisdiction: str, knowledge_dir: Path | None = None) -> PlanRules | None:
    """The rules of a covered jurisdiction (CN, US, HK, TW), or None for an uncovered one."""
    code = (jurisdiction or "").upper()
    if code not in COVERED:
        return None
    path = rules_dir(knowledge_dir) / code.lower() / "plan.yaml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise PlanRulesInvalid([KBError(path, "file is missing")]) from None
    return _load(path, mtime)


def load_all(knowledge_dir: Path | None = None) -> dict[str, PlanRules]:
    """Every covered jurisdiction's rules; all files' problems at once."""
    out: dict[str, PlanRules] = {}
    errors: list[KBError] = []
    for code in COVERED:
        try:
            rules = rules_for(code, knowledge_dir)
        except PlanRulesInvalid as exc:
            errors.extend(exc.errors)
            continue
        if rules is not None:
            out[code] = rules
    if errors:
        raise PlanRulesInvalid(errors)
    return out


# -- money ---------------------------------------------------------------------------------------------------------


def known_markers() -> tuple[str, ...]:
    """The currency signs and words of every covered jurisdiction (another plan's are foreign to a plan)."""
    try:
        every = load_all()
    except PlanRulesInvalid:
        return ()
    return tuple(sorted({m for r in every.values() for m in r.currency.markers}))


_MONEY: dict[tuple[str, int], Any] = {}


def money_of(rules: PlanRules) -> Any:
    """The bot.plan.amounts.Money of a covered jurisdiction: its own markers, every other currency's as foreign."""
    from bot.plan.amounts import OTHER_CURRENCY_MARKERS, Money

    key = (rules.jurisdiction, id(rules))
    if key not in _MONEY:
        c = rules.currency
        own = tuple(c.markers)
        foreign = tuple(m for m in known_markers() + OTHER_CURRENCY_MARKERS if m not in own)
        _MONEY[key] = Money(
            code=c.code,
            symbol=c.symbol,
            markers=own,
            foreign=foreign,
            formats=tuple((lang, c.format.get(lang)) for lang in LANGS),
            units=tuple(c.units),
            min_offer=c.min_offer * 100,
            min_margin=c.min_margin * 100,
        )
    return _MONEY[key]
