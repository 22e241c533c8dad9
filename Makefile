# Two entry points: `make run` and `make test`. Each creates .venv when missing and installs the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: run test unit lint install install-test bench model lock clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The versions that are tested: requirements.lock (the bot and the test tools) and requirements-run.lock (the bot
# alone, the same versions: the Docker image), made from pyproject.toml by `make lock`. Each is installed with
# --no-deps: it is the whole closure already, less opencv-python (below).
#
# rapidocr-onnxruntime asks for opencv-python, whose cv2 links libGL.so.1 (absent on a headless server): only
# opencv-python-headless (the same cv2 module without GUI) is locked. Should opencv-python be there all the same
# (an older .venv, a `pip install` by hand), it is removed and the headless one reinstalled, since both write
# into cv2/.
HEADLESS_OPENCV = if $(PIP) show --quiet opencv-python >/dev/null 2>&1; then \
	$(PIP) uninstall --quiet -y opencv-python && \
	$(PIP) install --quiet --force-reinstall --no-deps "$$(grep -m1 -o '^opencv-python-headless==[^ ;]*' requirements-run.lock)"; fi

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements-run.lock
	$(PIP) install --quiet --no-deps -r requirements-run.lock
	$(PIP) install --quiet --no-deps -e .
	$(HEADLESS_OPENCV)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml requirements.lock
	$(PIP) install --quiet --no-deps -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	$(HEADLESS_OPENCV)
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Without TELEGRAM_BOT_TOKEN: a local chat in the terminal. With it: the real bot.
run: install
	@if [ -n "$$TELEGRAM_BOT_TOKEN$$TELEGRAM_BOT_TOKEN_FILE" ]; then $(BIN)/rights-bot run; else $(BIN)/rights-bot chat; fi

# ruff (lint and format check: `.venv/bin/ruff format .` formats) and mypy, all configured in pyproject.toml
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/rights-bot kb check
	$(BIN)/python -m pytest -q

# the unit tests alone (no fake Bot API, no subprocesses, no OCR, no wheel build)
unit: install-test
	$(BIN)/python -m pytest -q -m "not e2e"

bench: install
	$(BIN)/python benchmarks/assess.py

# Retrain bot/models/detector.npz and crisis.npz (scikit-learn, the `model` extra, development only; the bot reads
# the weights with numpy). Commit them with the change to the knowledge base or the corpus that made it necessary.
MODEL_EXTRA = $$($(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["model"])')
model: install-test
	$(PIP) install --quiet -c requirements.lock $(MODEL_EXTRA)
	$(BIN)/python tools/train_detector.py
	$(BIN)/python tools/train_crisis.py

# Remake the lock files from pyproject.toml (uv as a tool only; `make lock UPGRADE=--upgrade` takes new versions).
LOCK_FLAGS = --universal --fork-strategy fewest --python-version 3.11 --no-emit-package opencv-python \
	--annotation-style line --quiet $(UPGRADE)
lock: $(BIN)/python
	$(PIP) install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test $(LOCK_FLAGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml -c requirements.lock $(LOCK_FLAGS) -o requirements-run.lock

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache build
