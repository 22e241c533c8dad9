"""Project paths and settings from config.yaml (environment variables override where noted)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    locales_dir: Path
    corpus_dir: Path = ROOT / "corpus"
    default_language: str = "zh-Hans"      # from knowledge/languages.yaml (the one table of languages)
    answer_confidence: float = 0.45
    answer_floor: float = 0.12
    learned_detector: bool = True     # the model beside the patterns (bot/model.py)
    answer_margin: float = 0.03       # the top topic must lead the next different one by this much ...
    answer_ratio: float = 1.35        # ... and score this many times as high (unless above answer_confidence)
    database: Path = ROOT / "data" / "rights-bot.sqlite3"
    retention_days: int = 180
    telegram: dict[str, Any] = field(default_factory=dict)


def load_settings(path: Path | None = None) -> Settings:
    path = path or Path(os.environ.get("RIGHTS_BOT_CONFIG", ROOT / "config.yaml"))
    raw: dict[str, Any] = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    engine = raw.get("engine") or {}
    storage = raw.get("storage") or {}
    database = Path(os.environ.get("RIGHTS_BOT_DB") or storage.get("database", "data/rights-bot.sqlite3"))
    return Settings(
        knowledge_dir=_under_root(raw.get("knowledge_dir", "knowledge")),
        locales_dir=_under_root(raw.get("locales_dir", "locales")),
        corpus_dir=_under_root(raw.get("corpus_dir", "corpus")),
        default_language=_language_table(_under_root(raw.get("knowledge_dir", "knowledge")))[0],
        answer_confidence=float(engine.get("answer_confidence", 0.45)),
        answer_floor=float(engine.get("answer_floor", 0.12)),
        learned_detector=bool(engine.get("learned_detector", True)),
        answer_margin=float(engine.get("answer_margin", 0.03)),
        answer_ratio=float(engine.get("answer_ratio", 1.35)),
        database=_under_root(database),
        retention_days=int(storage.get("retention_days", 180)),
        telegram=dict(raw.get("telegram") or {}),
    )


def _under_root(p: str | Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else ROOT / p


def _language_table(knowledge_dir: Path) -> tuple[str, tuple[str, ...]]:
    """(default language, every language) from knowledge/languages.yaml, read without validation: the full check
    is `rights-bot kb check`, and the interface needs the list before the knowledge base is loaded."""
    try:
        raw = yaml.safe_load((knowledge_dir / "languages.yaml").read_text(encoding="utf-8")) or {}
        langs = tuple(raw.get("languages") or ())
        return str(raw.get("default") or (langs[0] if langs else "zh-Hans")), langs or ("zh-Hans",)
    except (OSError, yaml.YAMLError, AttributeError):
        return "zh-Hans", ("zh-Hans",)


# the languages of the interface, in the order of the table
LANGUAGES: tuple[str, ...] = _language_table(ROOT / "knowledge")[1]
