# Two entry points: `make run` and `make test`. Each creates .venv when missing and installs the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
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
