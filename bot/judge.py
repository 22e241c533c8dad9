"""Judgement: what one jurisdiction's law says about the signals found, and the one place that formats citations
and channels for users (the bot, the CLI and the JSON output all ask here)."""

from __future__ import annotations

import bisect
import datetime as dtm
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel.dates import format_date

from bot import languages
from bot.detect import Detected, Message
from bot.kb.loader import Judgement, JurisdictionData, KnowledgeBase, Signal
from bot.kb.schema import Channel, Topic, TopicAnswer

VERDICT_ORDER = ("scam", "unlawful", "lawful")
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
_QUALIFIER = re.compile(r"^(.*?)((?:[（(][^）)]*[）)])*)$")


@dataclass(frozen=True)
class Finding:
    signal: Signal
    judgement: Judgement
    evidence: str
    start: int
    end: int
    score: float = 1.0
    source: str = "pattern"
    basis: str = ""

    @property
    def id(self) -> str:
        return self.signal.id

    @property
    def category(self) -> str:
        return self.signal.category

    @property
    def kind(self) -> str:
        return self.judgement.kind

    @property
    def severity(self) -> str:
        return self.judgement.severity


def law_label(title: str, article: str, lang: str) -> str:
    """《中华人民共和国民法典》第一千零三十八条 · 《治安管理处罚法》（2025年修订）第五十条 · Civil Code Art. 1038."""
    if lang.startswith("zh") and "《" not in title:
        m = _QUALIFIER.match(title)
        name, qualifiers = (m.group(1), m.group(2)) if m and m.group(1) else (title, "")
        return f"《{name}》{qualifiers}{article}"
    if lang.startswith("zh"):
        return f"{title}{article}"
    return f"{title}, {article}" if article else title


@lru_cache(maxsize=2048)
def long_date(iso: str, lang: str) -> str:
    if not iso:
        return ""
    try:
        return format_date(dtm.date.fromisoformat(iso), format="long", locale=languages.babel_locale(lang))
    except ValueError:
        return iso


class Judge:
    def __init__(self, kb: KnowledgeBase, data: JurisdictionData):
        self.kb, self.data = kb, data
        self.code = data.code
        self.covered = data.info.covered
        self._overrides = [(o.category, set(o.by), o.scope) for o in kb.lexicon.overrides]

    # -- findings ----------------------------------------------------------------------------------------

    def findings(self, detected: Iterable[Detected], message: Message) -> list[Finding]:
        out = [
            Finding(
                d.signal, self.kb.judgement(self.code, d.signal), d.evidence, d.start, d.end, d.score, d.source, d.basis
            )
            for d in detected
        ]
        out = self._apply_overrides(out, message)
        out.sort(key=lambda f: (VERDICT_ORDER.index(f.kind), SEVERITY_RANK[f.severity], f.start))
        return out

    def _apply_overrides(self, findings: list[Finding], message: Message) -> list[Finding]:
        if not self._overrides:
            return findings
        sentence_of = _sentence_lookup(message)
        dropped: set[int] = set()
        for i, f in enumerate(findings):
            for category, by, scope in self._overrides:
                if f.category != category:
                    continue
                for other in findings:
                    if other.category in by and (
                        scope == "message" or sentence_of(other.start, other.end) & sentence_of(f.start, f.end)
                    ):
                        dropped.add(i)
        return [f for i, f in enumerate(findings) if i not in dropped]

    @staticmethod
    def verdict(findings: list[Finding]) -> str:
        kinds = {f.kind for f in findings}
        return next((k for k in VERDICT_ORDER if k in kinds), "unclear")

    def judgement(self, signal: Signal) -> Judgement:
        return self.kb.judgement(self.code, signal)

    # -- law and channels, formatted for users --------------------------------------------------------------

    def citation(self, ref: str, lang: str, summary: bool = False) -> dict[str, Any] | None:
        c = self.kb.citations.get(ref)
        if c is None or c.law not in self.kb.laws:
            return None
        law = self.kb.laws[c.law]
        title, article = law.title.get(lang), c.article.get(lang)
        effective = c.effective or law.effective
        return {
            "id": ref,
            "law": title,
            "article": article,
            "label": law_label(title, article, lang),
            "effective": effective,
            "effective_text": long_date(effective, lang),
            "status": c.status,
            "as_of": c.as_of,
            "summary": c.summary.get(lang) if summary else "",
        }

    def citations(self, refs: Iterable[str], lang: str, summary: bool = False) -> list[dict[str, Any]]:
        out, seen = [], set()
        for ref in refs:
            if ref in seen:
                continue
            seen.add(ref)
            item = self.citation(ref, lang, summary)
            if item is not None:
                out.append(item)
        return out

    def channel(self, cid: str, lang: str) -> dict[str, str] | None:
        ch: Channel | None = self.kb.channels.get(cid)
        if ch is None or ch.jurisdiction != self.code:
            return None  # never another place's number
        return {
            "id": cid,
            "name": ch.name.get(lang),
            "contact": ch.contact,
            "url": ch.url,
            "scope": ch.scope.get(lang),
            "kind": ch.kind,
        }

    def channels(self, ids: Iterable[str], lang: str) -> list[dict[str, str]]:
        out, seen = [], set()
        for cid in ids:
            if cid in seen:
                continue
            seen.add(cid)
            item = self.channel(cid, lang)
            if item is not None:
                out.append(item)
        return out

    def answer(self, topic: Topic) -> TopicAnswer | None:
        return self.data.answers.get(topic.id)

    @property
    def crisis_lines(self) -> list[str]:
        return list(self.data.info.crisis_lines)

    @property
    def emergency(self) -> list[str]:
        return list(self.data.info.emergency)

    def police_number(self) -> str:
        ch = self.kb.channels.get(self.data.info.police)
        return ch.contact if ch is not None else ""


def _sentence_lookup(message: Message) -> Any:
    """Original-offset span -> set of sentence ids it touches."""
    sid = message.norm.sentence_ids
    starts = message.norm.starts

    def lookup(o_start: int, o_end: int) -> set[int]:
        # starts are in text order: the span's characters are a slice, found by bisection
        lo, hi = bisect.bisect_left(starts, o_start), bisect.bisect_left(starts, o_end)
        return set(sid[lo:hi]) or {-1}

    return lookup
