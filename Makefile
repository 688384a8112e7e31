# ParkStats — `make run` sets everything up and runs the sample; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

export PARKSTATS_HOME ?= $(CURDIR)/data
export PARKSTATS_LAKE ?= $(PARKSTATS_HOME)/lake
export PARKSTATS_WAREHOUSE ?= $(PARKSTATS_HOME)/warehouse/parkstats.duckdb
export DAGSTER_HOME ?= $(PARKSTATS_HOME)/dagster
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

DBT_MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml

.PHONY: install run test test-fast ui lint format dbt-parse clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,server]'
	@rm -f $(VENV)/.installed-* && touch $@

# Dagster loads the dbt assets from dbt's manifest: parse before anything imports the code location.
dbt-parse: $(DBT_MANIFEST)

$(DBT_MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

run: install dbt-parse  ## generate the sample ledgers, run every month through Dagster, print the ranking
	$(BIN)/parkstats sample
	$(BIN)/parkstats run

test: install dbt-parse  ## unit + end-to-end tests
	$(BIN)/pytest -q

test-fast: install dbt-parse  ## unit tests only
	$(BIN)/pytest -q -m "not e2e"

ui: install dbt-parse  ## Dagster UI on http://127.0.0.1:3000
	$(BIN)/parkstats ui

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

clean:  ## remove generated data (landing, lake, warehouse, releases, Dagster storage)
	rm -rf data dbt_project/target dbt_project/logs

# National-scale benchmark (issue #7): bench/README.md. Scratch data and the history cache live in bench/tmp.
BENCH_ZONES ?= all
BENCH_ARGS ?=  # e.g. --prepare: only build the history cache
.PHONY: bench bench-smoke

bench: install dbt-parse  ## incremental month, history cost, full rebuild and reference points → bench/results
	$(BIN)/python -m bench.run --zones $(BENCH_ZONES) $(BENCH_ARGS)

bench-smoke: install dbt-parse  ## the harness on 50 zones and 2 months of history: correctness, not timings
	$(BIN)/python -m bench.run --zones 50 --history 2 --results bench/tmp/results
