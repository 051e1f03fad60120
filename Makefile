# Wegweiser. `make run` starts the bot (terminal chat without BOT_TOKEN); `make test` runs all checks.
# Every install takes exactly the versions in the lock files (hashes checked); `make lock`
# refreshes them on purpose.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements-dev.lock
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--all-build-deps --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

.PHONY: run chat test test-heavy test-any-day lint unit i18n content-check bench lock clean

$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

chat: $(STAMP)
	$(BIN)/python -m bot chat

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench tools
	$(BIN)/ruff format --check bot tests bench tools
	$(BIN)/mypy bot
	$(BIN)/lint-imports

# Two workers (this machine has 2 cores); a test that stops PostgreSQL runs alone afterwards.
JOBS ?= 2
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n $(JOBS) -m "not heavy and not alone"
	$(BIN)/python -m pytest -q -m "alone and not heavy"

test: lint unit

# The long fault, kill and fuzz runs (minutes); CI runs them after `make test`.
test-heavy: $(STAMP)
	$(BIN)/python -m pytest -q -m heavy

# The same checks with the system clock 400 days ahead (Debian package faketime).
test-any-day: $(STAMP)
	faketime -f '+400d' $(MAKE) test

i18n: $(STAMP)
	$(BIN)/python -m bot i18n update
	$(BIN)/python -m bot i18n status

content-check: $(STAMP)
	$(BIN)/python -m bot content check

bench: $(STAMP)
	$(BIN)/python bench/journey_latency.py

# Resolve the newest versions that pyproject.toml allows and write both locks (then `make test`);
# the runtime lock (Dockerfile) takes the same versions as the development lock.
# One package only: make lock UPGRADE="--upgrade-package babel"
UPGRADE ?= --upgrade
lock: $(STAMP)
	$(COMPILE) $(UPGRADE) --extra dev -o requirements-dev.lock pyproject.toml
	$(COMPILE) --constraint requirements-dev.lock -o requirements.lock pyproject.toml
	touch $(LOCK)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
