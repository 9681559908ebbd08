# Deep Learning Training vs Inference: see README.md.
# Every target sets up .venv first if it is missing or older than pyproject.toml.

PYTHON ?= python3
PROFILE ?= full
LAB_ARGS ?=
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready

.PHONY: help setup run test lab student clean check-python

help:
	@echo "make run      execute every notebook (PROFILE=$(PROFILE)), render HTML and a summary into build/"
	@echo "make test     unit tests, then every notebook through nbval in the smoke profile"
	@echo "make lab      JupyterLab on 127.0.0.1, opened in notebooks/"
	@echo "make student  student copies without solutions, in build/student/"
	@echo "make clean    delete build/ (everything generated; .venv stays)"

check-python:
	@version=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	case "$$version" in \
	  3.1[0-3]) ;; \
	  "") echo "No Python found as '$(PYTHON)': install Python 3.10-3.13 (3.11 is tested) and run: make PYTHON=python3.11 $(MAKECMDGOALS)" >&2; exit 1 ;; \
	  *) echo "'$(PYTHON)' is Python $$version, but the course needs Python 3.10-3.13 (3.11 is tested): install one and run: make PYTHON=python3.11 $(MAKECMDGOALS)" >&2; exit 1 ;; \
	esac

$(READY): pyproject.toml
	@$(MAKE) --no-print-directory check-python
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the pinned stack into $(VENV) (the first time takes a few minutes) ..."
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

setup: $(READY)

run: $(READY)
	$(PY) -m utils.runner --profile $(PROFILE)

test: $(READY)
	@echo "== unit tests"
	$(PY) -m pytest tests
	@echo "== notebooks through nbval, smoke profile"
	COURSE_PROFILE=smoke $(PY) -m pytest --nbval-lax --nbval-current-env notebooks

lab: $(READY)
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(LAB_ARGS)

student: $(READY)
	$(PY) -m utils.exercises

clean:
	rm -rf build
