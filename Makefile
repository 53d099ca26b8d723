# Two commands for a newcomer: `make up` runs the lab, `make test` proves it.
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
RUN_INSTALLED := $(VENV)/.installed-run
DEV_INSTALLED := $(VENV)/.installed-dev
# Offline rooms: `make vendor` once on a connected machine fills vendor/ with wheels, and
# `make up` then installs from there without any network.
PIP_SOURCE := $(if $(wildcard vendor/*.whl),--no-index --find-links vendor,)

.PHONY: up test install lint format system-packages test-packages vendor clean

up: system-packages $(RUN_INSTALLED)
	$(VENV_PYTHON) -m lab up $(ARGS)

# The packages first: python3-venv among them, before the .venv is made.
test: test-packages $(DEV_INSTALLED) lint
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

install: $(DEV_INSTALLED)

lint: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_INSTALLED)
	$(VENV)/bin/ruff format .

system-packages:
	@scripts/system-packages.sh

test-packages:
	@scripts/system-packages.sh chromium wrk

vendor:
	$(PYTHON) -m pip download --dest vendor -r requirements.txt

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(RUN_INSTALLED): requirements.txt | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet $(PIP_SOURCE) -r requirements.txt
	touch $(RUN_INSTALLED)

$(DEV_INSTALLED): requirements.txt requirements-dev.txt | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $(RUN_INSTALLED) $(DEV_INSTALLED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
