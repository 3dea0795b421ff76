# The two commands (see README): `make nightly` and `make test`. Both set up first.
VENV ?= .venv
BIN := $(VENV)/bin
JOBS ?= 2
RESULTS ?= results
DB := $(RESULTS)/wasm-harness.duckdb

.PHONY: setup nightly test lint lock bench-spec bench-accuracy bench-dashboard dashboard-screenshots clean

setup:
	@VENV=$(VENV) bash setup/setup.sh

## The main job: `wasm-harness nightly`: the spec corpus, the feature matrix, the benchmarks and ML inference
## (and the official testsuite with TESTSUITE=DIR) on every engine, as one run; its reports again from the store
## into results/report, the dashboard into results/dashboard; every run exported.
## A killed nightly continues with `wasm-harness nightly --resume`. Exports run even when a suite failed.
nightly: setup
	$(BIN)/wasm-harness engines
	$(BIN)/wasm-harness nightly --db $(DB) --out $(RESULTS) --jobs $(JOBS) --no-progress \
	    $(if $(TESTSUITE),--testsuite $(TESTSUITE)) $(NIGHTLY_ARGS); status=$$?; \
	$(BIN)/wasm-harness export --db $(DB) --run all -o $(RESULTS)/wasm-harness.parquet && \
	$(BIN)/wasm-harness export --db $(DB) --run all -o $(RESULTS)/wasm-harness.csv; exit $$status

## The tests: lint, then the harness's own tests and the corpus on every engine.
test: setup lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

## Rewrite setup/requirements.lock from what the venv holds now.
lock:
	{ echo "# Every Python package, pinned (the harness's own deps plus dev tools). Regenerate with: make lock"; \
	  $(BIN)/pip freeze --all --exclude-editable | grep -v -E '^(wasm-harness|pip)=='; } > setup/requirements.lock

## Harness vs `wasmtime wast` on a testsuite checkout: make bench-spec TESTSUITE=~/testsuite
bench-spec: setup
	$(BIN)/python perf/spec_vs_wasmtime_cli.py $(TESTSUITE)

## The benchmark harness's own accuracy and repeatability (figures in BENCHMARKS.md).
bench-accuracy: setup
	$(BIN)/python perf/bench_accuracy.py

## How long `wasm-harness dashboard` takes over 30 runs of history (figures in BENCHMARKS.md).
bench-dashboard: setup
	$(BIN)/python perf/dashboard_render.py

## The README's dashboard screenshots (docs/dashboard/): the browser test's two-run store, shot in Chromium.
dashboard-screenshots: setup
	DASHBOARD_SCREENSHOTS=docs/dashboard $(BIN)/python -m pytest -q tests/test_dashboard.py -k screenshots

clean:
	rm -rf $(VENV) .venv-wasmer $(RESULTS) .pytest_cache
