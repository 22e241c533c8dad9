"""The corpus of real messages: valid, with provenance for every item, and a held-out split by source."""

from __future__ import annotations

import subprocess
import sys

from bot.config import ROOT, load_settings
from bot.corpus import load_corpus
from bot.kb.loader import load_kb

KB = load_kb(load_settings().knowledge_dir)
CORPUS, ERRORS = load_corpus(load_settings().corpus_dir, KB)


def test_the_corpus_is_valid() -> None:
    assert not ERRORS, "\n".join(e.describe() for e in ERRORS[:20])


def test_every_item_names_a_source_with_a_licence_or_terms() -> None:
    for it in CORPUS.items:
        src = CORPUS.sources[it.source]
        assert src.ref and src.licence and src.group, it.id


def test_held_out_and_training_sources_never_share_a_group() -> None:
    groups = {split: {s.group for s in CORPUS.sources.values() if s.split == split} for split in ("train", "heldout")}
    assert groups["train"] and groups["heldout"] and not groups["train"] & groups["heldout"]
    real_held = CORPUS.select("heldout", "real")
    assert len(real_held) >= 0.15 * len(CORPUS.select(origin="real"))
    assert {it.lang for it in real_held} == {"zh-Hans", "zh-Hant", "en"}


def test_corpus_check_names_file_entry_and_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    root = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", root)
    target = next((root / "items").glob("*.yaml"))
    text = target.read_text(encoding="utf-8").replace("verdict: lawful", "verdict: scam", 1)
    target.write_text(text, encoding="utf-8")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"knowledge_dir: {ROOT / 'knowledge'}\ncorpus_dir: {root}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "corpus", "check"],
        capture_output=True,
        env={"RIGHTS_BOT_CONFIG": str(cfg), "PATH": ""},
        cwd=ROOT,
    )
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert target.name in err and "field verdict" in err and "does not follow from the categories" in err
