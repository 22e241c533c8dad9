"""Matching a borrower's question to a topic of the knowledge base.

Each topic has many question variants per language. A question is compared with every variant by TF-IDF
cosine over character n-grams (Chinese) and stemmed words (English), read through the same normaliser as
messages (so traditional characters, full-width forms and typos such as 崔收 / 征新 meet their variants);
rapidfuzz adds an edit-distance view for short, misspelt questions; topic keywords add a little weight.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import ahocorasick
import numpy as np
from rapidfuzz import fuzz, process

from bot.kb.schema import Topic
from bot.normalize import Normalised, Normaliser, cuts_word_left, cuts_word_right, is_cjk

_EN_STOP = set(
    """a an the i me my mine we our you your he she it they them their is am are was were be been being do
does did doing have has had having to of in on at by for with about from as into than then so if or and but not no can
could would should will shall may might must this that these those what which who whom whose when where why how there
here just also very really please any some all out up down over again get got im ive dont cant""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _stem(w: str) -> str:
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl, min_len in (("ies", "y", 5), ("ing", "", 6), ("ed", "", 5), ("es", "", 5), ("s", "", 4)):
        if w.endswith(suffix) and len(w) >= min_len and not w.endswith("ss"):
            return w[: len(w) - len(suffix)] + repl
    return w


def features(text: str) -> dict[str, float]:
    """Counts of character uni/bi-grams of Chinese runs and of stemmed English words and word pairs."""
    feats: dict[str, float] = defaultdict(float)
    run: list[str] = []

    def flush() -> None:
        for i, ch in enumerate(run):
            feats[ch] += 0.5
            if i + 1 < len(run):
                feats[ch + run[i + 1]] += 1.0
        run.clear()

    for ch in text:
        if is_cjk(ch):
            run.append(ch)
        else:
            flush()
    flush()
    words = [_stem(w) for w in _WORD.findall(text) if w not in _EN_STOP]
    for i, w in enumerate(words):
        feats["w:" + w] += 1.0
        if i + 1 < len(words):
            feats["b:" + w + "_" + words[i + 1]] += 1.0
    return feats


@dataclass(frozen=True)
class TopicScore:
    topic: str
    score: float


class TopicIndex:
    def __init__(self, topics: list[Topic], normaliser: Normaliser):
        self._normaliser = normaliser
        self.topic_ids = [t.id for t in topics]
        variants: list[tuple[int, str]] = []
        for ti, t in enumerate(topics):
            for _, q in t.questions.all():
                variants.append((ti, normaliser.normalise(q).text))
        self._variant_topic = [ti for ti, _ in variants]
        self._variant_text = [v for _, v in variants]
        raw = [features(v) for _, v in variants]
        df: dict[str, int] = defaultdict(int)
        for f in raw:
            for k in f:
                df[k] += 1
        n = len(raw)
        self._idf = {k: math.log((n + 1) / (d + 1)) + 1.0 for k, d in df.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        centroids: list[dict[str, float]] = [defaultdict(float) for _ in topics]
        for vi, f in enumerate(raw):
            vec = self._weigh(f)
            for k, w in vec.items():
                postings[k].append((vi, w))
                centroids[self._variant_topic[vi]][k] += w
        centroid_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for ti, c in enumerate(centroids):
            for k, w in _unit(c).items():
                centroid_postings[k].append((ti, w))
        # inverted indexes as arrays: a question's similarity to every variant and every topic centroid is a few
        # vectorised additions per feature instead of a Python loop over long posting lists
        self._postings = {k: _arrays(v) for k, v in postings.items()}
        self._centroid_postings = {k: _arrays(v) for k, v in centroid_postings.items()}
        self._n_variants = len(variants)
        # variants are stored topic by topic: where each topic's run starts (for a per-topic maximum)
        self._topic_starts = np.searchsorted(np.asarray(self._variant_topic), np.arange(len(topics)))
        self._keywords = _KeywordCounter(
            [
                [normaliser.normalise(k.rstrip("*")).text + ("*" if k.endswith("*") else "") for k in t.keywords]
                for t in topics
            ]
        )

    def _weigh(self, f: dict[str, float]) -> dict[str, float]:
        vec = {k: (1.0 + math.log(c)) * self._idf.get(k, 0.0) for k, c in f.items() if k in self._idf}
        return _unit(vec)

    def rank(self, norm: Normalised) -> list[TopicScore]:
        text = norm.text
        vec = self._weigh(features(text))
        n_topics = len(self.topic_ids)
        sims = np.zeros(self._n_variants + 1)  # one spare slot keeps reduceat defined for an empty last topic
        centroid = np.zeros(n_topics)
        for k, w in vec.items():
            post = self._postings.get(k)
            if post is not None:
                sims[post[0]] += w * post[1]
            cpost = self._centroid_postings.get(k)
            if cpost is not None:
                centroid[cpost[0]] += w * cpost[1]
        best_variant = np.maximum.reduceat(sims, self._topic_starts) if n_topics else sims[:0]
        fuzzy = [0.0] * n_topics
        compact = text.strip()
        if 0 < len(compact) <= 60:
            for _, score, vi in process.extract(compact, self._variant_text, scorer=fuzz.ratio, limit=5):
                ti = self._variant_topic[vi]
                fuzzy[ti] = max(fuzzy[ti], score / 100.0)
        scores = []
        keyword_counts = self._keywords.count(text)
        for ti in range(n_topics):
            kw = keyword_counts.get(ti, 0)
            s = (
                0.6 * float(best_variant[ti])
                + 0.3 * float(centroid[ti])
                + 0.15 * max(0.0, fuzzy[ti] - 0.5) * 2
                + min(0.24, 0.08 * kw)
            )
            scores.append(TopicScore(self.topic_ids[ti], round(min(1.0, s), 4)))
        scores.sort(key=lambda s: -s.score)
        return scores


class _KeywordCounter:
    """How many distinct keywords of each topic a text contains, in one Aho-Corasick pass.

    Chinese keywords match anywhere; English ones as whole words ("apr" is not in "april"; "sue*" takes endings).
    """

    def __init__(self, per_topic: list[list[str]]):
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
        for ti, words in enumerate(per_topic):
            for ki, raw in enumerate(words):
                prefix = raw.endswith("*")
                word = raw.rstrip("*")
                if word:
                    entries[word].append((ti, ki, prefix))
        for word, targets in entries.items():
            self._automaton.add_word(word, (len(word), targets))
        self._empty = not entries
        if not self._empty:
            self._automaton.make_automaton()

    def count(self, text: str) -> dict[int, int]:
        if self._empty or not text:
            return {}
        found: set[tuple[int, int]] = set()
        for end, (length, targets) in self._automaton.iter(text):
            start = end - length + 1
            if cuts_word_left(text, start):
                continue
            whole = not cuts_word_right(text, end + 1)
            for ti, ki, prefix in targets:
                if whole or prefix:
                    found.add((ti, ki))
        counts: dict[int, int] = defaultdict(int)
        for ti, _ in found:
            counts[ti] += 1
        return counts


def _arrays(pairs: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    return np.fromiter((i for i, _ in pairs), dtype=np.intp), np.fromiter((w for _, w in pairs), dtype=np.float64)


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {k: w / norm for k, w in vec.items()} if norm else dict(vec)
