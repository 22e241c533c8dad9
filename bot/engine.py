"""The engine: assess a collection message, answer a question. No Telegram here.

Two stages for a message: detectors say what it contains (language-keyed signals), then the judge of the
audience's jurisdiction says what the law makes of it. The text is read (normalised) once per update, and the
audience (language, region) is resolved once and travels with the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import languages
from bot.answer import TopicIndex, TopicScore
from bot.audience import Audience, RegionResolver
from bot.config import Settings, load_settings
from bot.crisis import CrisisCheck, CrisisModel
from bot.detect import Detected, Detector, Message, PatternDetector, entity_finder
from bot.entities import Entity
from bot.judge import Finding, Judge
from bot.kb.loader import GENERAL, KnowledgeBase, load_kb
from bot.kb.schema import Pattern, Topic
from bot.matcher import Matcher
from bot.model import load_model_detector
from bot.normalize import Normalised, Normaliser

MAX_CHARS = 20_000  # longer input is assessed on its first MAX_CHARS characters (and says so)
NO_CRISIS = CrisisCheck(False, 0.0)


@dataclass
class Assessment:
    text: str
    lang: str  # the language of the reply
    audience: Audience
    verdict: str
    findings: list[Finding]
    entities: list[dict[str, Any]]
    text_lang: str = ""  # the language the message is written in
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # only the first MAX_CHARS characters were assessed

    @property
    def jurisdiction(self) -> str:
        return self.audience.region

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
    audience: Audience
    topic: str  # the knowledge-base topic (possibly finer than the taxonomy)
    score: float
    alternatives: list[TopicScore]
    confident: bool
    taxonomy_topic: str = ""
    crisis_evidence: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)
    crisis: CrisisCheck = NO_CRISIS
    # when the text reads as crisis: what it asks besides, so the reply still answers the question
    question: Answer | None = None

    @property
    def jurisdiction(self) -> str:
        return self.audience.region


class Engine:
    def __init__(self, kb: KnowledgeBase, settings: Settings):
        self.kb, self.settings = kb, settings
        self.normaliser = Normaliser(kb.lexicon)
        self.entity_finder = entity_finder(kb)
        self.pattern_detector = PatternDetector(kb, self.normaliser)
        self.detectors: list[Detector] = [self.pattern_detector]
        if settings.learned_detector:
            model = load_model_detector(kb, self.normaliser)
            if model is not None:
                self.detectors.append(model)
        self.judges = {code: Judge(kb, data) for code, data in kb.jurisdictions.items()}
        self.regions = RegionResolver(kb, self.normaliser)
        self.topics: list[Topic] = list(kb.topics)
        self.topic_matcher = Matcher(self.normaliser, [t.patterns for t in self.topics], kb.vocab, [], [])
        # crisis is decided by its own detector, never by resemblance to the crisis questions alone
        self.topic_index = TopicIndex([t for t in self.topics if t.id != "crisis"], self.normaliser)
        self._taxonomy_topic = {t.id: t.taxonomy_id for t in self.topics}
        self._crisis_owner = next((i for i, t in enumerate(self.topics) if t.id == "crisis"), None)
        self.crisis_model = CrisisModel.load() if settings.learned_detector else None
        self._hyperbole_matcher = Matcher(
            self.normaliser, [[Pattern(any=[t])] for t in kb.lexicon.hyperbole], kb.vocab, [], []
        )

    @classmethod
    def load(cls, knowledge_dir: Path | None = None, settings: Settings | None = None) -> Engine:
        settings = settings or load_settings()
        return cls(load_kb(knowledge_dir or settings.knowledge_dir), settings)

    # -- reading and the audience --------------------------------------------------------------------------

    def read(self, text: str) -> Message:
        truncated = len(text) > MAX_CHARS
        work = text[:MAX_CHARS]
        return Message(work, self.normaliser.normalise(work), truncated=truncated)

    def audience(
        self,
        message: Message | None,
        lang: str | None = None,
        jurisdiction: str | None = None,
        user_lang_code: str | None = None,
        warnings: list[str] | None = None,
    ) -> Audience:
        """lang: the reply language (default: the message's); jurisdiction: the user's or caller's choice."""
        if lang is not None and lang not in self.kb.languages.languages:
            if warnings is not None:
                warnings.append(f"unknown lang {lang!r}; using the language of the text")
            lang = None
        if (
            jurisdiction is not None
            and not self.regions.known(jurisdiction.strip().upper())
            and jurisdiction.strip().lower() != "other"
        ):
            if warnings is not None:
                warnings.append(f"unknown jurisdiction {jurisdiction!r}; inferring it from the text")
            jurisdiction = None
        lang = lang or (self.text_language(message.norm) if message is not None else self.settings.default_language)
        return self.regions.resolve(message.norm if message is not None else None, lang, jurisdiction, user_lang_code)

    def judge(self, audience: Audience) -> Judge:
        return self.judges[audience.judge]

    def night(self, judge: Judge) -> tuple[int, int] | None:
        """The hours a message's times are read as late in: the judging jurisdiction's rule, else (a place with no
        fixed calling hours, such as Hong Kong) the honest-scope night of general/. Detection only: that
        jurisdiction's judgement says no fixed hours exist."""
        own = judge.data.info.late_hours
        if own is not None:
            return own
        general = self.kb.jurisdictions.get(GENERAL)
        return general.info.late_hours if general is not None else None

    def text_language(self, norm: Normalised) -> str:
        return detect_language(norm, self.settings.default_language)

    # -- assessment ----------------------------------------------------------------------------------------

    def assess(
        self,
        text: str | Message,
        lang: str | None = None,
        jurisdiction: str | None = None,
        *,
        audience: Audience | None = None,
    ) -> Assessment:
        message = text if isinstance(text, Message) else self.read(text)
        warnings: list[str] = []
        if message.truncated:
            warnings.append(f"only the first {MAX_CHARS} characters were assessed")
        if audience is None:
            audience = self.audience(message, lang, jurisdiction, warnings=warnings)
        judge = self.judge(audience)
        message.entities = self.entity_finder.find(message.norm, self.night(judge))
        detected: list[Detected] = []
        for detector in self.detectors:
            detected += detector.detect(message, audience, detected)
        findings = judge.findings(detected, message)
        return Assessment(
            message.text,
            audience.lang,
            audience,
            judge.verdict(findings),
            findings,
            [_entity_json(e, message.norm) for e in message.entities],
            self.text_language(message.norm),
            warnings,
            message.truncated,
        )

    # -- questions -----------------------------------------------------------------------------------------

    def crisis_by_pattern(self, norm: Normalised) -> tuple[int, int] | None:
        """The original-text span of a crisis pattern's match, if one matches."""
        if self._crisis_owner is None:
            return None
        span = self.topic_matcher.match(self.topic_matcher.hits(norm, [])).get(self._crisis_owner)
        return norm.span(*span) if span else None

    def check_crisis(self, text: str | Message) -> CrisisCheck:
        """Is the writer at risk? The crisis patterns, else the crisis classifier over the text and its sentences."""
        message = text if isinstance(text, Message) else self.read(text)
        span = self.crisis_by_pattern(message.norm)
        if span is not None:
            return CrisisCheck(True, 1.0, span[0], span[1], "pattern")
        if self.crisis_model is None or not message.norm.text.strip():
            return NO_CRISIS
        check = self.crisis_model.check(message.norm)
        if check.crisis and (self._hyperbole(message, check) or self._collectors_words(message, check)):
            return CrisisCheck(False, check.score)
        return check

    def _hyperbole(self, message: Message, check: CrisisCheck) -> bool:
        """The classifier's sentence speaks in everyday hyperbole (累死了, "this debt is killing me lol")."""
        found = self._hyperbole_matcher.match(self._hyperbole_matcher.hits(message.norm, []))
        return any(
            check.start <= start and end <= check.end
            for start, end in (message.norm.span(*span) for span in found.values())
        )

    def _collectors_words(self, message: Message, check: CrisisCheck) -> bool:
        """The classifier's sentence is a collection practice the patterns recognise (再不还就…, 你想清楚): the
        collector's words pasted by the user, not the writer's own despair (the crisis patterns still apply)."""
        audience = self.regions.resolve(message.norm, self.text_language(message.norm))
        entities = self.entity_finder.find(message.norm, self.night(self.judge(audience)))
        probe = Message(message.text, message.norm, entities)
        return any(d.start < check.end and check.start < d.end for d in self.pattern_detector.detect(probe, audience))

    def answer(
        self,
        text: str | Message,
        lang: str | None = None,
        jurisdiction: str | None = None,
        *,
        audience: Audience | None = None,
    ) -> Answer:
        message = text if isinstance(text, Message) else self.read(text)
        warnings: list[str] = []
        if audience is None:
            audience = self.audience(message, lang, jurisdiction, warnings=warnings)
        unread = languages.unread_language(message.text[:2000])
        if unread:
            warnings.append(f"written in a language the bot does not read ({unread})")
            return Answer(
                message.text, audience.lang, audience, "out_of_scope", 0.0, [], False, "out_of_scope", None, warnings
            )
        question = self._ranked_answer(message, audience, warnings)
        crisis = self.check_crisis(message)
        if not crisis.crisis:
            return question
        return Answer(
            message.text,
            audience.lang,
            audience,
            "crisis",
            crisis.score,
            [TopicScore(question.topic, question.score), *question.alternatives][:3],
            True,
            "crisis",
            (crisis.start, crisis.end),
            warnings,
            crisis,
            question,
        )

    def _ranked_answer(self, message: Message, audience: Audience, warnings: list[str]) -> Answer:
        norm = message.norm
        forced = self.topic_matcher.match(self.topic_matcher.hits(norm, []))
        if self._crisis_owner is not None:
            forced.pop(self._crisis_owner, None)
        ranked = self.topic_index.rank(norm) if norm.text.strip() else []

        def make(topic: str, score: float, alts: list[TopicScore], confident: bool) -> Answer:
            return Answer(
                message.text,
                audience.lang,
                audience,
                topic,
                score,
                alts,
                confident,
                self._taxonomy_topic.get(topic, topic),
                None,
                warnings,
            )

        if forced:
            boosted = {self.topics[i].id for i in forced}
            ranked = sorted(
                (TopicScore(r.topic, min(1.0, r.score + 0.3)) if r.topic in boosted else r for r in ranked),
                key=lambda r: -r.score,
            )
        if not ranked or ranked[0].score < self.settings.answer_floor:
            alts = [r for r in ranked if r.topic != "out_of_scope"][:3]
            return make("out_of_scope", ranked[0].score if ranked else 0.0, alts, False)
        top = ranked[0]
        return make(top.topic, top.score, ranked[1:4], self._confident(top, ranked[1:]))

    def _confident(self, top: TopicScore, rest: list[TopicScore]) -> bool:
        """Sure enough to answer without "did you mean": ahead of the next topic that would give a different
        answer (a finer topic and its broad one do not compete), clearly, or by half again."""
        own = self._taxonomy_topic.get(top.topic, top.topic)
        rival = next((r.score for r in rest if self._taxonomy_topic.get(r.topic, r.topic) != own), 0.0)
        s = self.settings
        if top.score - rival < s.answer_margin:
            return False
        return top.score >= s.answer_confidence or (top.score >= 0.2 and top.score >= s.answer_ratio * rival)


def detect_language(norm: Normalised, default: str | None = None) -> str:
    default = default or languages.default()
    if norm.cjk_chars == 0:
        letters = sum(1 for ch in norm.text if ch.isascii() and ch.isalpha())
        return "en" if letters else default
    if norm.traditional_chars >= 2 and norm.traditional_chars * 8 >= norm.cjk_chars:
        return "zh-Hant"
    return "zh-Hans"


def _entity_json(e: Entity, norm: Normalised) -> dict[str, Any]:
    start, end = norm.span(e.start, e.end)
    out: dict[str, Any] = {"kind": e.kind, "text": norm.original[start:end], "start": start, "end": end}
    if e.kind == "url":
        out["suspicious"] = e.suspicious
        if e.reason:
            out["reason"] = e.reason
    return out
