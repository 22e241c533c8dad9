"""The assessment of a recognised text: the one place where the OCR code calls the engine."""

from __future__ import annotations

from bot.engine import Assessment, Engine
from bot.ocr.reader import Reading


def assess_text(engine: Engine, text: str, lang: str | None, jurisdiction: str | None) -> Assessment:
    """Engine.assess, as for a pasted text (the only call of it in bot/ocr, handlers/photos and the CLI's
    --image)."""
    return engine.assess(text, lang, jurisdiction)


def assess_reading(engine: Engine, reading: Reading, lang: str | None, jurisdiction: str | None) -> Assessment:
    """Evidence spans point into reading.text."""
    return assess_text(engine, reading.text, lang, jurisdiction)
