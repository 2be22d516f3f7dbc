# hms-features: `make demo` runs the whole pipeline on a synthetic data set; `make test` runs the suite.
# Both create .venv (Python >= 3.11) and install the project with its dev extras if needed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo_out
JOBS   ?= 2

.PHONY: demo test lint install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/python -m hms_features.demo --out $(DEMO) --n-jobs $(JOBS)

test: install
	$(BIN)/python -m ruff check hms_features tests benchmarks run_features.py run_train.py
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/python -m ruff check hms_features tests benchmarks run_features.py run_train.py
	$(BIN)/python -m ruff format --check hms_features tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_features.py

clean:
	rm -rf $(DEMO) .pytest_cache .ruff_cache
