# Policy Desk: `make run` to use it, `make test` to check it.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
PYTHON ?= python3
STAMP  := $(VENV)/.installed
# STARD dev questions `make eval-ablate` samples (of 1,090); it keeps those of the held half
# (about half), since `rag tune` learned from the other one
STARD_SAMPLE ?= 600

.PHONY: install run ingest test test-fast lint axe-core openapi eval eval-full eval-ablate stard-tune bench bench-api bench-scale clean

# torch comes first and pinned: left to the resolver, sentence-transformers would pull a
# multi-GB CUDA build. 2.13.0 is a CPU wheel.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Incremental: unchanged documents are skipped, so this is quick after the first time.
ingest: install
	$(PY) ingest.py

# One server on RAG_HOST:RAG_PORT: the web UI at /, the HTTP API at /api/v1, Slack events.
run: install
	$(PY) ingest.py || echo "Some documents failed to ingest (listed above); serving the rest."
	$(PY) app.py

# Style, formatting and types: the same three checks locally and in CI.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# axe-core, the accessibility checker the browser tests inject into the page, fetched once
# with npm into a git-ignored cache. Without npm the scan test skips and says so.
AXE := .cache/axe-core/axe.min.js
$(AXE):
	@if command -v npm >/dev/null; then \
		mkdir -p .cache/axe-core && cd .cache/axe-core && npm pack axe-core --silent >/dev/null \
		&& tar -xzf axe-core-*.tgz package/axe.min.js && mv package/axe.min.js . \
		&& rm -rf package axe-core-*.tgz; \
	else echo "npm not found: the accessibility scan test will skip"; fi

axe-core: $(AXE)

# Every test: unit, then integration (real embedder, Chroma, servers, browser).
test: lint axe-core
	HF_HUB_OFFLINE=1 $(PY) -m pytest

# The unit tests alone: no model, no server; well under a minute.
test-fast: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest tests/unit -q

# The HTTP API's schema, committed so that a change to it shows in review (a test compares).
openapi: install
	$(PY) -m rag.interfaces.api > docs/openapi.json

eval: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval eval/policy_texts_qa.jsonl --corpus ../shared/policy-texts/docs --baseline --exact --json eval/results/policy_texts_qa.json
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval eval/policy_texts_heldout.jsonl --corpus ../shared/policy-texts/docs --baseline --exact --json eval/results/policy_texts_heldout.json
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval eval/policy_texts_scope.jsonl --corpus ../shared/policy-texts/docs --baseline --exact --json eval/results/policy_texts_scope.json
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval eval/corpus_qa.jsonl --corpus corpus --baseline --exact --json eval/results/corpus_qa.json
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval eval/staff_qa.jsonl --corpus corpus --baseline --exact --json eval/results/staff_qa.json
	$(MAKE) stard-tune
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval ../shared/stard/dev.jsonl --part held --exact

# The lay-word table learned from the fixed "fit" half of STARD dev, beside the eval's index of
# ../shared/chinese-law: the first run ingests 64,612 articles into eval/.data (about 5 minutes).
STARD_DATA := eval/.data/stard-dev
stard-tune: install
	HF_HUB_OFFLINE=1 RAG_DATA_DIR=$(STARD_DATA) $(VENV)/bin/rag ingest --corpus ../shared/chinese-law/docs --quiet
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag tune ../shared/stard/dev.jsonl --part fit --data-dir $(STARD_DATA)

# All 1,090 STARD dev questions, then the half the learned table never saw: about 15 minutes.
eval-full: stard-tune
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval ../shared/stard/dev.jsonl --exact --json eval/results/stard-dev.json
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval ../shared/stard/dev.jsonl --part held --exact --json eval/results/stard-dev-held.json

# What each leg and rule is worth on each gold set, one switched off at a time, on each set's
# held half (`question_part`: the fusion weights were fitted on the fit halves, `rag tune` on
# STARD's): eval/results/ablation.md.
eval-ablate: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/rag eval eval/policy_texts_qa.jsonl eval/policy_texts_heldout.jsonl eval/staff_qa.jsonl ../shared/stard/dev.jsonl --sample $(STARD_SAMPLE) --part held --exact --ablate

bench: install
	HF_HUB_OFFLINE=1 $(PY) bench/run.py --out bench/results/latest.json
	HF_HUB_OFFLINE=1 $(PY) bench/api.py --corpus corpus --out bench/results/api.json
	HF_HUB_OFFLINE=1 $(PY) bench/scale.py --out bench/results/scale.json

# 8 programs asking the HTTP API at once (the shipped corpus): answer p50/p95; under a minute.
bench-api: install
	HF_HUB_OFFLINE=1 $(PY) bench/api.py --corpus corpus --out bench/results/api.json

# 10%, 30% and 100% of ../shared/chinese-law, then 8 web UI users: 20+ minutes of both cores.
bench-scale: install
	HF_HUB_OFFLINE=1 $(PY) bench/scale.py --out bench/results/scale.json

clean:
	rm -rf $(VENV) data eval/.data .cache tmp
