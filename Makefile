# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv when it is missing and installs what it needs:
#   demo: the package and its report extra (plots, HTML), at the versions of the lock file;
#   test: the whole development environment, exactly as locked in requirements/dev.lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements/dev.lock
DEV    := $(VENV)/.dev-installed
DEMO   := $(VENV)/.demo-installed
# the extras the lock covers (make lock), and the newest-release environment (make test-latest)
EXTRAS := dev,plot,report,dask,docs
LATEST := .venv-latest

.PHONY: demo test lint typecheck pytest notebooks docs bench lock test-latest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEMO): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e ".[report]"
	touch $@

$(DEV): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --requirement $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(DEMO)

demo: $(DEMO)
	$(BIN)/custvalue demo --output custvalue-demo
	@echo "Open custvalue-demo/report.html in a browser."

lint: $(DEV)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs

typecheck: $(DEV)
	$(BIN)/mypy

pytest: $(DEV)
	$(BIN)/python -m pytest

# Every notebook run top to bottom (nbmake), warnings as errors in the kernel as in the tests.
notebooks: $(DEV)
	PYTHONWARNINGS=error $(BIN)/python -m pytest --nbmake notebooks -p no:cacheprovider

# The documentation site, warnings as errors; -E: every page read and every notebook run anew.
docs: $(DEV)
	$(BIN)/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html

test: lint typecheck pytest notebooks docs

# Refresh the lock file: the newest releases that satisfy pyproject.toml, for every platform
# and Python >= 3.11. Review the diff, run `make test`, commit both.
lock:
	test -x .venv-lock/bin/uv || ($(PYTHON) -m venv .venv-lock && .venv-lock/bin/python -m pip install --quiet "uv>=0.5")
	.venv-lock/bin/uv pip compile pyproject.toml $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) \
		--universal --python-version 3.11 --upgrade --quiet -o $(LOCK)

# The suite against the newest releases of everything (not the lock): finds drift on purpose.
test-latest:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[$(EXTRAS)]"
	$(LATEST)/bin/python -m pip list --format=freeze > $(LATEST)/versions.txt
	$(LATEST)/bin/python -m pytest -p no:cacheprovider

# Speed and memory against lifetimes and a bare pandas groupby (takes several minutes).
bench: $(DEV)
	$(BIN)/python benchmarks/table.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/value.py
	$(BIN)/python benchmarks/segments.py
	$(BIN)/python benchmarks/lifecycle.py

clean:
	rm -rf $(VENV) $(LATEST) .venv-lock .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist

comma := ,
