"""The wheel carries what the bot reads (knowledge base, locales, config.yaml, the models, the font) and keeps its
state in the state directory, not in site-packages: built from a copy of the source tree, unpacked, and run from a
directory outside the tree with only the unpacked wheel on PYTHONPATH (the dependencies are this environment's)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.config import ROOT

pytestmark = pytest.mark.e2e

SOURCES = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "config.yaml",
    "bot",
    "handlers",
    "knowledge",
    "locales",
)

PROBE = """
import json, bot, bot.config as c, bot.render as r, bot.i18n as i
from bot.model import MODEL_PATH
from bot.crisis import CRISIS_MODEL_PATH
from bot.plan.fonts import cjk_font_path
from bot.ocr.reader import REC_MODEL, REC_KEYS
s = c.load_settings()
print(json.dumps({"bot": bot.__file__, "knowledge": str(s.knowledge_dir), "locales": str(s.locales_dir),
                  "templates": str(r.TEMPLATE_DIR), "database": str(s.database), "state": str(s.state_dir),
                  "heartbeat": str(s.heartbeat_file), "models": [MODEL_PATH.is_file(), CRISIS_MODEL_PATH.is_file(),
                             REC_MODEL.is_file(), REC_KEYS.is_file()],
                  "font": str(cjk_font_path()), "zh": i.gettext_for("zh-Hans")("Check a collection message")}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_data", "*.egg-info")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, src / name)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp / "dist"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    (whl,) = (tmp / "dist").glob("rights_bot-*.whl")
    return whl


@pytest.fixture(scope="module")
def unpacked(wheel: Path) -> Path:
    site = wheel.parent.parent / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


def _env(site: Path, state: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RIGHTS_BOT_DB", "RIGHTS_BOT_CONFIG", "RIGHTS_BOT_LENIENT_KB", "STATE_DIRECTORY")
        and not k.startswith("RIGHTS_BOT_")
    }
    return {**env, "PYTHONPATH": str(site), "XDG_STATE_HOME": str(state), "PYTHONDONTWRITEBYTECODE": "1"}


def test_the_wheel_ships_the_data_and_the_weights_but_not_the_corpus(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "bot/_data/config.yaml",
        "bot/_data/knowledge/languages.yaml",
        "bot/_data/knowledge/taxonomy.yaml",
        "bot/_data/locales/en/LC_MESSAGES/bot.po",
        "bot/models/detector.npz",
        "bot/models/crisis.npz",
        "bot/plan/fontdata/wqy-microhei.ttc",
        "bot/plan/fontdata/LICENSE-Apache-2.0",
        "bot/ocr/modeldata/PP-OCRv6_small_rec.onnx",
        "bot/ocr/modeldata/PP-OCRv6_small_rec_dict.txt",
        "bot/ocr/modeldata/LICENSE-Apache-2.0",
        "handlers/app.py",
    ):
        assert needed in names, needed
    assert any(n.startswith("bot/_data/locales/templates/") for n in names)
    assert not any("corpus/" in n for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: AGPL-3.0-or-later" in metadata


def test_the_unpacked_wheel_finds_its_data_and_keeps_state_in_the_state_directory(
    unpacked: Path, tmp_path: Path
) -> None:
    elsewhere, state = tmp_path / "elsewhere", tmp_path / "state"
    elsewhere.mkdir()
    env = _env(unpacked, state)
    check = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr[-3000:]
    assert "knowledge base OK" in check.stdout
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout)
    data = unpacked / "bot" / "_data"
    assert Path(found["bot"]).is_relative_to(unpacked)
    assert Path(found["knowledge"]) == data / "knowledge"
    assert Path(found["locales"]) == data / "locales"
    assert Path(found["templates"]) == data / "locales" / "templates"
    assert found["models"] == [True, True, True, True]
    assert Path(found["font"]).is_relative_to(unpacked)
    assert found["zh"] != "Check a collection message"  # the catalogue was read
    assert Path(found["database"]) == state / "rights-bot" / "rights-bot.sqlite3"
    assert Path(found["heartbeat"]).parent == state / "rights-bot"
    assert not Path(found["database"]).is_relative_to(unpacked)
    answer = subprocess.run(
        [sys.executable, "-m", "bot", "answer", "--lang", "en", "can they call my mother?"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr[-3000:]
    corpus = subprocess.run(
        [sys.executable, "-m", "bot", "corpus", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert corpus.returncode == 1 and "not of the installed package" in corpus.stderr


def test_systemd_state_directory_wins(unpacked: Path, tmp_path: Path) -> None:
    env = {**_env(unpacked, tmp_path / "xdg"), "STATE_DIRECTORY": f"{tmp_path / 'sd'}:{tmp_path / 'other'}"}
    code = "from bot.config import load_settings; print(load_settings().database)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == tmp_path / "sd" / "rights-bot.sqlite3"
