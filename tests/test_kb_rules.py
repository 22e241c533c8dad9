"""kb check keeps the law shown to users current and free of research notes (knowledge/README.md):
a superseded law may be cited only under `historical:`, and research markers are refused in English as well as
in Chinese. Each test edits a copy of the real knowledge base."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.kb.loader import KBInvalid, load_kb

JUDGEMENT = "jurisdictions/cn/judgements/threat_violence.yaml"
OLD_BASIS = "legal_basis: [cn.criminal_law.293, "


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(load_settings().knowledge_dir, root)
    return root


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(root: Path) -> str:
    with pytest.raises(KBInvalid) as exc:
        load_kb(root)
    return str(exc.value)


def test_the_2012_public_security_law_is_superseded() -> None:
    kb = load_kb(load_settings().knowledge_dir)
    assert kb.laws["cn.psapl_2012"].superseded_by == "cn.psapl_2025"


def test_citing_a_superseded_law_is_an_error(kb_copy: Path) -> None:
    _edit(kb_copy, JUDGEMENT, OLD_BASIS, "legal_basis: [cn.psapl_2012.42, cn.criminal_law.293, ")
    assert "cn.psapl_2012.42 cites a law superseded by cn.psapl_2025" in _errors(kb_copy)


def test_a_historical_citation_is_allowed(kb_copy: Path) -> None:
    _edit(
        kb_copy,
        JUDGEMENT,
        OLD_BASIS,
        "historical: [cn.psapl_2012.42]\nlegal_basis: [cn.criminal_law.293, cn.psapl_2012.42, ",
    )
    load_kb(kb_copy)


def test_historical_lists_only_superseded_citations_it_cites(kb_copy: Path) -> None:
    _edit(kb_copy, JUDGEMENT, OLD_BASIS, "historical: [cn.criminal_law.293, cn.psapl_2012.40]\n" + OLD_BASIS)
    errors = _errors(kb_copy)
    assert "cn.criminal_law.293 is listed as historical but its law is not superseded" in errors
    assert "cn.psapl_2012.40 is listed as historical but not cited in legal_basis" in errors


@pytest.mark.parametrize(
    "note",
    ["(not yet verified)", "this number could not be confirmed", "Unconfirmed:", "（条款未核实）", "（尚待核实）"],
)
def test_research_notes_never_reach_users(kb_copy: Path, note: str) -> None:
    _edit(
        kb_copy,
        "jurisdictions/us/answers.yaml",
        "Each US state sets its own statute of limitations",
        f"{note} Each US state sets its own statute of limitations",
    )
    assert "a research note reaches users" in _errors(kb_copy)
