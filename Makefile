# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv when it is missing and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.custvalue-installed

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,plot,dask]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/custvalue summary --dataset cdnow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

# Speed and memory against lifetimes and a bare pandas groupby (takes several minutes).
bench: $(STAMP)
	$(BIN)/python benchmarks/table.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/value.py
	$(BIN)/python benchmarks/segments.py
	$(BIN)/python benchmarks/lifecycle.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
