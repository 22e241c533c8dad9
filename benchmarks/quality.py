"""The figures of the README's "How well it works", measured the way the project is judged.

- the corpus's held-out split of real messages (benchmarks/corpus_heldout.py prints the detail);
- the crisis corpus's held-out items: recall (must be 100 %) and false triggers;
- the project's held-out questions (corpus/questions/heldout.yaml): top-1 topic, crisis recall and false triggers,
  and how often "did you mean" is asked about a clear question;
- the development sets, through ../shared/tools/score.py, when that folder is present.
Usage: .venv/bin/python benchmarks/quality.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from metrics import message_figures  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.output import assessment_json  # noqa: E402


def main() -> int:
    settings = load_settings()
    engine = Engine.load(settings=settings)
    corpus, _errors = load_corpus(settings.corpus_dir, engine.kb)
    held = corpus.select("heldout", "real")
    pairs = [
        (
            {"id": it.id, "text": it.text, "categories": it.categories, "verdict": it.verdict},
            assessment_json(engine, engine.assess(it.text, it.lang, it.jurisdiction)),
        )
        for it in held
    ]
    groups = len({corpus.sources[it.source].group for it in held})
    print(
        f"real messages, corpus held-out ({len(held)} items from {groups} source groups): "
        f"{message_figures(pairs).line()}"
    )

    crisis = yaml.safe_load((settings.corpus_dir / "crisis" / "items.yaml").read_text(encoding="utf-8"))["items"]
    held_c = [it for it in crisis if it["split"] == "heldout"]
    pos = [it for it in held_c if it["crisis"]]
    neg = [it for it in held_c if not it["crisis"]]
    caught = sum(engine.check_crisis(it["text"]).crisis for it in pos)
    false = sum(engine.check_crisis(it["text"]).crisis for it in neg)
    print(
        f"crisis corpus held-out: recall {caught}/{len(pos)}, false triggers {false}/{len(neg)} "
        f"(the negatives are hyperbole, idioms, worry and factual death-and-debt questions)"
    )

    questions = yaml.safe_load((settings.corpus_dir / "questions" / "heldout.yaml").read_text(encoding="utf-8"))
    right = crisis_n = crisis_hit = crisis_false = clear = asked = 0
    for it in questions:
        a = engine.answer(it["text"], it.get("lang"), it.get("jurisdiction"))
        topic = a.taxonomy_topic or a.topic
        right += topic == it["topic"]
        if it["topic"] == "crisis":
            crisis_n += 1
            crisis_hit += topic == "crisis"
        else:
            crisis_false += topic == "crisis"
            if it["topic"] != "out_of_scope" and topic != "crisis":
                clear += 1
                asked += not a.confident
    n = len(questions)
    print(
        f"questions held-out ({n}): top-1 {right / n:.3f}, crisis recall {crisis_hit}/{crisis_n}, crisis false "
        f'triggers {crisis_false}/{n - crisis_n}, "did you mean" on {asked}/{clear} ({asked / max(1, clear):.1%}) '
        f"of the others"
    )

    score = ROOT.parent / "shared" / "tools" / "score.py"
    if score.exists():
        for kind, name in (("messages", "dev_messages"), ("messages", "real_dev"), ("questions", "dev_questions")):
            path = ROOT.parent / "shared" / "eval" / f"{name}.yaml"
            out = (
                subprocess.run([sys.executable, str(score), kind, str(path)], capture_output=True, text=True, cwd=ROOT)
                .stdout.strip()
                .splitlines()
            )
            print(f"{name}: {out[-1] if out else '(no output)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
