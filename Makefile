# Every target builds or refreshes the local virtual environment first, so a
# fresh clone needs nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck layers pytest jstest fmt clean screenshots bench fuzz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/consult serve --demo

check: lint typecheck layers

lint: $(STAMP)
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest

# The browser client's unit tests: node's own runner, no npm packages.
jstest:
	node --test tests/js/

test: check jstest pytest

# The REST API against its OpenAPI document (schemathesis, every check, stateful too)
# with many more examples than make test's 20 per operation: a few minutes.
fuzz: $(STAMP)
	CONSULT_FUZZ_RANDOM=1 CONSULT_FUZZ_EXAMPLES=300 CONSULT_FUZZ_STEPS=15 $(BIN)/pytest -q tests/contract

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

screenshots: $(STAMP)
	CONSULT_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/browser/test_accessibility_and_views.py \
		"tests/browser/test_links_page.py::test_the_links_page_lists_revokes_and_rotates_links" \
		tests/browser/test_notes_page.py tests/browser/test_feedback_page.py tests/browser/test_asks_page.py \
		tests/browser/test_report_page.py tests/browser/test_forms_page.py \
		"tests/browser/test_live_pages.py::test_two_uber_moderators_recalling_at_once_give_one_recall_and_a_clear_refusal" \
		tests/browser/test_setup_edits_page.py tests/browser/test_format_switch_page.py \
		tests/browser/test_agenda_page.py tests/browser/test_new_event_page.py \
		tests/browser/test_event_at_a_glance.py tests/browser/test_grouping_page.py

fmt: $(STAMP)
	$(BIN)/ruff format server tests bench
	$(BIN)/ruff check --fix server tests bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
