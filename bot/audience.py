"""Who a reply is for: the language to answer in and the region whose law applies, resolved once per update.

The region is, in this order: the one the user chose (or the caller gave), else the one a message points to by
strong cues (HK$, +852, 台北地方法院, Cantonese particles …; the `cues` of jurisdictions/*/jurisdiction.yaml and
regions.yaml), else the usual region of the user's language. A region the knowledge base does not cover is kept
as it is (GB, KE …) and judged with honest scope.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from babel import Locale

from bot import languages
from bot.kb.loader import GENERAL, KnowledgeBase
from bot.normalize import Normalised, Normaliser, cuts_word_left, cuts_word_right

# Region codes accepted from a user or a caller: every ISO 3166 territory Babel knows, plus "other" (somewhere not
# among the covered jurisdictions: judged with honest scope; the message's cues may still name the place).
OTHER = "other"


@lru_cache(maxsize=1)
def iso_regions() -> frozenset[str]:
    return frozenset(
        code for code in Locale("en").territories if isinstance(code, str) and code.isalpha() and len(code) == 2
    )


@dataclass(frozen=True)
class Audience:
    lang: str  # the language replies are written in
    region: str  # ISO 3166 code of the place whose law applies (or "other")
    how: str  # given | inferred | default
    judge: str  # the jurisdiction that judges: the region itself when covered, else "general"
    cue: str = ""  # the words of the message that pointed to the region, when inferred

    @property
    def covered(self) -> bool:
        return self.judge != GENERAL

    # kept for the many callers that name the region "jurisdiction"
    @property
    def jurisdiction(self) -> str:
        return self.region


def region_name(kb: KnowledgeBase, region: str, lang: str) -> str:
    """A region's name in a language: the knowledge base's own, else CLDR's (through Babel)."""
    data = kb.jurisdictions.get(region)
    if data is not None and data.info.covered:
        return data.info.name.get(lang)
    if region == OTHER or region not in iso_regions():
        return kb.jurisdictions[GENERAL].info.name.get(lang)
    try:
        return Locale.parse(languages.babel_locale(lang)).territories.get(region, region)
    except (ValueError, LookupError):
        return region


class RegionResolver:
    """Resolves an Audience. Cues are matched on normalised text in one Aho-Corasick pass."""

    def __init__(self, kb: KnowledgeBase, normaliser: Normaliser):
        self.kb = kb
        cues: dict[str, list[tuple[str, float]]] = defaultdict(list)
        sources = [(code, data.info.cues) for code, data in kb.jurisdictions.items() if data.info.covered]
        sources += [(code, region.cues) for code, region in kb.regions.items()]
        for code, terms in sources:
            for raw in terms:
                weight = 0.5 if raw.startswith("~") else 1.0
                text = normaliser.normalise(raw.lstrip("~")).text.strip()
                if text:
                    cues[text].append((code, weight))
        self._automaton = ahocorasick.Automaton()
        for text, owners in cues.items():
            self._automaton.add_word(text, (len(text), tuple(owners)))
        self._empty = not cues
        if not self._empty:
            self._automaton.make_automaton()

    def known(self, region: str) -> bool:
        return region in self.kb.jurisdictions or region in iso_regions() or region == OTHER

    def infer(self, norm: Normalised) -> tuple[str, str] | None:
        """(region, the cue's original words) when the message points to one region more than to any other."""
        if self._empty or not norm.text:
            return None
        text = norm.text
        hits: list[tuple[int, int, tuple[tuple[str, float], ...]]] = []
        for end, (length, owners) in self._automaton.iter(text):
            start = end - length + 1
            word = text[start : end + 1]
            if word[0].isascii() and word[0].isalnum() and cuts_word_left(text, start):
                continue
            if word[-1].isascii() and word[-1].isalnum() and cuts_word_right(text, end + 1):
                continue
            hits.append((start, end + 1, owners))
        # a cue inside a longer one is not a cue of its own: "hk$500" is not "$500"
        hits = [
            h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and (o[0], o[1]) != (h[0], h[1]) for o in hits)
        ]
        scores: dict[str, float] = defaultdict(float)
        first: dict[str, tuple[int, int]] = {}
        seen: set[tuple[str, str]] = set()
        for start, end, owners in hits:
            for code, weight in owners:
                if (code, text[start:end]) in seen:
                    continue  # the same cue twice is one cue
                seen.add((code, text[start:end]))
                scores[code] += weight
                first.setdefault(code, (start, end))
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, score = ranked[0]
        if score < 1.0 or (len(ranked) > 1 and ranked[1][1] >= score):
            return None
        s, e = norm.span(*first[best])
        return best, norm.original[s:e]

    def resolve(
        self, norm: Normalised | None, lang: str, region: str | None = None, user_lang_code: str | None = None
    ) -> Audience:
        """region: the user's choice or the caller's (given). Else the message's cues, else the language's region."""
        if region:
            region = region.strip()
            region = OTHER if region.lower() == OTHER else region.upper()
        if region and region != OTHER:
            return self._audience(lang, region, "given")
        found = self.infer(norm) if norm is not None else None
        if region == OTHER:
            # "somewhere else": not one of the covered jurisdictions; a cue may still name the place
            if found and found[0] not in self.kb.covered:
                return self._audience(lang, found[0], "inferred", found[1])
            return self._audience(lang, OTHER, "given")
        if found:
            return self._audience(lang, found[0], "inferred", found[1])
        from_code = languages.region_from_telegram(user_lang_code)
        if from_code:
            return self._audience(lang, from_code, "default")
        return self._audience(lang, languages.info(lang).region, "default")

    def _audience(self, lang: str, region: str, how: str, cue: str = "") -> Audience:
        data = self.kb.jurisdictions.get(region)
        judge = region if data is not None and data.info.covered else GENERAL
        return Audience(lang, region, how, judge, cue)
