# Two entry points: `make run` and `make test`. Each creates .venv when missing and installs the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# rapidocr-onnxruntime asks for opencv-python, whose cv2 links libGL.so.1 (absent on a headless server): keep
# only opencv-python-headless (the same cv2 module without GUI), reinstalled since both write into cv2/
HEADLESS_OPENCV = $(BIN)/python -m pip uninstall --quiet -y opencv-python 2>/dev/null; \
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps 'opencv-python-headless>=4.8,<6'

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	$(HEADLESS_OPENCV)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(HEADLESS_OPENCV)
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Without TELEGRAM_BOT_TOKEN: a local chat in the terminal. With it: the real bot.
run: install
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then $(BIN)/rights-bot run; else $(BIN)/rights-bot chat; fi

test: install-test
	$(BIN)/rights-bot kb check
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/assess.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
