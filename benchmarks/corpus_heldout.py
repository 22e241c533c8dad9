"""Figures on the corpus's real items, held-out split (sources never used to write patterns or train the model),
and on the training split for comparison. Usage: .venv/bin/python benchmarks/corpus_heldout.py [--misses]"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from metrics import message_figures  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.output import assessment_json  # noqa: E402


def main() -> int:
    settings = load_settings()
    engine = Engine.load(settings=settings)
    corpus, errors = load_corpus(settings.corpus_dir, engine.kb)
    if errors:
        print(f"corpus has {len(errors)} error(s): run rights-bot corpus check")
        return 1
    for split in ("heldout", "train"):
        items = corpus.select(split, "real")
        pairs = []
        for it in items:
            pred = assessment_json(engine, engine.assess(it.text, it.lang, it.jurisdiction))
            pairs.append(({"id": it.id, "text": it.text, "categories": it.categories, "verdict": it.verdict}, pred))
        figures = message_figures(pairs)
        groups = sorted({corpus.sources[it.source].group for it in items})
        print(f"corpus {split} (real items from {len(groups)} source groups): {figures.line()}")
        kinds = Counter(corpus.sources[it.source].kind for it in items)
        langs = Counter(it.lang for it in items)
        print("  items by kind of source: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
        print("  items by language: " + ", ".join(f"{k} {n}" for k, n in langs.most_common()))
        if split == "heldout" and "--misses" in sys.argv:
            for c, (p, r, f, n) in figures.per_category.items():
                print(f"  {c:26} P {p:.2f} R {r:.2f} F1 {f:.2f} n {n}")
            for m in figures.misses:
                print("  " + m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
