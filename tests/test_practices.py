"""Every practice of the knowledge base: its examples trigger it, its counter-examples do not."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.engine import Engine
from bot.kb.loader import load_kb

_KB = load_kb(load_settings().knowledge_dir)
EXAMPLES = [pytest.param(p.id, p.jurisdiction, lang, text, id=f"{p.id}-{lang}-{i}")
            for p in _KB.practices for i, (lang, text) in enumerate(p.examples.all())]
COUNTER = [pytest.param(p.id, p.jurisdiction, lang, text, id=f"{p.id}-{lang}-{i}")
           for p in _KB.practices for i, (lang, text) in enumerate(p.counter_examples.all())]


@pytest.mark.parametrize(("practice", "jurisdiction", "lang", "text"), EXAMPLES)
def test_example_triggers_its_practice(engine: Engine, practice: str, jurisdiction: str, lang: str, text: str) -> None:
    a = engine.assess(text, lang, jurisdiction)
    found = {f.practice.id for f in a.findings}
    assert practice in found, f"{practice} not found in {text!r}; found {sorted(found)}"
    for f in a.findings:
        assert text[f.start:f.end] == f.evidence and f.evidence


@pytest.mark.parametrize(("practice", "jurisdiction", "lang", "text"), COUNTER)
def test_counter_example_does_not_trigger(engine: Engine, practice: str, jurisdiction: str, lang: str,
                                          text: str) -> None:
    a = engine.assess(text, lang, jurisdiction)
    hit = [f for f in a.findings if f.practice.id == practice]
    assert not hit, f"{practice} wrongly found in {text!r}: {hit[0].evidence!r}"


def test_every_unlawful_practice_cites_a_usable_legal_basis() -> None:
    for p in _KB.practices:
        if _KB.kind_of(p.category) == "unlawful":
            statuses = [_KB.citations[r].status for r in p.legal_basis]
            assert any(s != "unconfirmed" for s in statuses), p.id
            for ref in p.legal_basis:
                law = _KB.laws[_KB.citations[ref].law]
                assert law.title.en and _KB.citations[ref].as_of


def test_every_category_is_covered_in_both_jurisdictions() -> None:
    for jur in ("CN", "US"):
        covered = {p.category for p in _KB.practices if p.jurisdiction == jur}
        assert covered == set(_KB.taxonomy.practices), jur
