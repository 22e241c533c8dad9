"""Speed and memory of the engine. Prints figures; asserts nothing (targets are in the README).

    .venv/bin/python benchmarks/assess.py [--messages 20000]

Measures, in one process on one core:
- start-up: loading, validating and compiling the knowledge base;
- `assess --jsonl` throughput end to end (a subprocess reading JSON lines, as score.py runs it);
- in-process assess() throughput and how cost grows with message length;
- peak resident memory of the CLI process.
The messages are the knowledge base's own examples and counter-examples, shuffled and lightly varied.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.kb.loader import load_kb  # noqa: E402


def corpus(engine: Engine, n: int) -> list[dict[str, str]]:
    texts = [
        (jur, t) for s in engine.kb.signals for jur in engine.kb.covered for _, t in [*s.examples, *s.counter_examples]
    ]
    rng = random.Random(7)
    out = []
    for i in range(n):
        jur, t = rng.choice(texts)
        if rng.random() < 0.3:
            jur2, t2 = rng.choice(texts)
            t = t + " " + t2 if jur2 == jur else t
        out.append({"id": str(i), "text": t, "jurisdiction": jur})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=20000)
    args = ap.parse_args()
    settings = load_settings()

    t0 = time.perf_counter()
    kb = load_kb(settings.knowledge_dir)
    t1 = time.perf_counter()
    engine = Engine(kb, settings)
    t2 = time.perf_counter()
    print(f"start-up: load+validate {t1 - t0:.3f} s, compile {t2 - t1:.3f} s, total {t2 - t0:.3f} s (target <= 1.5 s)")

    items = corpus(engine, args.messages)
    for it in items[:200]:
        engine.assess(it["text"], None, it["jurisdiction"])  # warm caches
    t = time.perf_counter()
    for it in items:
        engine.assess(it["text"], None, it["jurisdiction"])
    dt = time.perf_counter() - t
    avg_len = statistics.mean(len(it["text"]) for it in items)
    print(f"in-process assess(): {len(items) / dt:,.0f} messages/s (mean length {avg_len:.0f} chars)")

    base = " ".join(it["text"] for it in items[:20])
    for target in (1_000, 5_000, 20_000):  # 20,000 characters is the most one message is assessed on
        text = ((base + " ") * (target // len(base) + 1))[:target]
        factor = max(1, target // 1_000)
        reps = max(1, 200 // factor)
        t = time.perf_counter()
        for _ in range(reps):
            engine.assess(text)
        per = (time.perf_counter() - t) / reps
        print(f"length {len(text):>8,} chars: {per * 1000:8.2f} ms per message, {per / len(text) * 1e6:.2f} µs/char")

    payload = "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items).encode()
    cli = ROOT / ".venv" / "bin" / "rights-bot"
    cmd = [str(cli)] if cli.exists() else [sys.executable, "-m", "bot"]
    t = time.perf_counter()
    proc = subprocess.run([*cmd, "assess", "--jsonl"], input=payload, capture_output=True, check=True)
    dt = time.perf_counter() - t
    n_out = proc.stdout.count(b"\n")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"assess --jsonl: {n_out:,} lines in {dt:.2f} s = {n_out / dt:,.0f} messages/s including start-up "
        f"(target >= 2,000)"
    )
    print(f"peak RSS of the CLI process: {usage.ru_maxrss / 1024:.0f} MB (target <= 150 MB)")


if __name__ == "__main__":
    main()
