# Two entry points: `make demo` (the main job on the embedded SQLite store) and `make test`.
# Each creates .venv and installs what it needs the first time, so a fresh machine
# with only Python 3.11+ is enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_DIR := demo-output
# `make demo SERVE=0` does everything but serve (scripts and CI).
SERVE ?= 1

.PHONY: demo test lint coverage mutation bench check-robustness clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

PT := $(BIN)/plantrail --db $(DEMO_DIR)/plantrail.db

demo: $(INSTALLED)
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(PT) import examples/clackmannanshire-2015 --by "Covalent import"
	$(PT) plans
	$(PT) actions "SOS 001" --as-at 2015-03-25
	$(PT) summary "SOS 001" --as-at 2015-03-25
	$(PT) report "SOS 001" --as-at 2015-03-25 --since 2015-03-06 --out $(DEMO_DIR)/sos-001-report-2015-03-25.html
	$(PT) report "SOS 001" --as-at 2015-03-25 --format xlsx --out $(DEMO_DIR)/sos-001-2015-03-25.xlsx
	PLANTRAIL_MAIL_TRANSPORT=file PLANTRAIL_OUTBOX_DIR=$(DEMO_DIR)/outbox PLANTRAIL_DEMO=1 PLANTRAIL_BASE_URL=http://127.0.0.1:8000 $(PT) remind --as-at 2015-03-17 --format json > $(DEMO_DIR)/remind-2015-03-17.json
	$(PT) complete SS_ICSAP_TRAN3 --by "Liam Purdie" --on 2015-03-25 --evidence "Transition protocol signed by both services" > /dev/null
	$(PT) pending "SOS 001"
	@echo "Committee report: $(DEMO_DIR)/sos-001-report-2015-03-25.html (workbook: $(DEMO_DIR)/sos-001-2015-03-25.xlsx)"
	@echo "Reminder sweep as at 2015-03-17: $$(ls $(DEMO_DIR)/outbox/*.eml | wc -l) emails in $(DEMO_DIR)/outbox/ (summary: $(DEMO_DIR)/remind-2015-03-17.json)"
	@echo "Demo store: $(DEMO_DIR)/plantrail.db (try: $(PT) show SS_ICSAP_IMP1 --as-at 2015-03-25)"
	@echo "A claim awaits sign-off (try: $(PT) approve SS_ICSAP_TRAN3 --by 'Val DeSouza')"
	$(PT) grant "Val DeSouza" clerk --plan "SOS 001" --reason "Demo: runs the Alliance's committee cycle" --by "Demo admin"
	@echo "Web app: http://127.0.0.1:8000 (demo mode: links are signed with a key derived from the demo store)"
	@echo "  sign in as an action owner (Liam Purdie): $$(PLANTRAIL_DEMO=1 $(PT) signin-link 'Liam Purdie')"
	@echo "  sign in as a clerk (Val DeSouza):         $$(PLANTRAIL_DEMO=1 $(PT) signin-link 'Val DeSouza')"
	@echo "  (each link works once, for 15 minutes; sign-in emails go to $(DEMO_DIR)/outbox/ as .eml files)"
	@if [ "$(SERVE)" != "0" ]; then \
		echo "Serving on http://127.0.0.1:8000 — Ctrl-C stops it."; \
		PLANTRAIL_DEMO=1 PLANTRAIL_MAIL_TRANSPORT=file PLANTRAIL_OUTBOX_DIR=$(DEMO_DIR)/outbox $(PT) serve --host 127.0.0.1 --port 8000; \
	fi

# The PostgreSQL tests run whenever a server answers on 127.0.0.1:5432 (or the URL you export);
# without one they are skipped, and the run ends with a banner saying so.
LOCAL_POSTGRES := postgresql://postgres@127.0.0.1:5432/test
TEST_ENV = PLANTRAIL_TEST_POSTGRES_URL=$${PLANTRAIL_TEST_POSTGRES_URL:-$$(pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo $(LOCAL_POSTGRES))}

test: $(INSTALLED) lint
	$(TEST_ENV) $(BIN)/python -m pytest

# Line coverage of the whole suite, subprocesses included; fails below 90 % in total or 80 % in any module.
coverage: $(INSTALLED)
	rm -f .coverage .coverage.* coverage.json
	$(TEST_ENV) $(BIN)/coverage run -m pytest -q -p no:cacheprovider
	$(BIN)/coverage combine -q
	$(BIN)/coverage report --sort=cover
	$(BIN)/coverage json -q -o coverage.json
	$(BIN)/python tests/coverage_floor.py coverage.json

# Mutation testing of the core with mutmut, on demand (not in `make test`): one module group
# (`make mutation GROUP=policy`; `python tests/mutation.py list` names them) or all in turn.
# Prints the kill rate per module and the open survivors; tests/MUTANTS.md explains the equivalents.
GROUP ?= all
mutation: $(INSTALLED)
	$(BIN)/python tests/mutation.py run $(GROUP)

# Format, lint and types: part of `make test`, so CI fails on a finding.
lint: $(INSTALLED)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Faults at scale (kills during import and rebuild, 4 × 500 concurrent updates, bad input,
# the tampering table (prints "tamperings caught … out of … tried"), a PostgreSQL restart, a mail
# server taking 25 s per message with two relays and a SIGTERM mid-send, hostile data in sweeps and
# templates). Minutes, not seconds: not part of `make test`.
check-robustness: $(INSTALLED)
	pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	PLANTRAIL_ROBUSTNESS_SCALE=5 PLANTRAIL_ROBUSTNESS_OUTAGE=1 \
	PLANTRAIL_RELAY_SLOW_SECONDS=25 PLANTRAIL_RELAY_DIGESTS=16 PLANTRAIL_PROPERTY_EXAMPLES=200 \
	PLANTRAIL_TEST_POSTGRES_URL=$${PLANTRAIL_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	$(BIN)/python -m pytest -s -p no:randomly tests/robustness tests/e2e/test_bad_input_properties.py tests/integration/test_tampering.py \
		tests/integration/test_sweep_properties.py tests/unit/test_templates.py

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks.append
	$(BIN)/python -m benchmarks.projection
	$(BIN)/python -m benchmarks.time_travel
	$(BIN)/python -m benchmarks.listing
	$(BIN)/python -m benchmarks.sweep
	$(BIN)/python -m benchmarks.cipher
	$(BIN)/python -m benchmarks.web

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
