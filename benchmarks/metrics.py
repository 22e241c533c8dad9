"""The figures the project is judged by (the same definitions as ../shared/tools/score.py), for in-process runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

UNSAFE = {"unlawful", "scam"}


@dataclass
class MessageFigures:
    n: int = 0
    macro_f1: float = 0.0
    verdict_accuracy: float = 0.0
    critical_misses: float = 0.0
    false_alarms: float = 0.0
    invalid_spans: int = 0
    per_category: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"macro-F1 {self.macro_f1:.3f}, verdict acc {self.verdict_accuracy:.3f}, critical misses "
            f"{self.critical_misses:.3f}, false alarms {self.false_alarms:.3f}, invalid spans {self.invalid_spans}"
            f" (n={self.n})"
        )


def message_figures(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> MessageFigures:
    """pairs: (gold item with text/categories/verdict, prediction with categories/verdict/findings)."""
    tp, fp, fn = Counter(), Counter(), Counter()
    out = MessageFigures()
    ok = crit = fa = n_unsafe = n_safe = 0
    for gold, pred in pairs:
        out.n += 1
        g, p = set(gold.get("categories") or []), set(pred.get("categories") or [])
        for c in g & p:
            tp[c] += 1
        for c in p - g:
            fp[c] += 1
        for c in g - p:
            fn[c] += 1
        ok += gold["verdict"] == pred["verdict"]
        if gold["verdict"] in UNSAFE:
            n_unsafe += 1
            if pred["verdict"] not in UNSAFE:
                crit += 1
                out.misses.append(f"critical miss {gold.get('id')}: {sorted(g)} got {sorted(p)}: {gold['text'][:70]!r}")
        else:
            n_safe += 1
            if pred["verdict"] in UNSAFE:
                fa += 1
                out.misses.append(f"false alarm {gold.get('id')}: {sorted(g)} got {sorted(p)}: {gold['text'][:70]!r}")
        for f in pred.get("findings") or []:
            if not (f["evidence"] and gold["text"][f["start"] : f["end"]] == f["evidence"]):
                out.invalid_spans += 1
    f1s = {}
    for c in sorted(set(tp) | set(fn) | set(fp)):
        prec = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        rec = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out.per_category[c] = (prec, rec, f1, tp[c] + fn[c])
        if tp[c] + fn[c]:
            f1s[c] = f1
    out.macro_f1 = sum(f1s.values()) / len(f1s) if f1s else 0.0
    out.verdict_accuracy = ok / out.n if out.n else 0.0
    out.critical_misses = crit / n_unsafe if n_unsafe else 0.0
    out.false_alarms = fa / n_safe if n_safe else 0.0
    return out
