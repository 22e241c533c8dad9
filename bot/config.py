"""Project paths and settings from config.yaml (environment variables override where noted)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    locales_dir: Path
    default_language: str = "zh-Hans"
    default_jurisdiction: str = "CN"
    answer_confidence: float = 0.45
    answer_floor: float = 0.12
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
        default_language=raw.get("default_language", "zh-Hans"),
        default_jurisdiction=raw.get("default_jurisdiction", "CN"),
        answer_confidence=float(engine.get("answer_confidence", 0.45)),
        answer_floor=float(engine.get("answer_floor", 0.12)),
        database=_under_root(database),
        retention_days=int(storage.get("retention_days", 180)),
        telegram=dict(raw.get("telegram") or {}),
    )


def _under_root(p: str | Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else ROOT / p
