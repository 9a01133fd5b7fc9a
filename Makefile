# Two entry points: `make demo` (the main job on the embedded SQLite store) and `make test`.
# Each creates .venv and installs what it needs the first time, so a fresh machine
# with only Python 3.11+ is enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_DIR := demo-output

.PHONY: demo test bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BIN)/plantrail --db $(DEMO_DIR)/plantrail.db import examples/clackmannanshire-2015
	$(BIN)/plantrail --db $(DEMO_DIR)/plantrail.db plans
	$(BIN)/plantrail --db $(DEMO_DIR)/plantrail.db actions "SOS 001"
	@echo "Demo store: $(DEMO_DIR)/plantrail.db (try: $(BIN)/plantrail --db $(DEMO_DIR)/plantrail.db show SS_ICSAP_IMP1)"

test: $(INSTALLED)
	$(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks.append
	$(BIN)/python -m benchmarks.projection

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
