"""The engine: assess a collection message, answer a question. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer import TopicIndex, TopicScore
from bot.config import LANGUAGES, Settings, load_settings
from bot.entities import Entity, EntityFinder
from bot.kb.loader import JURISDICTIONS, KnowledgeBase, load_kb
from bot.kb.schema import Practice, Topic
from bot.matcher import Matcher
from bot.normalize import Normalised, Normaliser

MAX_CHARS = 20_000          # longer input is assessed on its first MAX_CHARS characters (and says so)
VERDICT_ORDER = ("scam", "unlawful", "lawful")
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


@dataclass(frozen=True)
class Finding:
    practice: Practice
    kind: str
    evidence: str
    start: int
    end: int

    @property
    def category(self) -> str:
        return self.practice.category


@dataclass
class Assessment:
    text: str
    lang: str
    jurisdiction: str
    verdict: str
    findings: list[Finding]
    entities: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        seen: list[str] = []
        for f in self.findings:
            if f.category not in seen:
                seen.append(f.category)
        return seen


@dataclass
class Answer:
    text: str
    lang: str
    jurisdiction: str
    topic: str
    score: float
    alternatives: list[TopicScore]
    confident: bool
    crisis_evidence: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)


class Engine:
    def __init__(self, kb: KnowledgeBase, settings: Settings):
        self.kb, self.settings = kb, settings
        self.normaliser = Normaliser(kb.lexicon)
        self.entity_finder = EntityFinder(kb.lexicon.links, kb.lexicon.late_hours)
        negators, breakers = list(kb.lexicon.negators), list(kb.lexicon.breakers)
        conditionals = list(kb.lexicon.conditionals)
        self.practices: dict[str, list[Practice]] = {}
        self.matchers: dict[str, Matcher] = {}
        for jur in JURISDICTIONS:
            plist = [p for p in kb.practices if p.jurisdiction == jur]
            self.practices[jur] = plist
            self.matchers[jur] = Matcher(self.normaliser, [p.patterns for p in plist], kb.vocab, negators, breakers,
                                         conditionals, [p.context for p in plist])
        self.topics: list[Topic] = list(kb.topics)
        self.topic_matcher = Matcher(self.normaliser, [t.patterns for t in self.topics], kb.vocab, [], [])
        self.topic_index = TopicIndex(self.topics, self.normaliser)
        self._overrides = [(o.category, set(o.by), o.scope) for o in kb.lexicon.overrides]

    @classmethod
    def load(cls, knowledge_dir: Path | None = None, settings: Settings | None = None) -> "Engine":
        settings = settings or load_settings()
        return cls(load_kb(knowledge_dir or settings.knowledge_dir), settings)

    # -- helpers -------------------------------------------------------------------------------------

    def resolve(self, text: str, norm: Normalised | None, lang: str | None, jurisdiction: str | None
                ) -> tuple[str, str, list[str]]:
        warnings = []
        if lang is not None and lang not in LANGUAGES:
            warnings.append(f"unknown lang {lang!r}; using the language of the text")
            lang = None
        if jurisdiction is not None and jurisdiction.upper() not in JURISDICTIONS:
            warnings.append(f"unknown jurisdiction {jurisdiction!r}; using {self.settings.default_jurisdiction}")
            jurisdiction = None
        return (lang or detect_language(norm or self.normaliser.normalise(text[:2000]), self.settings.default_language),
                (jurisdiction or self.settings.default_jurisdiction).upper(), warnings)

    # -- assessment ----------------------------------------------------------------------------------

    def assess(self, text: str, lang: str | None = None, jurisdiction: str | None = None) -> Assessment:
        warnings = []
        work = text
        if len(work) > MAX_CHARS:
            work = work[:MAX_CHARS]
            warnings.append(f"only the first {MAX_CHARS} characters were assessed")
        norm = self.normaliser.normalise(work)
        lang, jur, more = self.resolve(work, norm, lang, jurisdiction)
        warnings.extend(more)
        entities = self.entity_finder.find(norm, jur)
        matcher, practices = self.matchers[jur], self.practices[jur]
        spans = matcher.match(matcher.hits(norm, entities))
        findings = []
        for owner, (s, e) in spans.items():
            p = practices[owner]
            o_start, o_end = norm.span(s, e)
            if o_end <= o_start:
                continue
            findings.append(Finding(p, self.kb.kind_of(p.category), work[o_start:o_end], o_start, o_end))
        findings = self._apply_overrides(findings, norm)
        findings.sort(key=lambda f: (VERDICT_ORDER.index(f.kind), SEVERITY_RANK[f.practice.severity], f.start))
        kinds = {f.kind for f in findings}
        verdict = next((k for k in VERDICT_ORDER if k in kinds), "unclear")
        return Assessment(text, lang, jur, verdict, findings, [_entity_json(e, norm) for e in entities], warnings)

    def _apply_overrides(self, findings: list[Finding], norm: Normalised) -> list[Finding]:
        if not self._overrides:
            return findings
        sentence_of = _sentence_lookup(norm)
        dropped: set[int] = set()
        for i, f in enumerate(findings):
            for category, by, scope in self._overrides:
                if f.category != category:
                    continue
                for other in findings:
                    if other.category in by and (scope == "message" or
                                                 sentence_of(other.start, other.end) & sentence_of(f.start, f.end)):
                        dropped.add(i)
        return [f for i, f in enumerate(findings) if i not in dropped]

    # -- questions -----------------------------------------------------------------------------------

    def answer(self, text: str, lang: str | None = None, jurisdiction: str | None = None) -> Answer:
        work = text[:MAX_CHARS]
        norm = self.normaliser.normalise(work)
        lang, jur, warnings = self.resolve(work, norm, lang, jurisdiction)
        forced = self.topic_matcher.match(self.topic_matcher.hits(norm, []))
        crisis_idx = next((i for i, t in enumerate(self.topics) if t.id == "crisis"), None)
        ranked = self.topic_index.rank(norm) if norm.text.strip() else []
        if crisis_idx is not None and crisis_idx in forced:
            s, e = forced[crisis_idx]
            alts = [r for r in ranked if r.topic != "crisis"][:3]
            return Answer(text, lang, jur, "crisis", 1.0, alts, True, norm.span(s, e), warnings)
        if forced:
            boosted = {self.topics[i].id for i in forced}
            ranked = sorted((TopicScore(r.topic, min(1.0, r.score + 0.3)) if r.topic in boosted else r
                             for r in ranked), key=lambda r: -r.score)
        if not ranked or ranked[0].score < self.settings.answer_floor:
            alts = [r for r in ranked if r.topic != "out_of_scope"][:3]
            return Answer(text, lang, jur, "out_of_scope", ranked[0].score if ranked else 0.0, alts, False, None,
                          warnings)
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        confident = top.score >= self.settings.answer_confidence and top.score - second >= 0.05
        return Answer(text, lang, jur, top.topic, top.score, ranked[1:4], confident, None, warnings)


    def topic_channels(self, topic: Topic, jurisdiction: str) -> list[str]:
        """The topic's channels of this jurisdiction (crisis and emergency lines of other places are not shown)."""
        known = [c for c in topic.channels if c in self.kb.channels]
        own = [c for c in known if self.kb.channels[c].jurisdiction == jurisdiction]
        return own or [c for c in known if self.kb.channels[c].jurisdiction == self.settings.default_jurisdiction]


def detect_language(norm: Normalised, default: str = "zh-Hans") -> str:
    if norm.cjk_chars == 0:
        letters = sum(1 for ch in norm.text if ch.isascii() and ch.isalpha())
        return "en" if letters else default
    if norm.traditional_chars >= 2 and norm.traditional_chars * 8 >= norm.cjk_chars:
        return "zh-Hant"
    return "zh-Hans"


def _sentence_lookup(norm: Normalised):
    """Original-offset span -> set of sentence ids it touches."""
    sid = norm.sentence_ids
    starts = norm.starts

    def lookup(o_start: int, o_end: int) -> set[int]:
        return {sid[i] for i, s in enumerate(starts) if o_start <= s < o_end} or {-1}

    return lookup


def _entity_json(e: Entity, norm: Normalised) -> dict[str, Any]:
    start, end = norm.span(e.start, e.end)
    out: dict[str, Any] = {"kind": e.kind, "text": norm.original[start:end], "start": start, "end": end}
    if e.kind == "url":
        out["suspicious"] = e.suspicious
        if e.reason:
            out["reason"] = e.reason
    return out
