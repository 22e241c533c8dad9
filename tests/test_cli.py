"""The command-line contract other tools rely on (score.py, CI, volunteers' scripts)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ROOT


def run(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def lines(out: bytes) -> list[dict]:
    return [json.loads(x) for x in out.decode("utf-8").splitlines()]


def test_assess_jsonl_one_line_per_input_in_order_even_for_bad_lines() -> None:
    good = {"id": "a1", "text": "再不还钱就去你家，让你全家知道", "jurisdiction": "CN"}
    stdin = b"".join(
        [
            json.dumps(good, ensure_ascii=False).encode() + b"\n",
            b"this is not json\n",
            b'{"id": 3}\n',
            b'{"id": 4, "text": 42}\n',
            b"\xff\xfe bad utf-8\n",
            b"\n",
            b"[1, 2]\n",
            json.dumps({"id": 8, "text": "Pay now", "lang": "xx", "jurisdiction": "ZZ"}).encode() + b"\n",
        ]
    )
    proc = run("assess", "--jsonl", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    assert len(out) == 8
    first = out[0]
    assert first["id"] == "a1" and first["verdict"] == "unlawful" and first["categories"]
    for f in first["findings"]:
        assert good["text"][f["start"] : f["end"]] == f["evidence"]
        assert f["category"] and f["practice"] and isinstance(f["legal_basis"], list)
    assert out[1] == {"line": 2, "error": out[1]["error"]} and "JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and "text" in out[2]["error"]
    assert out[3]["line"] == 4 and "string" in out[3]["error"]
    assert out[4]["line"] == 5 and "UTF-8" in out[4]["error"]
    assert out[5]["line"] == 6 and out[6]["line"] == 7
    assert out[7]["id"] == 8 and "verdict" in out[7] and "warning" in out[7]


def test_answer_jsonl_contract() -> None:
    stdin = (json.dumps({"id": 1, "text": "他们说要告诉我妈，可以吗"}, ensure_ascii=False) + "\n").encode()
    proc = run("answer", "--jsonl", stdin=stdin)
    assert proc.returncode == 0
    (rec,) = lines(proc.stdout)
    assert set(rec) >= {"id", "topic", "score", "alternatives"}
    assert isinstance(rec["score"], float) and len(rec["alternatives"]) <= 3


def test_human_readable_assessment_quotes_the_words() -> None:
    proc = run(
        "assess", "--lang", "en", "Pay today or we will tell your employer and your parents.", "--jurisdiction", "US"
    )
    assert proc.returncode == 0
    text = proc.stdout.decode()
    assert "employer" in text and "Verdict" in text


def test_assess_json_and_stdin() -> None:
    proc = run("assess", "--json", stdin="【某某金融】您的账单已逾期，请登录官方APP还款。".encode())
    data = json.loads(proc.stdout)
    assert data["verdict"] in {"lawful", "unclear"} and "findings" in data


def test_kb_stats_json() -> None:
    proc = run("kb", "stats", "--json")
    stats = json.loads(proc.stdout)
    assert stats["signals"] > 0 and stats["topics"] >= 19
    assert stats["practices_missing_legal_basis"] == []
    assert set(stats) >= {"patterns", "languages", "jurisdictions", "signals_by_language"}
    assert {"CN", "US"} <= set(stats["jurisdictions"])


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    kb = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", kb)
    return kb


def _config(tmp_path: Path, kb: Path) -> dict[str, str]:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"knowledge_dir: {kb}\n", encoding="utf-8")
    return {"RIGHTS_BOT_CONFIG": str(cfg)}


def test_kb_check_names_file_and_line_of_a_yaml_error(tmp_path: Path, broken_kb: Path) -> None:
    target = broken_kb / "vocab" / "core.yaml"
    text = target.read_text(encoding="utf-8").splitlines()
    text.insert(3, "  broken: [unclosed, list")
    target.write_text("\n".join(text) + "\n", encoding="utf-8")
    proc = run("kb", "check", env=_config(tmp_path, broken_kb))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "core.yaml:" in err and "YAML syntax error" in err


def test_kb_check_names_entry_and_field_of_a_schema_error(tmp_path: Path, broken_kb: Path) -> None:
    judgement = broken_kb / "jurisdictions" / "cn" / "judgements" / "contact_third_party.yaml"
    judgement.write_text(
        judgement.read_text(encoding="utf-8").replace("\n    replies:", "\n    replies_typo:", 1), encoding="utf-8"
    )
    signal = broken_kb / "signals" / "zh" / "insult_abuse.yaml"
    signal.write_text(signal.read_text(encoding="utf-8").replace("window:", "windw:", 1), encoding="utf-8")
    proc = run("kb", "check", env=_config(tmp_path, broken_kb))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    line = next(x for x in err.splitlines() if "contact_third_party.yaml" in x)
    assert (
        re.search(r"contact_third_party\.yaml:\d+: entry contact_third_party\.\w+: field signals\..*replies_typo", line)
        or "replies_typo" in line
    ), line
    line = next(x for x in err.splitlines() if "insult_abuse.yaml" in x)
    assert re.search(r"insult_abuse\.yaml:\d+: entry insult_abuse\.\w+: field patterns\.\d+\.windw", line), line


def test_kb_check_names_a_missing_judgement_and_a_wrong_countrys_citation(tmp_path: Path, broken_kb: Path) -> None:
    (broken_kb / "jurisdictions" / "us" / "judgements" / "insult_abuse.yaml").unlink()
    target = broken_kb / "jurisdictions" / "cn" / "judgements" / "threat_violence.yaml"
    text = target.read_text(encoding="utf-8").replace("legal_basis: [", "legal_basis: [us.fdcpa.1692d_1, ", 1)
    target.write_text(text, encoding="utf-8")
    proc = run("kb", "check", env=_config(tmp_path, broken_kb))
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "no judgement for category insult_abuse" in err
    assert "us.fdcpa.1692d_1 is another jurisdiction's law" in err


def test_kb_check_warns_of_a_missing_translation_and_falls_back(tmp_path: Path, broken_kb: Path) -> None:
    target = broken_kb / "topics" / "lawsuit.yaml"
    lines = [x for x in target.read_text(encoding="utf-8").splitlines() if not x.startswith("      zh-Hant: ")]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run("kb", "check", env=_config(tmp_path, broken_kb))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "lawsuit.yaml" in proc.stderr.decode() and "no translation for zh-Hant" in proc.stderr.decode()


def test_assess_refuses_to_start_on_an_invalid_knowledge_base(tmp_path: Path, broken_kb: Path) -> None:
    (broken_kb / "lexicon.yaml").write_text("version: 1\nnegators: [\n", encoding="utf-8")
    proc = run("assess", "hello", env=_config(tmp_path, broken_kb))
    assert proc.returncode == 1 and b"lexicon.yaml" in proc.stderr
