"""The learned detector: character n-gram TF-IDF with one logistic regression per category, beside the patterns.

Trained by `make model` (tools/train_detector.py, scikit-learn, a development-only dependency) from the knowledge
base's examples and counter-examples and the corpus's training split; shipped as bot/models/detector.npz. At run
time only numpy scores it, in float64, so results are deterministic. The file records a hash of the examples it
was trained from; a test checks it against the knowledge base and corpus, so the weights cannot drift.

Where it speaks (the verdict rule is unchanged), with thresholds set on the corpus's held-out split:
- unsafe categories only when the patterns found nothing unsafe;
- lawful categories only when the patterns found nothing at all: where they recognised a practice, the model's
  broader sense of "reminder" would only blur it. So it can neither hide a pattern's finding nor add a false
  alarm beside one;
- never on a text of fewer than MIN_LETTERS letters: digits and symbols alone name no practice.
Each of its findings says what it rests on: the clause it scored highest (with offsets into the original text),
its confidence, and the nearest knowledge-base example of that practice ("resembles: …"), whose signal gives
the title, the legal basis and the advice.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.audience import Audience
from bot.detect import Detected, Message
from bot.kb.loader import KnowledgeBase, Signal
from bot.normalize import Normaliser

MODEL_PATH = Path(__file__).resolve().parent / "models" / "detector.npz"
NGRAMS = (1, 3)
_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s\s+")
# clauses: the unit a model finding quotes
_CLAUSE_END = re.compile(r"[。！？!?；;\n]+|[，,](?=\s*\S{8})")


def model_text(normalised: str) -> str:
    """What the model reads: the normalised text with digits folded (逾期3天 and 逾期45天 are one thing)."""
    return _SPACES.sub(" ", _DIGITS.sub("0", normalised))


_LATIN_WORD = re.compile(r"[a-z][a-z0-9']*")
# letters of any script (CJK included), not digits or symbols
_LETTER = re.compile(r"[^\W\d_]")
# below this many letters (one Chinese word) a text gives the model nothing to rest on: "1111…" or "¥¥¥" is no
# practice
MIN_LETTERS = 2


def char_ngrams(text: str) -> list[str]:
    """Character 1-3-grams (scikit-learn's `analyzer="char"`, its whitespace folding included), plus Latin words
    and word pairs: three characters say much about Chinese and little about English."""
    text = _SPACES.sub(" ", text)
    out: list[str] = []
    n_len = len(text)
    for n in range(NGRAMS[0], min(NGRAMS[1] + 1, n_len + 1)):
        out.extend(text[i : i + n] for i in range(n_len - n + 1))
    words = _LATIN_WORD.findall(text)
    out.extend("w:" + w for w in words)
    out.extend("b:" + a + "_" + b for a, b in zip(words, words[1:], strict=False))
    return out


def training_hash(records: Iterable[tuple[str, tuple[str, ...], tuple[str, ...]]]) -> str:
    """A hash of (text, positive categories, negative-only categories) records, order-independent."""
    lines = sorted(json.dumps([t, sorted(p), sorted(n)], ensure_ascii=False) for t, p, n in records)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Weights:
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_categories, n_features)
    intercept: np.ndarray  # (n_categories,)
    categories: list[str]
    thresholds: dict[str, float]
    trained_on: str  # training_hash of what it was trained from

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Weights:
        with np.load(path, allow_pickle=False) as data:
            vocab = [str(x) for x in data["vocabulary"]]
            meta = json.loads(str(data["meta"]))
            return cls(
                {g: i for i, g in enumerate(vocab)},
                data["idf"].astype(np.float64),
                data["coef"].astype(np.float64),
                data["intercept"].astype(np.float64),
                list(meta["categories"]),
                {k: float(v) for k, v in meta["thresholds"].items()},
                str(meta["trained_on"]),
            )

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF (sublinear tf, l2 norm) of a model text: (feature indices, values)."""
        counts = Counter(g for g in char_ngrams(text) if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        idx = np.fromiter((self.vocabulary[g] for g in counts), dtype=np.intp, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        val = tf * self.idf[idx]
        norm = math.sqrt(float(val @ val))
        return idx, val / norm if norm else val

    def probabilities(self, text: str) -> np.ndarray:
        idx, val = self.vector(text)
        z = self.coef[:, idx] @ val + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


class ModelDetector:
    """Speaks only where the patterns found nothing unsafe; see the module docstring."""

    def __init__(self, kb: KnowledgeBase, normaliser: Normaliser, weights: Weights):
        self.kb, self.normaliser, self.weights = kb, normaliser, weights
        self.unsafe = {c for c in weights.categories if kb.kind_of(c) != "lawful"}

    @cached_property
    def _examples(self) -> dict[str, list[tuple[Signal, str, np.ndarray, np.ndarray]]]:
        """The knowledge base's examples of each category, as vectors: the nearest one is shown, and its signal
        judged. Computed on the model's first finding, not at start-up (about 0.4 s for 1,300 examples)."""
        out: dict[str, list[tuple[Signal, str, np.ndarray, np.ndarray]]] = {}
        for s in self.kb.signals:
            for _lang, text in s.examples:
                vec = self.weights.vector(model_text(self.normaliser.normalise(text).text))
                out.setdefault(s.category, []).append((s, text, *vec))
        return out

    def detect(self, message: Message, audience: Audience, found: list[Detected]) -> list[Detected]:
        if any(self.kb.kind_of(d.signal.category) != "lawful" for d in found):
            return []  # the patterns found something unsafe: the model stays quiet
        text = model_text(message.norm.text)
        if len(_LETTER.findall(text)) < MIN_LETTERS:
            return []
        probs = self.weights.probabilities(text)
        have = {d.signal.category for d in found}
        out = []
        for ci, category in enumerate(self.weights.categories):
            p = float(probs[ci])
            if category in have or p < self.weights.thresholds.get(category, 1.1):
                continue
            if found and category not in self.unsafe:
                continue
            detected = self._finding(message, category, ci, p, audience)
            if detected is not None:
                out.append(detected)
        return out

    def _finding(self, message: Message, category: str, ci: int, p: float, audience: Audience) -> Detected | None:
        start, end = self._best_clause(message, ci)
        if end <= start:
            return None
        nearest = self._nearest(category, model_text(message.norm.text), audience)
        if nearest is None:
            return None
        signal, example = nearest
        return Detected(signal, start, end, message.text[start:end], score=p, source="model", basis=example)

    def _best_clause(self, message: Message, ci: int) -> tuple[int, int]:
        """The original-text span of the clause the category's model scores highest."""
        norm = message.norm
        text = norm.text
        bounds, pos = [], 0
        for m in _CLAUSE_END.finditer(text):
            bounds.append((pos, m.start()))
            pos = m.end()
        bounds.append((pos, len(text)))
        best, best_score = (0, len(text)), -math.inf
        for s, e in bounds:
            clause = text[s:e].strip()
            if len(clause) < 2:
                continue
            idx, val = self.weights.vector(model_text(clause))
            score = float(self.weights.coef[ci, idx] @ val)
            if score > best_score:
                best, best_score = (s, e), score
        s, e = best
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        return norm.span(s, e) if e > s else (0, 0)

    def _nearest(self, category: str, text: str, audience: Audience) -> tuple[Signal, str] | None:
        idx, val = self.weights.vector(text)
        lookup = dict(zip(idx.tolist(), val.tolist(), strict=True))
        best: tuple[float, Signal, str] | None = None
        for signal, example, e_idx, e_val in self._examples.get(category, ()):
            if not signal.applies_in(audience.judge):
                continue
            sim = sum(lookup.get(i, 0.0) * v for i, v in zip(e_idx.tolist(), e_val.tolist(), strict=True))
            if best is None or sim > best[0]:
                best = (sim, signal, example)
        return (best[1], best[2]) if best else None


def load_model_detector(kb: KnowledgeBase, normaliser: Normaliser, path: Path = MODEL_PATH) -> ModelDetector | None:
    if not path.exists():
        return None
    return ModelDetector(kb, normaliser, Weights.load(path))


Record = tuple[str, tuple[str, ...], tuple[str, ...]]  # (model text, positive categories, negative categories)


def training_records(
    kb: KnowledgeBase, normaliser: Normaliser, corpus_items: Iterable[tuple[str, list[str]]]
) -> list[Record]:
    """What the model is trained from, as (text, positive, negative) per category; a category in neither set is
    not trained on that text.
    - corpus items (training split): fully labelled, every category is positive or negative;
    - a knowledge-base example: positive for its signal's category, and, when the signal is lawful, negative for
      the unsafe categories (a lawful example is a safe message; an unsafe one may show several practices);
    - a counter-example: negative for its signal's category only."""
    categories = list(kb.taxonomy.practices)
    unsafe = tuple(c for c in categories if kb.kind_of(c) != "lawful")
    out: list[Record] = []

    def read(text: str) -> str:
        return model_text(normaliser.normalise(text).text)

    for text, cats in corpus_items:
        out.append((read(text), tuple(sorted(set(cats))), tuple(c for c in categories if c not in cats)))
    for s in kb.signals:
        lawful = kb.kind_of(s.category) == "lawful"
        for _lang, text in s.examples:
            out.append((read(text), (s.category,), unsafe if lawful else ()))
        for _lang, text in s.counter_examples:
            out.append((read(text), (), (s.category,)))
    return out
