# Two commands for a newcomer: `make up` runs the lab, `make test` proves it.
PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: up test install lint format system-packages clean

up: system-packages $(INSTALLED)
	$(VENV_PYTHON) -m lab up $(ARGS)

test: $(INSTALLED) lint
	@scripts/system-packages.sh chromium wrk
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff format .

install: $(INSTALLED)

system-packages:
	@scripts/system-packages.sh

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $(INSTALLED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
