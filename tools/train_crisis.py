"""Train the crisis classifier (make model): character 1-3-gram TF-IDF, one logistic regression, scikit-learn here
and numpy at run time (bot/crisis.py).

Positives: the crisis corpus's training items marked crisis and the crisis topic's question variants. Negatives:
the corpus's other training items (hyperbole, idioms, worry, factual death-and-debt questions), every other
topic's question variants, and collection messages (signal examples, the message corpus's training split): a
threat is the collector's words, not the writer's despair. The threshold is the highest at which the patterns or the
classifier catch every held-out crisis item: recall first. It prints the false triggers that costs on the held-out
non-crisis items.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.crisis import CRISIS_MODEL_PATH, CrisisModel  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.model import Weights, char_ngrams, model_text, training_hash  # noqa: E402

C = 4.0


def crisis_records(engine: Engine, items: list[dict]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:  # type: ignore[type-arg]
    def read(text: str) -> str:
        return model_text(engine.normaliser.normalise(text).text)

    out = [
        (read(it["text"]), ("crisis",) if it["crisis"] else (), () if it["crisis"] else ("crisis",))
        for it in items
        if it["split"] == "train"
    ]
    for topic in engine.kb.topics:
        for _lang, q in topic.questions.all():
            out.append((read(q), ("crisis",), ()) if topic.id == "crisis" else (read(q), (), ("crisis",)))
    # collection messages, threats included, are the collector's words: never the writer's crisis
    for s in engine.kb.signals:
        for _lang, text in (*s.examples, *s.counter_examples):
            out.append((read(text), (), ("crisis",)))
    corpus, _errors = load_corpus(engine.settings.corpus_dir, engine.kb)
    for it in corpus.select("train"):
        out.append((read(it.text), (), ("crisis",)))
    return out


def main() -> int:
    settings = dataclasses.replace(load_settings(), learned_detector=False)
    engine = Engine.load(settings=settings)
    items = yaml.safe_load((settings.corpus_dir / "crisis" / "items.yaml").read_text(encoding="utf-8"))["items"]
    records = crisis_records(engine, items)
    texts = [r[0] for r in records]
    y = np.array([1 if r[1] else 0 for r in records])
    vec = TfidfVectorizer(
        analyzer=char_ngrams, lowercase=False, sublinear_tf=True, min_df=2, norm="l2", dtype=np.float64
    )
    X = vec.fit_transform(texts)
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(X, y)
    vocabulary = np.array(vec.get_feature_names_out(), dtype=str)
    # thresholds are set with the weights exactly as shipped (float32 on disk, float64 at run time)
    weights = Weights(
        {g: i for i, g in enumerate(vocabulary)},
        vec.idf_.astype(np.float32).astype(np.float64),
        clf.coef_.astype(np.float32).astype(np.float64),
        clf.intercept_.astype(np.float64),
        ["crisis"],
        {},
        training_hash(records),
    )
    held = [it for it in items if it["split"] == "heldout"]
    probs = []
    for it in held:
        norm = engine.normaliser.normalise(it["text"])
        by_pattern = engine.crisis_by_pattern(norm) is not None
        model = CrisisModel(weights, 0.0).check(norm).score
        probs.append((it, by_pattern, model))
    missed_by_patterns = [p for it, by_pattern, p in probs if it["crisis"] and not by_pattern]
    threshold = round(min(missed_by_patterns) - 1e-6, 6) if missed_by_patterns else 0.5
    positives = [x for x in probs if x[0]["crisis"]]
    negatives = [x for x in probs if not x[0]["crisis"]]
    caught = sum(1 for _it, bp, p in positives if bp or p >= threshold)
    false = [it for it, bp, p in negatives if bp or p >= threshold]
    print(
        f"threshold {threshold:.4f}: held-out recall {caught}/{len(positives)}, false triggers "
        f"{len(false)}/{len(negatives)}"
    )
    for it in false:
        print(f"  false trigger ({it['form']}): {it['text'][:80]!r}")
    meta = {"categories": ["crisis"], "thresholds": {}, "threshold": threshold, "trained_on": weights.trained_on}
    np.savez_compressed(
        CRISIS_MODEL_PATH,
        vocabulary=vocabulary,
        idf=weights.idf.astype(np.float32),
        coef=weights.coef.astype(np.float32),
        intercept=weights.intercept,
        meta=np.array(json.dumps(meta)),
    )
    print(f"wrote {CRISIS_MODEL_PATH.relative_to(ROOT)}: {len(vocabulary)} features")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
