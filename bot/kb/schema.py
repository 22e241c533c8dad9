"""The shape of every knowledge-base file (see knowledge/README.md)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Text(Strict):
    """A text in each of the three languages."""

    zh_Hans: str = Field(alias="zh-Hans", min_length=1)
    zh_Hant: str = Field(alias="zh-Hant", min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return {"zh-Hans": self.zh_Hans, "zh-Hant": self.zh_Hant, "en": self.en}.get(lang, self.zh_Hans)


class TextList(Strict):
    """Lists of texts in each of the three languages."""

    zh_Hans: list[str] = Field(alias="zh-Hans", min_length=1)
    zh_Hant: list[str] = Field(alias="zh-Hant", min_length=1)
    en: list[str] = Field(min_length=1)

    def get(self, lang: str) -> list[str]:
        return {"zh-Hans": self.zh_Hans, "zh-Hant": self.zh_Hant, "en": self.en}.get(lang, self.zh_Hans)


class Samples(Strict):
    """Example messages by language; a language may be missing (a US practice has no Chinese examples)."""

    zh_Hans: list[str] = Field(default_factory=list, alias="zh-Hans")
    zh_Hant: list[str] = Field(default_factory=list, alias="zh-Hant")
    en: list[str] = Field(default_factory=list)

    def all(self) -> list[tuple[str, str]]:
        return [(lang, s) for lang, items in (("zh-Hans", self.zh_Hans), ("zh-Hant", self.zh_Hant), ("en", self.en))
                for s in items]


def _number_as_text(v: object) -> object:
    # hotline numbers in term lists (12368) are words to find, not numbers
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


Term = Annotated[str, BeforeValidator(_number_as_text)]
Status = Literal["confirmed", "secondary", "unconfirmed"]


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
    def _one_kind(self) -> "Pattern":
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


class Law(Strict):
    jurisdiction: str
    title: Text
    effective: str = ""
    kind: Literal["statute", "judicial_interpretation", "regulation", "self_regulation", "standard", "guidance"]
    source: str = ""

    @field_validator("effective")
    @classmethod
    def _date(cls, v: str) -> str:
        if v and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise ValueError("effective must be YYYY-MM-DD or empty")
        return v


class Citation(Strict):
    law: str
    article: Text
    status: Status
    as_of: str
    # when this article took effect, if it differs from the law's date (an article added by an amendment)
    effective: str = ""
    wording: str = ""
    summary: Text


class LawsFile(Strict):
    version: Literal[1]
    laws: dict[str, Law] = Field(default_factory=dict)
    citations: dict[str, Citation] = Field(default_factory=dict)


class Channel(Strict):
    jurisdiction: str
    kind: Literal["complaint", "police", "court", "legal_aid", "crisis", "report_spam", "report_fraud", "lender",
                  "emergency", "regulator"]
    name: Text
    contact: str = ""
    url: str = ""
    scope: Text
    status: Status


class ChannelsFile(Strict):
    version: Literal[1]
    channels: dict[str, Channel]


class VocabFile(Strict):
    version: Literal[1]
    vocab: dict[str, list[Term]]


class Replies(Strict):
    short: TextList
    formal: Text


class NextSteps(Strict):
    evidence: TextList
    channels: list[str] = Field(min_length=1)


class Practice(Strict):
    id: str
    category: str
    jurisdiction: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    title: Text
    explanation: Text
    what_to_do: Text
    legal_basis: list[str] = Field(default_factory=list)
    patterns: list[Pattern] = Field(min_length=1)
    # the message as a whole must contain one of these terms (e.g. debt words for "今晚去你家")
    context: list[Term] = Field(default_factory=list)
    examples: Samples
    counter_examples: Samples = Field(default_factory=Samples)
    replies: Replies
    next_steps: NextSteps

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError("ids use lower-case letters, digits, '_', '.', '-'")
        return v


class PracticesFile(Strict):
    version: Literal[1]
    practices: list[Practice]


class TopicAnswer(Strict):
    text: Text
    sources: list[str] = Field(default_factory=list)


class Topic(Strict):
    id: str
    title: Text
    questions: Samples
    keywords: list[Term] = Field(default_factory=list)
    patterns: list[Pattern] = Field(default_factory=list)
    answers: dict[str, TopicAnswer]
    related_categories: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)


class TopicsFile(Strict):
    version: Literal[1]
    topics: list[Topic]


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
    late_hours: dict[str, tuple[int, int]]


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int
    practices: dict[str, dict[str, str]]
    topics: dict[str, str]
