# Wegweiser. `make run` starts the bot (terminal chat without BOT_TOKEN); `make test` runs all checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test test-heavy lint unit i18n content-check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

chat: $(STAMP)
	$(BIN)/python -m bot chat

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench tools
	$(BIN)/ruff format --check bot tests bench tools
	$(BIN)/mypy bot

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint unit

# The long fault, kill and fuzz runs (minutes); CI runs them after `make test`.
test-heavy: $(STAMP)
	$(BIN)/python -m pytest -q -m heavy

i18n: $(STAMP)
	$(BIN)/python -m bot i18n update
	$(BIN)/python -m bot i18n status

content-check: $(STAMP)
	$(BIN)/python -m bot content check

bench: $(STAMP)
	$(BIN)/python bench/journey_latency.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
