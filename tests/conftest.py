"""Shared fixtures: the real knowledge base and engine, loaded once per test session."""

from __future__ import annotations

import os

import pytest

from bot.config import load_settings
from bot.engine import Engine
from bot.kb.loader import load_kb


@pytest.fixture(scope="session")
def engine() -> Engine:
    settings = load_settings()
    # RIGHTS_BOT_LENIENT_KB=1 only while knowledge-base files are half-written; CI never sets it
    lenient = os.environ.get("RIGHTS_BOT_LENIENT_KB") == "1"
    return Engine(load_kb(settings.knowledge_dir, lenient=lenient), settings)
