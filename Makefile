# lakecore: every target sets up what it needs. Nothing has to be installed by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
JARS    := build/jars
KAFKA   := build/kafka
export SPARK_LOCAL_IP := 127.0.0.1
# This checkout's commands use the jars `make jars` fetched (elsewhere Spark fetches them).
export LAKECORE_JARS_DIR := $(CURDIR)/$(JARS)
# The Kafka broker the tests and `make stack` start (its own JVM, its own jars).
export LAKECORE_KAFKA_JARS_DIR := $(CURDIR)/$(KAFKA)
export TZ := UTC
export PYTHONHASHSEED := 0
# Airflow (the DAG tests, `airflow` commands here) keeps its config and sqlite in build/.
export AIRFLOW_HOME := $(CURDIR)/build/airflow

.PHONY: help setup jars chromium demo stack stack-down test lint types imports unit integration examples example-fresh infra security fuzz bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade uv

$(VENV)/.installed: pyproject.toml examples/sensors/pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[spark,gx,salesforce,snowflake,kafka,aws,airflow,dev]' -e examples/sensors
	@touch $@

$(JARS)/.fetched: jars/pom.xml
	rm -rf $(JARS)
	mvn --batch-mode --quiet -f jars/pom.xml dependency:copy-dependencies \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(JARS)
	@touch $@

# lakecore's own JVM code (jars/lakecore): the Delta log store for S3 and the byte-level
# pattern matcher of the quality rules, compiled against the jars above and Spark's, into the
# same folder, so every local session has it. (The jar was lakecore-delta-s3.jar before.)
LAKECORE_JAR := $(JARS)/lakecore.jar
JAVA_SOURCES := $(shell find jars/lakecore/src -name '*.java')
$(LAKECORE_JAR): $(JARS)/.fetched $(VENV)/.installed $(JAVA_SOURCES)
	rm -rf build/classes $(JARS)/lakecore-delta-s3.jar && mkdir -p build/classes
	javac --release 11 -nowarn -d build/classes \
	    -cp "$(JARS)/*:$$($(BIN)/python -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))')/jars/*" \
	    $(JAVA_SOURCES)
	jar cf $@ -C build/classes .

# The class-data archive local drivers start from (entrypoints/jvm_archive.py): the classes a
# small day loads, parsed once for every later process. Rebuilt with the jars it was made of.
JVM_ARCHIVE := $(JARS)/lakecore.jsa
$(JVM_ARCHIVE): $(JARS)/.fetched $(LAKECORE_JAR) $(VENV)/.installed src/entrypoints/jvm_archive.py
	$(BIN)/python -m entrypoints.jvm_archive $(JARS)

$(KAFKA)/.fetched: jars/broker/pom.xml
	rm -rf $(KAFKA)
	mvn --batch-mode --quiet -f jars/broker/pom.xml dependency:copy-dependencies \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(KAFKA)
	@touch $@

# `make bench` only: Deequ's jar (jars/deequ/pom.xml) and the bench extra (PyDeequ, matplotlib).
DEEQU := build/deequ
$(DEEQU)/.fetched: jars/deequ/pom.xml
	rm -rf $(DEEQU)
	mvn --batch-mode --quiet -f jars/deequ/pom.xml dependency:copy-dependencies \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(DEEQU)
	@touch $@

$(VENV)/.bench: $(VENV)/.installed pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[bench]'
	@touch $@

setup: $(VENV)/.installed jars chromium ## create .venv, install lakecore and its tools

# The quality page's browser test runs Debian's chromium, headless (no other browser download
# works here); installed with apt when missing, as root or through sudo.
chromium:
	@command -v chromium >/dev/null || { \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && \
	    $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@command -v chromium >/dev/null

jars: $(JARS)/.fetched $(LAKECORE_JAR) $(JVM_ARCHIVE) $(KAFKA)/.fetched ## fetch the JVM jars (jars/pom.xml, jars/broker/pom.xml) from Maven Central, build jars/lakecore and the class-data archive

demo: setup ## generate data, run the daily pipeline locally, print the summary
	$(BIN)/lakecore demo

stack: setup ## start a Kafka broker and the Salesforce and Snowflake stand-ins; settings in build/stack.env
	$(BIN)/python -m tests.fakes.stack start --dir build/stack --env build/stack.env

stack-down: ## stop the stand-ins `make stack` started
	$(BIN)/python -m tests.fakes.stack stop --dir build/stack --env build/stack.env

lint: setup ## ruff lint and format check
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

types: setup ## mypy on the library, adapters, entrypoints, pipelines and benchmarks (strict on the core)
	$(BIN)/mypy

imports: setup ## import-linter: the core stays pure
	$(BIN)/lint-imports

# Unit tests are CPU-bound Python: two workers on two cores (41 s against 53 s, one after
# another). Integration tests stay on one: their JVMs already use both cores, and two workers
# measured 65 min against about 65 alone.
unit: setup ## fast tests on the in-memory adapters
	$(BIN)/pytest tests/unit -q -n 2 --dist worksteal

integration: setup ## tests on local Spark + Delta
	$(BIN)/pytest tests/integration -q --durations=40

examples: setup ## the example pipeline's own tests (memory, Spark + Delta, the CLI)
	cd examples/sensors && $(CURDIR)/$(BIN)/pytest -q -o lakecore_jars_dir=$(CURDIR)/$(JARS)

example-fresh: ## the example in a new virtualenv with pip, outside the Makefile's setup
	bash examples/sensors/check-fresh-venv.sh

infra: setup ## terraform fmt/validate (when terraform is here), checkov, HCL policy tests
	bash infra/terraform/check.sh
	bash infra/checkov/run.sh $(CURDIR)/.venv-checkov
	$(BIN)/pytest tests/infra -q

security: setup ## bandit, detect-secrets, security tests
	$(BIN)/bandit --quiet --recursive src --severity-level medium
	$(BIN)/detect-secrets-hook --no-verify --baseline .secrets.baseline \
	    $$(git ls-files --cached --others --exclude-standard)
	$(BIN)/pytest tests/security -q

test: lint types imports unit integration examples example-fresh infra security ## everything CI runs

BENCH_ROWS ?= 1000000
GATE_ROWS ?= 10000000
# The fuzz sweep: `make unit` runs it with a fixed budget (the same examples each time);
# here, many new examples (FUZZ_EXAMPLES per test), hypothesis's database keeps what fails
# for the next run.
# The Spark comparison takes ~40 s an example: FUZZ_SPARK_EXAMPLES of them, after.
FUZZ_EXAMPLES ?= 2000
FUZZ_SPARK_EXAMPLES ?= 10
fuzz: setup ## the fuzz sweep, long: hostile landing files and command lines, new examples
	LAKECORE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -n 2 \
	    tests/unit/test_fuzz_landing.py tests/unit/test_fuzz_cli.py
	LAKECORE_FUZZ_SPARK_EXAMPLES=$(FUZZ_SPARK_EXAMPLES) $(BIN)/pytest -q \
	    tests/integration/test_fuzz_landing_spark.py

bench: setup $(DEEQU)/.fetched $(VENV)/.bench ## benchmarks (~1.5 h): daily pipeline, a small day cold, history 1x/16x, gate executors, sources, the stream, scaling -> docs/BENCHMARKS.md
	$(BIN)/python -m bench.daily --rows $(BENCH_ROWS)
	$(BIN)/python -m bench.small
	$(BIN)/python -m bench.history
	$(BIN)/python -m bench.gate --rows $(GATE_ROWS)
	$(BIN)/python -m bench.sources
	$(BIN)/python -m bench.stream
	$(BIN)/python -m bench.scaling


clean: ## remove the virtualenv, jars and local data
	rm -rf $(VENV) .venv-checkov build demo lake .pytest_cache .mypy_cache .ruff_cache .hypothesis
