# lakecore: every target sets up what it needs. Nothing has to be installed by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
JARS    := build/jars
export SPARK_LOCAL_IP := 127.0.0.1
export TZ := UTC
export PYTHONHASHSEED := 0

.PHONY: help setup jars demo test lint types imports unit integration infra security bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade uv

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[spark,gx,dev]'
	@touch $@

$(JARS)/.fetched: jars/pom.xml
	rm -rf $(JARS)
	mvn --batch-mode --quiet -f jars/pom.xml dependency:copy-dependencies \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(JARS)
	@touch $@

setup: $(VENV)/.installed jars ## create .venv, install lakecore and its tools

jars: $(JARS)/.fetched ## fetch the JVM jars declared in jars/pom.xml from Maven Central

demo: setup ## generate data, run the daily pipeline locally, print the summary
	$(BIN)/lakecore demo

lint: setup ## ruff lint and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: setup ## mypy (strict on the core and the memory adapters)
	$(BIN)/mypy

imports: setup ## import-linter: the core stays pure
	$(BIN)/lint-imports

unit: setup ## fast tests on the in-memory adapters
	$(BIN)/pytest tests/unit -q

integration: setup ## tests on local Spark + Delta
	$(BIN)/pytest tests/integration -q

infra: setup ## terraform fmt/validate (when terraform is here), checkov, HCL policy tests
	bash infra/terraform/check.sh
	bash infra/checkov/run.sh $(CURDIR)/.venv-checkov
	$(BIN)/pytest tests/infra -q

security: setup ## bandit, detect-secrets, security tests
	$(BIN)/bandit --quiet --recursive src --severity-level medium
	$(BIN)/detect-secrets-hook --no-verify --baseline .secrets.baseline \
	    $$(git ls-files --cached --others --exclude-standard)
	$(BIN)/pytest tests/security -q

test: lint types imports unit integration infra security ## everything CI runs

BENCH_ROWS ?= 1000000
GATE_ROWS ?= 10000000
bench: setup ## benchmarks (~30 min): daily pipeline vs hand-written PySpark; gate executors -> docs/BENCHMARKS.md
	$(BIN)/python -m bench.daily --rows $(BENCH_ROWS)
	$(BIN)/python -m bench.gate --rows $(GATE_ROWS)


clean: ## remove the virtualenv, jars and local data
	rm -rf $(VENV) .venv-checkov build demo lake .pytest_cache .mypy_cache .ruff_cache .hypothesis
