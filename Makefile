# The two commands of the README: `make run` (set up, ingest corpus/, serve the app) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install browser run ingest test test-fast lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU torch first, so nothing resolves a CUDA build.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

ingest: install
	$(VENV)/bin/study ingest

run: ingest
	$(VENV)/bin/study serve

# Everything: the lint gate (style, types, the import layers), then every test.
test: install browser lint
	$(PY) -m pytest

# The fast layer alone (no model, browser or server; under a minute).
test-fast: install
	$(PY) -m pytest -m "not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy core ingest assistant evals benchmarks ui.py study.py
	$(VENV)/bin/lint-imports
