"""How long the first reply is on a phone: characters and lines of the first assessment reply (the verdict screen)
and of each topic answer, per language. Targets: under 600 characters for 90 % of assessments and under 1,000 for
all, with the rest one tap away. Usage: .venv/bin/python benchmarks/reply_length.py [MESSAGES.yaml]
(default: ../shared/eval/dev_messages.yaml when present, else the corpus's real items)."""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import LANGUAGES, load_settings  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.dialogue import Dialogue  # noqa: E402
from bot.engine import Engine  # noqa: E402

_TAGS = re.compile(r"<[^>]+>")


def visible(html: str) -> str:
    return _TAGS.sub("", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&#34;", '"')


def report(name: str, sizes: dict[str, list[tuple[int, int]]]) -> None:
    for lang, rows in sizes.items():
        chars = sorted(c for c, _ in rows)
        lines = [n for _, n in rows]
        under = sum(1 for c in chars if c < 600) / len(chars)
        print(
            f"{name:11} {lang:8} n={len(rows):4}  chars median {statistics.median(chars):5.0f}  p90 "
            f"{chars[int(0.9 * (len(chars) - 1))]:5}  max {chars[-1]:5}  under 600: {under:6.1%}  "
            f"lines median {statistics.median(lines):3.0f} max {max(lines):3}"
        )


def main() -> int:
    engine = Engine.load()
    d = Dialogue(engine)
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "eval" / "dev_messages.yaml"
    if path.exists():
        items = [(it["text"], it.get("jurisdiction")) for it in yaml.safe_load(path.read_text(encoding="utf-8"))]
        source = str(path.name)
    else:
        corpus, _ = load_corpus(load_settings().corpus_dir, engine.kb)
        items = [(it.text, None) for it in corpus.select(origin="real")]
        source = "corpus (real items)"
    print(f"assessments of {len(items)} messages from {source}, shown in each language:")
    sizes: dict[str, list[tuple[int, int]]] = {}
    for lang in LANGUAGES:
        for text, jur in items:
            jur = jur if jur in engine.kb.covered else None
            reply = d.assessment(d.analyse(text, lang, jur).assessment, lang)[-1]
            shown = visible(reply.html)
            sizes.setdefault(lang, []).append((len(shown), shown.count("\n") + 1))
    report("assessment", sizes)
    sizes = {}
    for lang in LANGUAGES:
        for region in engine.kb.covered + ["GB"]:
            for topic in engine.kb.topics:
                shown = visible(d.topic(topic.id, lang, region).html)
                sizes.setdefault(lang, []).append((len(shown), shown.count("\n") + 1))
    report("topic", sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
