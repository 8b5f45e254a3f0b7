# Two commands for a new user: `make run` (set up + main job, offline) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: setup run test eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

## The main job on the bundled inputs: ingest sources.toml, chart, export.
run: $(STAMP)
	$(BIN)/tracker run --sources sources.toml --data-dir data --out reports

## The test suite (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Score the extractor on the development set (needs ../shared).
eval: $(STAMP)
	$(BIN)/python $(SHARED)/gold/score.py $(SHARED)/gold/dev.jsonl \
		--cmd '$(BIN)/tracker extract --jsonl {input} --format jsonl'

## Benchmarks, run on purpose (not part of `make test`).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_areas.py
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) build *.egg-info
