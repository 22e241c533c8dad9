"""Every signal of the knowledge base: its examples trigger it and its counter-examples do not, whatever the
jurisdiction (detection depends on the language of the message, not on the law that judges it)."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.engine import Engine
from bot.kb.loader import load_kb

_KB = load_kb(load_settings().knowledge_dir)
JURISDICTIONS = list(_KB.jurisdictions)
EXAMPLES = [
    pytest.param(s.id, jur, lang, text, id=f"{s.id}-{jur}-{lang}-{i}")
    for s in _KB.signals
    for jur in JURISDICTIONS
    if s.applies_in(jur)
    for i, (lang, text) in enumerate(s.examples)
]
COUNTER = [
    pytest.param(s.id, jur, lang, text, id=f"{s.id}-{jur}-{lang}-{i}")
    for s in _KB.signals
    for jur in JURISDICTIONS
    if s.applies_in(jur)
    for i, (lang, text) in enumerate(s.counter_examples)
]


@pytest.mark.parametrize(("signal", "jurisdiction", "lang", "text"), EXAMPLES)
def test_example_triggers_its_signal_in_every_jurisdiction(
    engine: Engine, signal: str, jurisdiction: str, lang: str, text: str
) -> None:
    a = engine.assess(text, lang, jurisdiction)
    found = {f.id for f in a.findings if f.source == "pattern"}
    assert signal in found, f"{signal} not found in {text!r} under {jurisdiction}; found {sorted(found)}"
    for f in a.findings:
        assert text[f.start : f.end] == f.evidence and f.evidence


@pytest.mark.parametrize(("signal", "jurisdiction", "lang", "text"), COUNTER)
def test_counter_example_does_not_trigger(engine: Engine, signal: str, jurisdiction: str, lang: str, text: str) -> None:
    a = engine.assess(text, lang, jurisdiction)
    hit = [f for f in a.findings if f.id == signal and f.source == "pattern"]
    assert not hit, f"{signal} wrongly found in {text!r} under {jurisdiction}: {hit[0].evidence!r}"


@pytest.mark.parametrize("jurisdiction", _KB.covered)
def test_every_unlawful_finding_cites_its_own_jurisdictions_usable_law(jurisdiction: str) -> None:
    for s in _KB.signals:
        if _KB.kind_of(s.category) != "unlawful":
            continue
        basis = _KB.judgement(jurisdiction, s).legal_basis
        assert any(_KB.citations[r].status != "unconfirmed" for r in basis), (jurisdiction, s.id)
        for ref in basis:
            assert ref.startswith(jurisdiction.lower() + "."), (jurisdiction, s.id, ref)
            assert _KB.laws[_KB.citations[ref].law].title.get("en") and _KB.citations[ref].as_of


def test_every_jurisdiction_judges_every_category_and_answers_every_topic() -> None:
    for code, data in _KB.jurisdictions.items():
        assert set(data.judgements) == set(_KB.taxonomy.practices), code
        assert {t.id for t in _KB.topics} <= set(data.answers), code


def test_the_honest_scope_judge_cites_no_law_and_no_channel() -> None:
    general = _KB.jurisdictions["general"]
    for s in _KB.signals:
        j = _KB.judgement("GB", s)
        assert j.jurisdiction == "general" and not j.legal_basis and not j.next_steps.channels, s.id
    for tid, ans in general.answers.items():
        assert not ans.sources and not ans.channels, tid
