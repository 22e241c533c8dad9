"""The shape of every knowledge-base file (see knowledge/README.md).

Two halves: *signals* (what a message says; per language, in `signals/<lang>/`) and *jurisdictions* (what the law
says about it; `jurisdictions/<code>/`). Texts shown to users are keyed by language code; a missing translation
falls back (see `Text.get`) and is a `kb check` warning, not a load failure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, field_validator, model_validator

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
SEVERITIES = ("info", "low", "medium", "high", "critical")

# The order in which languages stand in for a missing translation; set once from languages.yaml by the loader.
FALLBACK_ORDER: list[str] = ["en", "zh-Hans", "zh-Hant"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _fallback(values: Mapping[str, object], lang: str) -> object | None:
    if lang in values:
        return values[lang]
    for other in FALLBACK_ORDER:
        if other in values:
            return values[other]
    return next(iter(values.values()), None)


class Text(RootModel[dict[str, Annotated[str, Field(min_length=1)]]]):
    """A text in several languages: {zh-Hans: …, zh-Hant: …, en: …}."""

    model_config = ConfigDict(frozen=True)

    def get(self, lang: str) -> str:
        value = _fallback(self.root, lang)
        return value if isinstance(value, str) else ""

    @property
    def languages(self) -> set[str]:
        return set(self.root)


class TextList(RootModel[dict[str, list[str]]]):
    """Lists of texts by language."""

    model_config = ConfigDict(frozen=True)

    def get(self, lang: str) -> list[str]:
        value = _fallback(self.root, lang)
        return list(value) if isinstance(value, list) else []

    @property
    def languages(self) -> set[str]:
        return set(self.root)


class Samples(RootModel[dict[str, list[str]]]):
    """Example messages by language (only the languages a signal file is written in)."""

    model_config = ConfigDict(frozen=True)
    root: dict[str, list[str]] = Field(default_factory=dict)

    def all(self) -> list[tuple[str, str]]:
        return [(lang, s) for lang, items in self.root.items() for s in items]


def _number_as_text(v: object) -> object:
    # hotline numbers in term lists (12368) are words to find, not numbers
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


Term = Annotated[str, BeforeValidator(_number_as_text)]
Status = Literal["confirmed", "secondary", "unconfirmed"]
Severity = Literal["info", "low", "medium", "high", "critical"]


class Pattern(Strict):
    any: list[Term] | None = None
    all: list[list[Term]] | None = None
    regex: str | None = None
    window: int = Field(default=20, ge=1, le=400)
    ordered: bool = False
    cross_sentence: bool = False
    unless: list[Term] = Field(default_factory=list)
    negatable: bool = True

    @model_validator(mode="after")
    def _one_kind(self) -> Pattern:
        kinds = [k for k in ("any", "all", "regex") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a pattern has exactly one of any / all / regex")
        if self.any is not None and not self.any:
            raise ValueError("`any` needs at least one term")
        if self.all is not None and (len(self.all) < 2 or not all(self.all)):
            raise ValueError("`all` needs at least two non-empty groups")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from None
        return self


def _date(v: object) -> str:
    text = "" if v is None else str(v)
    if text and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("dates are YYYY-MM-DD (or empty when unknown)")
    return text


Date = Annotated[str, BeforeValidator(_date)]


# -- languages and regions -------------------------------------------------------------------------------------


class Language(Strict):
    name: str  # the language's own name for itself
    babel: str  # Babel / CLDR locale (dates, region names)
    catalogue: str  # folder of locales/<catalogue>/LC_MESSAGES/*.po
    signals: str  # folder of signals/<signals>/ that detects messages in it
    region: str  # usual region of a speaker when nothing else is known
    telegram: list[str] = Field(min_length=1)  # Telegram / IETF language codes (prefix match) that mean it


class LanguagesFile(Strict):
    version: Literal[1]
    default: str
    fallback: list[str] = Field(default_factory=list)  # order of languages standing in for a missing text
    languages: dict[str, Language]
    # Telegram language codes that name a region as well (zh-hk -> HK)
    telegram_regions: dict[str, str] = Field(default_factory=dict)


class Currency(Strict):
    code: str  # ISO 4217
    symbols: list[Term] = Field(min_length=1)  # written before an amount: ¥, hk$, rmb
    units: list[Term] = Field(default_factory=list)  # written after an amount: 元, 块, dollars


class Region(Strict):
    """A region the knowledge base does not cover: it is recognised, and judged with honest scope."""

    cues: list[Term] = Field(default_factory=list)
    # how amounts are written there: read as amounts in any message (never shown as the region's currency)
    currency: Currency | None = None


class RegionsFile(Strict):
    version: Literal[1]
    regions: dict[str, Region]


# -- jurisdictions ---------------------------------------------------------------------------------------------


class Jurisdiction(Strict):
    code: str  # ISO 3166 (or "general" for the honest-scope judge)
    name: Text
    covered: bool = True  # false: no statute is cited, only what rules widely forbid
    default_language: str
    timezone: str
    currency: Currency | None = None
    phone_formats: list[str] = Field(default_factory=list)  # regular expressions over normalised text
    # contact from the first hour until the second is late; None where no rule exists (detection then reads times
    # by general/'s night, and late_hours_note says what applies instead)
    late_hours: tuple[int, int] | None = None
    late_hours_note: Text | None = None  # where no fixed rule exists, what to say instead
    emergency: list[str] = Field(default_factory=list)  # channel ids, the first is the one to call
    police: str = ""  # channel id
    crisis_lines: list[str] = Field(default_factory=list)  # channel ids
    cues: list[Term] = Field(default_factory=list)  # words in a message that point to this place

    @field_validator("phone_formats")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for rx in v:
            try:
                re.compile(rx)
            except re.error as exc:
                raise ValueError(f"invalid regex {rx!r}: {exc}") from None
        return v

    @field_validator("late_hours")
    @classmethod
    def _hours(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not all(0 <= h <= 23 for h in v):
            raise ValueError("hours are 0-23")
        return v


class JurisdictionFile(Strict):
    version: Literal[1]
    jurisdiction: Jurisdiction


class Law(Strict):
    title: Text
    effective: Date = ""
    # the law this one replaced or that replaces it: citations of a superseded law are flagged by kb check
    superseded_by: str = ""
    kind: Literal[
        "statute",
        "judicial_interpretation",
        "regulation",
        "self_regulation",
        "standard",
        "guidance",
        "case_law",
        "code_of_practice",
    ]
    source: str = ""
    jurisdiction: str = ""  # filled in from the folder


class Citation(Strict):
    law: str
    article: Text
    status: Status
    as_of: Date
    # when this article took effect, if it differs from the law's date (an article added by an amendment)
    effective: Date = ""
    wording: str = ""
    summary: Text


class LawsFile(Strict):
    version: Literal[1]
    laws: dict[str, Law] = Field(default_factory=dict)
    citations: dict[str, Citation] = Field(default_factory=dict)


class Channel(Strict):
    kind: Literal[
        "complaint",
        "police",
        "court",
        "legal_aid",
        "crisis",
        "report_spam",
        "report_fraud",
        "lender",
        "emergency",
        "regulator",
        "directory",
    ]
    name: Text
    contact: str = ""
    url: str = ""
    scope: Text
    status: Status
    source: str = ""
    jurisdiction: str = ""  # filled in from the folder


class ChannelsFile(Strict):
    version: Literal[1]
    channels: dict[str, Channel]


class VocabFile(Strict):
    version: Literal[1]
    vocab: dict[str, list[Term]]


class Replies(Strict):
    short: TextList
    formal: Text
    # a variant for a borrower who accepts the debt (offered one tap away); the default never confirms it
    accepting: Text | None = None


class NextSteps(Strict):
    evidence: TextList
    channels: list[str] = Field(default_factory=list)


class JudgementFields(Strict):
    """What a jurisdiction says about a signal: any field left out is the category's."""

    severity: Severity | None = None
    explanation: Text | None = None
    what_to_do: Text | None = None
    legal_basis: list[str] | None = None
    # superseded citations in legal_basis that are cited on purpose, for events before the change
    historical: list[str] | None = None
    replies: Replies | None = None
    next_steps: NextSteps | None = None


class JudgementFile(Strict):
    """jurisdictions/<code>/judgements/<category>.yaml: the category's judgement, finer ones per signal."""

    version: Literal[1]
    category: str
    severity: Severity
    explanation: Text
    what_to_do: Text
    legal_basis: list[str] = Field(default_factory=list)
    historical: list[str] = Field(default_factory=list)  # see JudgementFields.historical
    replies: Replies
    next_steps: NextSteps
    signals: dict[str, JudgementFields] = Field(default_factory=dict)


class TopicAnswer(Strict):
    text: Text
    sources: list[str] = Field(default_factory=list)
    # superseded citations in sources that the text cites on purpose, for events before the change
    historical: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)


class AnswersFile(Strict):
    version: Literal[1]
    answers: dict[str, TopicAnswer]


# -- signals ---------------------------------------------------------------------------------------------------


class SignalPart(Strict):
    """One language's part of a signal (signals/<lang>/<category>.yaml); parts with the same id are one signal."""

    id: str
    category: str
    title: Text | None = None  # in one part only
    only: list[str] = Field(default_factory=list)  # jurisdictions where it applies (default: everywhere)
    patterns: list[Pattern] = Field(default_factory=list)
    # the message as a whole must contain one of these terms (e.g. debt words for "今晚去你家")
    context: list[Term] = Field(default_factory=list)
    examples: Samples = Field(default_factory=Samples)
    counter_examples: Samples = Field(default_factory=Samples)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError("ids use lower-case letters, digits, '_', '.', '-'")
        return v


class SignalsFile(Strict):
    version: Literal[1]
    signals: list[SignalPart]


# -- topics ----------------------------------------------------------------------------------------------------


class Topic(Strict):
    id: str
    title: Text
    questions: Samples
    keywords: list[Term] = Field(default_factory=list)
    patterns: list[Pattern] = Field(default_factory=list)
    related_categories: list[str] = Field(default_factory=list)
    # the taxonomy topic a finer topic belongs to (public_shaming -> family_contact); default: its own id
    maps_to: str = ""

    @property
    def taxonomy_id(self) -> str:
        return self.maps_to or self.id


class TopicsFile(Strict):
    version: Literal[1]
    topics: list[Topic]


# -- normalisation ---------------------------------------------------------------------------------------------


class Override(Strict):
    """A lawful category that is dropped when one of `by` matches in the same sentence."""

    category: str
    by: list[str]
    scope: Literal["sentence", "message"] = "sentence"


class LinkRules(Strict):
    shorteners: list[str]
    suspicious_tlds: list[str]
    lookalike_words: list[str] = Field(default_factory=list)


class Lexicon(Strict):
    version: Literal[1]
    # variant spelling -> canonical word, applied after NFKC and traditional->simplified conversion
    replacements: dict[str, str] = Field(default_factory=dict)
    # canonical word -> its pinyin syllables (space separated); mixed and abbreviated spellings are generated
    pinyin_words: dict[str, str] = Field(default_factory=dict)
    # pinyin initials abbreviations that are safe to expand (zx -> 征信)
    abbreviations: dict[str, str] = Field(default_factory=dict)
    # emoji / symbol -> word, applied to single characters before everything else
    symbols: dict[str, str] = Field(default_factory=dict)
    # English text-speak, whole words, any text: ur -> your, 2day -> today
    text_speak: dict[str, str] = Field(default_factory=dict)
    # digits and symbols used as letters inside English words: c0urt, c@ll, $ue
    leet: dict[str, str] = Field(default_factory=dict)
    negators: list[Term]
    breakers: list[Term]
    conditionals: list[Term] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    links: LinkRules
    # everyday hyperbole (累死了, 想死你了, "this debt is killing me"): on its own not a crisis for the classifier
    # (a crisis pattern still wins)
    hyperbole: list[Term] = Field(default_factory=list)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int
    practices: dict[str, dict[str, str]]
    topics: dict[str, str]
