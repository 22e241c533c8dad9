"""Loading the engine for a command: the knowledge base from the settings, strict unless the environment asks
for lenient loading (RIGHTS_BOT_LENIENT_KB=1, while knowledge-base files are half-written)."""

from __future__ import annotations

import os
import sys

from bot.config import load_settings


def load_engine():  # -> bot.engine.Engine (imported lazily: `rights-bot --help` stays fast)
    """The engine, or exit with status 1 and the knowledge base's problems on standard error."""
    from bot.engine import Engine
    from bot.kb.loader import KBInvalid, load_kb

    settings = load_settings()
    try:
        if os.environ.get("RIGHTS_BOT_LENIENT_KB") == "1":
            kb = load_kb(settings.knowledge_dir, lenient=True)
            for problem in kb.problems:
                print(f"rights-bot: lenient: {problem.describe()}", file=sys.stderr)
            return Engine(kb, settings)
        return Engine.load(settings=settings)
    except KBInvalid as exc:
        print(f"rights-bot: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
