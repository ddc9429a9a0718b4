# Seva: two commands matter. `make demo` runs the desk; `make test` runs every test.
# Every target is idempotent and safe on a fresh machine: it installs what it needs.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help setup test lint demo clean system-deps rasa-venv screenshots

help:
	@echo "make demo   - run the whole desk on loopback (no credentials needed)"
	@echo "make test   - install what is needed, then run every test"
	@echo "make lint   - ruff and mypy"
	@echo "make setup  - create .venv and install the project"

# System packages the tests and the demo use (redis-server; chromium for the browser tests).
# Installed only if missing, and only when we are root (CI and these machines); otherwise
# we say what is missing.
system-deps:
	@scripts/system-deps.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Seva needs Python >= 3.11; set PYTHON=python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: system-deps $(STAMP) rasa-venv

# The Rasa server's venv (Python 3.10, rasa==3.6.21): Rasa does not run on >= 3.11.
# Without a Python 3.10 the script says so (and fails under CI=true; see its header).
rasa-venv:
	@scripts/rasa-venv.sh .venv-rasa nlu/requirements.txt

# The NLU model is trained (or found cached by input hash) before the tests, so a slow,
# busy machine spends that time here rather than inside a test's timeout.
test: setup
	@if [ -x .venv-rasa/bin/rasa ]; then $(BIN)/seva nlu train; fi
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: setup
	$(BIN)/seva demo $(ARGS)

# Pictures of the browser desk for the README, taken by its browser tests as they run.
screenshots: setup
	SEVA_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/web/test_ticket_desk.py \
		tests/web/test_demo_walkthrough.py tests/web/test_triage_inbox.py tests/web/test_reports.py \
		tests/web/test_admin_users.py tests/web/test_ops.py tests/web/test_gaps.py \
		tests/web/test_kb_console.py tests/web/test_kb_publish.py \
		-k "posted_once or reused or newcomer or inbox or each_chart or session_ends or ops_page or pure_clusters or two_admins or new_example"

clean:
	rm -rf $(VENV) .venv-rasa nlu/models nlu/build .pytest_cache .mypy_cache .ruff_cache
