"""Shared fixtures: the real knowledge base and engine, loaded once per test session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

# The state the code writes by default (SQLite file, heartbeat, the local chat's files) goes to a directory of this
# test session, never to the developer's ~/.local/state; tests that care set their own (bot/config.py: state_dir).
os.environ["XDG_STATE_HOME"] = _STATE = tempfile.mkdtemp(prefix="rights-bot-tests-state-")
atexit.register(shutil.rmtree, _STATE, True)
for _var in ("STATE_DIRECTORY", "CREDENTIALS_DIRECTORY", "TELEGRAM_BOT_TOKEN_FILE"):
    os.environ.pop(_var, None)

from bot.config import load_settings  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.kb.loader import load_kb  # noqa: E402


@pytest.fixture(scope="session")
def engine() -> Engine:
    settings = load_settings()
    # RIGHTS_BOT_LENIENT_KB=1 only while knowledge-base files are half-written; CI never sets it
    lenient = os.environ.get("RIGHTS_BOT_LENIENT_KB") == "1"
    return Engine(load_kb(settings.knowledge_dir, lenient=lenient), settings)


# -- end-to-end: the real Application over HTTP against a fake Bot API server (tests/fake_telegram.py) ---------

from collections.abc import AsyncIterator  # noqa: E402
from pathlib import Path  # noqa: E402

from fake_telegram import BotUnderTest, FakeTelegram  # noqa: E402


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1 (random port); `fake_telegram.url` is its base URL."""
    fake = await FakeTelegram().start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bot(fake_telegram: FakeTelegram, engine: Engine, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The real bot (handlers.app.build_application) polling `fake_telegram`, with a fresh SQLite file.

    `bot.user(language_code="zh-hans")` makes a user; `await user.send(...)`, `await user.reply()`,
    `await user.press(label)`; `await bot.restart()` starts a new Application on the same database. The test
    fails if the fake server had to answer an error, unless it sets `bot.expect_errors = True`.
    """
    harness = BotUnderTest(fake_telegram, engine, tmp_path / "bot.sqlite3")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    if not harness.expect_errors:
        assert not fake_telegram.errors, f"the fake Bot API answered errors: {fake_telegram.errors}"


# -- unit and end-to-end tests -----------------------------------------------------------------------------------
# `pytest -m "not e2e"` runs the unit tests (`make unit`); `make test` runs all. End to end: every test that uses
# the fake Bot API (the fixtures above and /plan's in test_plan_bot.py and test_plan_faults.py, directly or through
# another fixture), and the modules and tests below, which run the program as a subprocess or read pictures with
# the OCR models. New modules of that kind mark themselves (pytestmark = pytest.mark.e2e).
E2E_MODULES = {"test_bot_process", "test_cli", "test_ocr"}
E2E_TESTS = {"test_corpus_check_names_file_entry_and_field"}
E2E_FIXTURES = {"fake_telegram", "bot", "pbot", "quick_pbot"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(getattr(item, "module", None), "__name__", "")
        name = getattr(item, "originalname", item.name)
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())) or module in E2E_MODULES or name in E2E_TESTS:
            item.add_marker(pytest.mark.e2e)
