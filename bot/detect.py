"""Detection: what a message says, whatever the law. Detectors turn a message into signals with evidence.

A `Detector` is anything with `detect(message, audience) -> list[Detected]`. The pattern detector is the
knowledge base's signals in one Aho-Corasick automaton for every language; a learned detector can stand beside
it and says what it rests on (`source`, `score`, `basis`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.audience import Audience
from bot.entities import Entity, EntityFinder
from bot.kb.loader import KnowledgeBase, Signal
from bot.matcher import Matcher
from bot.normalize import Normalised, Normaliser


@dataclass
class Message:
    """A text read once per update: normalised, with its entities for the judging jurisdiction's hours."""

    text: str  # what was assessed (at most MAX_CHARS of what was sent)
    norm: Normalised
    entities: list[Entity] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class Detected:
    signal: Signal
    start: int  # offsets into Message.text
    end: int
    evidence: str
    score: float = 1.0  # 1.0 for a pattern; a model's confidence otherwise
    source: str = "pattern"  # pattern | model
    basis: str = ""  # for a model: the example it resembles


class Detector(Protocol):
    """found: what the detectors before this one found (a learned detector speaks only where they found little)."""

    def detect(self, message: Message, audience: Audience, found: list[Detected]) -> list[Detected]: ...


class PatternDetector:
    def __init__(self, kb: KnowledgeBase, normaliser: Normaliser):
        self.signals = list(kb.signals)
        # one matcher owner per language part of a signal, so each part keeps its own context words
        self._owner_signal = [i for i, s in enumerate(self.signals) for _ in s.parts]
        owners = [part for s in self.signals for part in s.parts]
        lex = kb.lexicon
        self.matcher = Matcher(
            normaliser,
            [list(p) for p, _ in owners],
            kb.vocab,
            list(lex.negators),
            list(lex.breakers),
            list(lex.conditionals),
            [list(c) for _, c in owners],
        )

    def detect(self, message: Message, audience: Audience, found: list[Detected] | None = None) -> list[Detected]:
        norm = message.norm
        spans = self.matcher.match(self.matcher.hits(norm, message.entities))
        best: dict[int, tuple[int, int]] = {}
        for owner, span in spans.items():
            i = self._owner_signal[owner]
            if i not in best or (span[0], span[0] - span[1]) < (best[i][0], best[i][0] - best[i][1]):
                best[i] = span
        out = []
        for i, (s, e) in sorted(best.items()):
            signal = self.signals[i]
            if not signal.applies_in(audience.judge):
                continue
            o_start, o_end = norm.span(s, e)
            if o_end > o_start:
                out.append(Detected(signal, o_start, o_end, message.text[o_start:o_end]))
        return out


def entity_finder(kb: KnowledgeBase) -> EntityFinder:
    """Phone formats and currencies of every jurisdiction, and the currencies of the regions not covered: a +852
    number is a phone number, and KSh 1,200 an amount, in any message."""
    infos = [d.info for d in kb.jurisdictions.values()]
    phones = [rx for i in infos for rx in i.phone_formats]
    currencies = [i.currency for i in infos if i.currency] + [r.currency for r in kb.regions.values() if r.currency]
    symbols = [str(s) for c in currencies for s in c.symbols]
    units = [str(u) for c in currencies for u in c.units]
    return EntityFinder(kb.lexicon.links, phones, symbols, units)
