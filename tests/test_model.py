"""The learned detector: its weights match what it was trained from, it is deterministic, and each of its findings
says what it rests on (source, confidence, a quoted clause with valid offsets, the example it resembles)."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.corpus import load_corpus
from bot.engine import Engine
from bot.model import MODEL_PATH, Weights, training_hash, training_records


def test_the_shipped_weights_were_trained_from_this_knowledge_base_and_corpus(engine: Engine) -> None:
    corpus, errors = load_corpus(load_settings().corpus_dir, engine.kb)
    assert not errors
    records = training_records(
        engine.kb, engine.normaliser, [(it.text, it.categories) for it in corpus.select("train")]
    )
    assert Weights.load(MODEL_PATH).trained_on == training_hash(records), (
        "the knowledge base's examples or the corpus changed: run `make model` and commit bot/models/detector.npz"
    )


def test_scores_are_deterministic() -> None:
    w = Weights.load(MODEL_PATH)
    text = "您的借款已逾期3天，请尽快还款"
    assert (w.probabilities(text) == w.probabilities(text)).all()


@pytest.mark.parametrize(
    "text",
    [
        "Hi, this is a courtesy note that your bill for this month is now available, total 86.40, due on the 14th.",
        "您好，您的账单已出，总计1,286元，本月20日到期。",
    ],
)
def test_a_model_finding_says_what_it_rests_on(engine: Engine, text: str) -> None:
    a = engine.assess(text)
    model = [f for f in a.findings if f.source == "model"]
    for f in model:
        assert 0.0 < f.score <= 1.0 and f.basis
        assert text[f.start : f.end] == f.evidence and f.evidence.strip()
        assert f.basis in {t for s in engine.kb.signals for _, t in s.examples}


def test_the_model_is_quiet_where_the_patterns_found_something_unsafe(engine: Engine) -> None:
    text = "再不还钱就爆你通讯录，让你所有亲戚朋友都知道你欠钱不还"
    a = engine.assess(text, "zh-Hans", "CN")
    assert a.verdict == "unlawful" and all(f.source == "pattern" for f in a.findings)


@pytest.mark.parametrize("text", ["1" * 50, "15," + "0" * 50, "¥¥¥ 3000", "😀😀😀", "100%!!!"])
def test_the_model_says_nothing_about_a_text_without_words(engine: Engine, text: str) -> None:
    # a run of digits once came back "upfront deduction, 97 % sure": digits and symbols name no practice
    assert not [f for f in engine.assess(text).findings if f.source == "model"]
