# Two commands for a new user: `make run` (set up + main job, offline) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: setup run live test eval train bench bench-year clean constraints

# CONSTRAINTS pins every package to the versions the suite passed with; `make test
# CONSTRAINTS=` installs the newest releases instead (the weekly workflow does).
CONSTRAINTS ?= constraints.txt
PIN := $(if $(CONSTRAINTS),-c $(CONSTRAINTS),)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[test]'
	# Bytecode written once, so that a one-document `tracker extract` does not compile
	# the package's sources each time where the environment forbids writing it on import.
	$(BIN)/python -m compileall -q --invalidation-mode checked-hash tracker
	touch $(STAMP)

setup: $(STAMP)

## The main job on the bundled inputs: ingest sources.toml, chart, export.
run: $(STAMP)
	$(BIN)/tracker run --sources sources.toml --data-dir data --out reports

## The live configuration (sources.live.toml): DeepState, the curated CSV and news feeds
## over the network, in its own folders data/live/ and reports/live/.
live: $(STAMP)
	$(BIN)/tracker run --sources sources.live.toml --data-dir data/live --out reports/live

## The test suite (what CI runs).
test: $(STAMP)
	scripts/ensure-browser
	$(BIN)/python -m pytest -q

## Measure the extractor (needs ../shared): the dev table from the corpus's score.py, then
## train-only -> dev, 5-fold cross-validation grouped by story, the seen/held-out gap and the
## reliability of `confidence` (tracker/training/evaluate.py). A few minutes on two cores.
eval: $(STAMP)
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[train]'
	$(BIN)/python $(SHARED)/gold/score.py $(SHARED)/gold/dev.jsonl \
		--cmd '$(BIN)/tracker extract --jsonl {input} --format jsonl'
	$(BIN)/python -m tracker.training eval --gold $(SHARED)/gold

## Rebuild the extractor's model (tracker/extract/model.json) from ../shared/gold: the same
## corpus gives the same bytes (tests/test_learned.py checks the shipped file).
train: $(STAMP)
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[train]'
	$(BIN)/python -m tracker.training train --gold $(SHARED)/gold

## Benchmarks, run on purpose (not part of `make test`).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_areas.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_publish.py
	$(BIN)/python benchmarks/bench_history.py
	$(BIN)/python benchmarks/bench_review.py
	$(BIN)/python benchmarks/bench_checks.py
	$(BIN)/python benchmarks/bench_observations.py
	$(BIN)/python benchmarks/bench_export.py

## A year of daily scheduled runs against local servers (about 15-40 minutes).
bench-year: $(STAMP)
	$(BIN)/python benchmarks/bench_year.py

## Pin the versions installed now (after `make test CONSTRAINTS=` passed on new releases).
constraints: $(STAMP)
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^territorial'; } > constraints.tmp
	mv constraints.tmp constraints.txt

clean:
	rm -rf $(VENV) build *.egg-info
