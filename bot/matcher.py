"""Pattern matching over normalised text.

All terms of all patterns go into one Aho-Corasick automaton, so a message is scanned once whatever the
size of the knowledge base; only the patterns whose terms were seen are then checked (window, order,
negation, `unless`). Cost grows with the length of the message and the number of hits, not with the
square of the knowledge base.
"""

from __future__ import annotations

import bisect
import re
import re._constants as _re_constants  # type: ignore[import-not-found]  # the stdlib regex parser: no stubs
import re._parser as _re_parser  # type: ignore[import-not-found]
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from bot.entities import Entity
from bot.kb.schema import Pattern
from bot.normalize import Normalised, Normaliser, _is_ascii_alnum, cuts_word_left, cuts_word_right

ENTITY_TERMS = {"@url", "@url_suspicious", "@phone", "@amount", "@bank_card", "@late_hour", "@id_number"}
NEGATION_REACH = 15  # units before a match in which a negator can negate it
# Authors count windows by eye; a little slack keeps "配偶和子女的征信也会一并受到影响" inside a window of 12.
WINDOW_SLACK = 4
Span = tuple[int, int]


@dataclass(frozen=True)
class TermInfo:
    text: str
    prefix: bool  # `arrest*`: any ending allowed


@dataclass
class CompiledPattern:
    owner: int
    kind: str
    groups: list[frozenset[int]]
    window: int
    ordered: bool
    cross_sentence: bool
    negatable: bool
    unless: frozenset[int]
    regex: re.Pattern[str] | None = None


@dataclass
class Hits:
    """Where each term and entity occurs in one normalised text."""

    norm: Normalised
    by_term: dict[int, list[Span]] = field(default_factory=dict)
    negators: list[Span] = field(default_factory=list)
    breakers: list[Span] = field(default_factory=list)
    conditionals: list[Span] = field(default_factory=list)


class UnknownVocab(ValueError):
    pass


class Matcher:
    def __init__(
        self,
        normaliser: Normaliser,
        owners: list[list[Pattern]],
        vocab: dict[str, list[str]],
        negators: list[str],
        breakers: list[str],
        conditionals: Sequence[str] = (),
        contexts: list[list[str]] | None = None,
    ):
        self._normaliser = normaliser
        self._terms: list[TermInfo] = []
        self._term_ids: dict[tuple[str, bool], int] = {}
        self._raw_ids: dict[str, int] = {}
        self._entity_ids: dict[str, int] = {}
        self._vocab = vocab
        self.patterns: list[CompiledPattern] = []
        self._by_term: dict[int, list[tuple[int, int]]] = {}  # term -> (pattern, group) it belongs to
        self._regex_script: dict[int, str] = {}  # regex pattern -> "cjk" | "latin" | "": what a text needs
        # regexes are tried only where one of their required literals occurs (required_literals), or always
        self._regexes_of: dict[str, list[int]] = {}  # literal -> the regexes that require it
        self._regex_always: list[int] = []  # regexes without a known literal
        for owner, patterns in enumerate(owners):
            for p in patterns:
                self._compile(owner, p)
        # owner -> terms one of which must occur somewhere in the text for the owner to match at all
        self._contexts = {i: self._group(c) for i, c in enumerate(contexts or []) if c}
        self._negator_ids = {self._term_id(t) for t in negators}
        self._breaker_ids = {self._term_id(t) for t in breakers}
        self._conditional_ids = {self._term_id(t) for t in conditionals}
        self._automaton = ahocorasick.Automaton()
        by_text: dict[str, list[int]] = {}
        for tid, info in enumerate(self._terms):
            if info.text and not info.text.startswith("@"):
                by_text.setdefault(info.text, []).append(tid)
        for text, ids in by_text.items():
            self._automaton.add_word(text, (len(text), tuple(ids)))
        if by_text:
            self._automaton.make_automaton()
        self._empty = not by_text
        # the regexes' required literals, found as plain substrings in one pass
        self._literal_automaton = ahocorasick.Automaton()
        for lit in self._regexes_of:
            self._literal_automaton.add_word(lit, lit)
        if self._regexes_of:
            self._literal_automaton.make_automaton()

    # -- compilation ---------------------------------------------------------------------------------

    def expand(self, term: str) -> list[str]:
        if term.startswith("$"):
            name = term[1:]
            if name not in self._vocab:
                raise UnknownVocab(f"unknown vocabulary list ${name}")
            return list(self._vocab[name])
        return [term]

    def _term_id(self, raw: str) -> int:
        raw = raw.strip()
        known = self._raw_ids.get(raw)
        if known is not None:
            return known  # vocabulary lists repeat the same terms across hundreds of patterns
        tid = self._new_term_id(raw)
        self._raw_ids[raw] = tid
        return tid

    def _new_term_id(self, raw: str) -> int:
        if raw in ENTITY_TERMS:
            if raw not in self._entity_ids:
                self._entity_ids[raw] = len(self._terms)
                self._terms.append(TermInfo(raw, False))
            return self._entity_ids[raw]
        if raw.startswith("@"):
            raise UnknownVocab(f"unknown entity {raw} (known: {', '.join(sorted(ENTITY_TERMS))})")
        prefix = raw.endswith("*")
        text = self._normaliser.normalise(raw.rstrip("*")).text.strip()
        key = (text, prefix)
        tid = self._term_ids.get(key)
        if tid is None:
            tid = len(self._terms)
            self._terms.append(TermInfo(text, prefix))
            self._term_ids[key] = tid
        return tid

    def _group(self, terms: list[str]) -> frozenset[int]:
        return frozenset(self._term_id(t) for term in terms for t in self.expand(term))

    def _compile(self, owner: int, p: Pattern) -> None:
        idx = len(self.patterns)
        unless = self._group(p.unless) if p.unless else frozenset()
        if p.regex is not None:
            cp = CompiledPattern(
                owner, "regex", [], p.window, p.ordered, p.cross_sentence, p.negatable, unless, re.compile(p.regex)
            )
            self._regex_script[idx] = _script_needed(p.regex)
            literals = required_literals(p.regex)
            if literals is None:
                self._regex_always.append(idx)
            for lit in literals or ():
                self._regexes_of.setdefault(lit, []).append(idx)
        else:
            groups = [self._group(p.any)] if p.any is not None else [self._group(g) for g in p.all or []]
            cp = CompiledPattern(
                owner,
                "any" if p.any is not None else "all",
                groups,
                p.window,
                p.ordered,
                p.cross_sentence,
                p.negatable,
                unless,
            )
            for gi, g in enumerate(groups):
                for tid in g:
                    self._by_term.setdefault(tid, []).append((idx, gi))
        self.patterns.append(cp)

    @property
    def term_count(self) -> int:
        return len(self._terms)

    # -- matching ------------------------------------------------------------------------------------

    def hits(self, norm: Normalised, entities: list[Entity]) -> Hits:
        hits = Hits(norm)
        text = norm.text
        if not self._empty and text:
            n = len(text)
            for end, (length, ids) in self._automaton.iter(text):
                start = end - length + 1
                stop = end + 1
                for tid in ids:
                    info = self._terms[tid]
                    # English terms are whole words; `arrest*` takes any ending
                    if cuts_word_left(text, start) or (not info.prefix and cuts_word_right(text, stop)):
                        continue
                    span_end = stop
                    if info.prefix:
                        while span_end < n and _is_ascii_alnum(text[span_end]):
                            span_end += 1
                    span = (start, span_end)
                    if tid in self._negator_ids:
                        hits.negators.append(span)
                    if tid in self._breaker_ids:
                        hits.breakers.append(span)
                    if tid in self._conditional_ids:
                        hits.conditionals.append(span)
                    hits.by_term.setdefault(tid, []).append(span)
        for e in entities:
            names = {"@" + e.kind}
            if e.kind == "url" and e.suspicious:
                names.add("@url_suspicious")
            for name in names:
                tid = self._entity_ids.get(name)
                if tid is not None:
                    hits.by_term.setdefault(tid, []).append((e.start, e.end))
        for spans in hits.by_term.values():
            spans.sort()
        hits.negators.sort()
        hits.breakers.sort()
        hits.conditionals.sort()
        return hits

    def match(self, hits: Hits) -> dict[int, Span]:
        """The best span (normalised offsets) of every owner whose patterns match."""
        # only patterns with a hit in every group are worth checking
        groups_hit: dict[int, set[int]] = {}
        for tid in hits.by_term:
            for idx, gi in self._by_term.get(tid, ()):
                groups_hit.setdefault(idx, set()).add(gi)
        text = hits.norm.text
        scripts = {"": True, "cjk": hits.norm.cjk_chars > 0, "latin": _LATIN.search(text) is not None}
        candidates = set(self._regex_always)
        if self._regexes_of:
            for lit in {lit for _end, lit in self._literal_automaton.iter(text)}:
                candidates.update(self._regexes_of[lit])
        candidates = {idx for idx in candidates if scripts[self._regex_script[idx]]}
        candidates.update(idx for idx, gs in groups_hit.items() if len(gs) == len(self.patterns[idx].groups))
        best: dict[int, Span] = {}
        for idx in sorted(candidates):
            cp = self.patterns[idx]
            context = self._contexts.get(cp.owner)
            if context is not None and not any(tid in hits.by_term for tid in context):
                continue
            span = self._first_valid(cp, hits)
            if span is None:
                continue
            old = best.get(cp.owner)
            if old is None or (span[0], -(span[1] - span[0])) < (old[0], -(old[1] - old[0])):
                best[cp.owner] = span
        return best

    def _first_valid(self, cp: CompiledPattern, hits: Hits) -> Span | None:
        for span, parts in self._spans(cp, hits):
            if cp.unless and self._in_sentence(cp.unless, span, hits):
                continue
            if cp.negatable and self._negated(span, parts, hits):
                continue
            return span
        return None

    def _spans(self, cp: CompiledPattern, hits: Hits) -> Iterator[tuple[Span, list[Span]]]:
        """Candidate spans in text order, each with the term hits it is made of."""
        if cp.kind == "regex":
            assert cp.regex is not None
            for m in cp.regex.finditer(hits.norm.text):
                if m.end() > m.start():
                    yield (m.start(), m.end()), [(m.start(), m.end())]
            return
        present = hits.by_term
        group_hits = [
            sorted({s for tid, spans in present.items() if tid in g for s in spans})
            if len(g) > len(present)
            else sorted({s for tid in g for s in present.get(tid, ())})
            for g in cp.groups
        ]
        if any(not h for h in group_hits):
            return
        if cp.kind == "any":
            for h in group_hits[0]:
                yield h, [h]
            return
        sentences = None if cp.cross_sentence else hits.norm.sentence_ids
        yield from self._windows(cp, group_hits, hits.norm.units, sentences)

    @staticmethod
    def _windows(
        cp: CompiledPattern, group_hits: list[list[Span]], units: list[int], sentences: list[int] | None
    ) -> Iterator[tuple[Span, list[Span]]]:
        """Spans holding one hit of every group, within the window (and one sentence), hits not overlapping."""
        starts = [[s for s, _ in g] for g in group_hits]
        anchors = range(len(group_hits)) if not cp.ordered else range(1)
        seen: set[Span] = set()
        for a in anchors:
            for first in group_hits[a]:
                chosen = [first]
                lo_unit = units[first[0]]
                ok = True
                for gi, g in enumerate(group_hits):
                    if gi == a:
                        continue
                    # earliest fitting hit at or after the anchor (ordered: after the previous group's hit)
                    begin = chosen[-1][1] if cp.ordered else first[0]
                    j = bisect.bisect_left(starts[gi], begin)
                    pick = None
                    while j < len(g):
                        cand = g[j]
                        if units[cand[1] - 1] - lo_unit >= cp.window + WINDOW_SLACK:
                            break
                        if sentences is not None and sentences[cand[0]] != sentences[first[0]]:
                            j += 1
                            continue
                        if all(cand[1] <= c[0] or c[1] <= cand[0] for c in chosen):
                            pick = cand
                            break
                        j += 1
                    if pick is None:
                        ok = False
                        break
                    chosen.append(pick)
                if ok:
                    span = (min(c[0] for c in chosen), max(c[1] for c in chosen))
                    if span not in seen:
                        seen.add(span)
                        yield span, chosen

    def _in_sentence(self, terms: frozenset[int], span: Span, hits: Hits) -> bool:
        """One of terms stands in a sentence that the span touches."""
        sid = hits.norm.sentence_ids
        first, last = sid[span[0]], sid[span[1] - 1]
        return any(first <= sid[s] <= last for tid in terms for s, _ in hits.by_term.get(tid, ()))

    @staticmethod
    def _negated(span: Span, parts: list[Span], hits: Hits) -> bool:
        """A negator shortly before the match (or between its words), in the same clause, with no breaker after it.

        Negators that are part of the matched words themselves (绝不放过你) do not count.
        """
        if not hits.negators:
            return False
        clause, units = hits.norm.clause_ids, hits.norm.units
        start, end = span
        negator: Span | None = None
        for s, e in hits.negators:
            if s >= end:
                break
            if clause[s] != clause[start] or any(ps <= s and e <= pe for ps, pe in parts):
                continue  # other clause, or part of the matched words themselves (绝不放过你)
            if e <= start and units[start] - units[e - 1] > NEGATION_REACH:
                continue
            negator = (s, e)
        if negator is None:
            return False
        if any(clause[c] == clause[negator[0]] and ce <= negator[0] for c, ce in hits.conditionals):
            return False  # "if you don't pay …": the negation belongs to the condition
        stop = start if negator[1] <= start else end
        return not any(negator[1] <= b and be <= stop for b, be in hits.breakers)


_LATIN = re.compile(r"[a-z]")
_REGEX_SYNTAX = re.compile(r"\\.|\(\?[:=!<]*[=!]?|\{\d*,?\d*\}|\[\^?|\]")


def _script_needed(regex: str) -> str:
    """A regex with a Chinese literal cannot match a text without Chinese, one with Latin letters (outside its
    escapes and character-class syntax) none without Latin letters: such regexes are skipped for those texts."""
    if any("\u3400" <= ch <= "\u9fff" for ch in regex):
        return "cjk"
    literal = _REGEX_SYNTAX.sub("", regex)
    return "latin" if _LATIN.search(literal) and not _REGEX_SYNTAX.search(literal) else ""


def required_literals(regex: str) -> frozenset[str] | None:
    """Strings one of which occurs in every match of the regex (None: no such set is known). Regexes are many
    and most messages match none of them: one Aho-Corasick pass over these literals tells which can match at
    all, instead of running every regex on every message."""
    try:
        tree = _re_parser.parse(regex)
    except re.error:
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    return _required(list(tree))


_MAX_CLASS = 12  # a character class of at most this many single characters counts as alternatives


def _required(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The most selective requirement of a sequence: a run of literal characters, or one element's own."""
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _re_constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        req = _element(op, av)
        if req:
            options.append(req)
    if run:
        options.append(frozenset(["".join(run)]))
    if not options:
        return None
    return max(options, key=lambda s: (min(len(x) for x in s), -len(s)))


def _element(op: Any, av: Any) -> frozenset[str] | None:
    c = _re_constants
    if op is c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return None if add_flags & re.IGNORECASE else _required(list(sub))
    if op is c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            req = _required(list(branch))
            if not req:
                return None
            out |= req
        return frozenset(out)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _required(list(sub)) if low >= 1 else None
    if op is c.IN:
        chars = [chr(v) for o, v in av if o is c.LITERAL]
        if len(chars) == len(av) and 0 < len(chars) <= _MAX_CLASS and not any(o is c.NEGATE for o, _ in av):
            return frozenset(chars)
    return None
