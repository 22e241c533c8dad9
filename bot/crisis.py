"""Crisis detection: is the person writing at risk of suicide or self-harm? Checked on every text a user writes.

Recall first: the crisis topic's patterns (knowledge/topics/crisis.yaml: direct words, methods, places,
farewells) and a small learned classifier (bot/models/crisis.npz, character n-grams, trained by `make model`
from corpus/crisis/ and the knowledge base's questions; tools/train_crisis.py) each suffice. The classifier reads
the whole text and every sentence of it, so one line of despair inside a long story about a loan still counts;
its threshold is set for 100 % recall on the crisis corpus's held-out items. A false trigger costs a sentence
(the reply still answers the question asked); a miss could cost a life.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.model import Weights, model_text
from bot.normalize import Normalised

CRISIS_MODEL_PATH = Path(__file__).resolve().parent / "models" / "crisis.npz"
_SENTENCES = re.compile(r"[^。！？!?；;\n.]+[。！？!?；;\n.]*")


@dataclass(frozen=True)
class CrisisCheck:
    crisis: bool
    score: float  # 1.0 for a pattern; the classifier's probability otherwise
    start: int = 0  # the words it rests on, in the original text
    end: int = 0
    source: str = ""  # pattern | model | "" (no crisis)


class CrisisModel:
    def __init__(self, weights: Weights, threshold: float):
        self.weights, self.threshold = weights, threshold

    @classmethod
    def load(cls, path: Path = CRISIS_MODEL_PATH) -> CrisisModel | None:
        if not path.exists():
            return None
        weights = Weights.load(path)
        with np.load(path, allow_pickle=False) as data:
            threshold = float(json.loads(str(data["meta"]))["threshold"])
        return cls(weights, threshold)

    def probability(self, text: str) -> float:
        return float(self.weights.probabilities(model_text(text))[0])

    def check(self, norm: Normalised) -> CrisisCheck:
        """The best of the whole text and each of its sentences (normalised offsets mapped back)."""
        text = norm.text
        spans = [(0, len(text))] + [(m.start(), m.end()) for m in _SENTENCES.finditer(text)]
        best, best_span = -1.0, (0, len(text))
        for s, e in spans:
            piece = text[s:e].strip()
            if len(piece) < 2:
                continue
            p = self.probability(piece)
            if p > best:
                best, best_span = p, (s, e)
        if best < self.threshold:
            return CrisisCheck(False, max(best, 0.0))
        s, e = best_span
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        o_start, o_end = norm.span(s, e)
        return CrisisCheck(True, best, o_start, o_end, "model")
