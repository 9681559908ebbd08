# Deep Learning Training vs Inference: see README.md.
# Every target sets up .venv first if it is missing or older than pyproject.toml.

PYTHON ?= python3
PROFILE ?= full
LAB_ARGS ?=
EXPLORE_PORT ?= 8866
# the browser the explorer's browser test drives (Debian's chromium package by default)
CHROMIUM ?= /usr/bin/chromium
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready

PHOTOS := build/test-photos

.PHONY: help setup run reference test test-photos lab explore student clean check-python chromium

help:
	@echo "make run      execute every notebook (PROFILE=$(PROFILE)), render HTML and a summary into build/"
	@echo "make test     unit tests, every notebook through nbval in the smoke profile, the explorer in headless Chromium"
	@echo "make test-photos  every notebook (smoke) on harder own photos with only train/ and test/ (CI runs it too)"
	@echo "make reference    make run in full, then save its numbers as data/reference_results.json (course maintainers)"
	@echo "make lab      JupyterLab on 127.0.0.1, opened in notebooks/"
	@echo "make explore  the trade-off explorer (notebook 07) as a web app on http://127.0.0.1:$(EXPLORE_PORT)/ (PROFILE=$(PROFILE))"
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

reference: $(READY)
	$(PY) -m utils.runner --profile full --update-reference

test: $(READY) chromium
	@echo "== unit tests"
	$(PY) -m pytest tests --ignore=tests/test_explorer_browser.py
	@echo "== notebooks through nbval, smoke profile"
	COURSE_PROFILE=smoke $(PY) -m pytest --nbval-lax --nbval-current-env notebooks
	@# Last, so that the app finds the smoke artifacts nbval has just cached in build/.
	@echo "== the explorer app (notebook 07 in Voila) in headless Chromium"
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/test_explorer_browser.py

# The browser test drives a system Chromium (Playwright downloads none): install Debian's
# package when it is missing and we may (root, or sudo), else say what to install.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  hint="install Chromium (Debian: apt-get install chromium) or name yours: make test CHROMIUM=/path/to/chromium"; \
	  if [ "$(CHROMIUM)" != /usr/bin/chromium ] || ! command -v apt-get >/dev/null; then \
	    echo "The explorer's browser test needs Chromium, which is not at $(CHROMIUM): $$hint." >&2; exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null; then sudo=sudo; \
	  else echo "The explorer's browser test needs Chromium: as root, run apt-get install chromium, then make test again." >&2; exit 1; \
	  fi; \
	  echo "Installing Debian's chromium package for the explorer's browser test ..."; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q chromium \
	    && test -x "$(CHROMIUM)" || { echo "Could not install chromium with apt-get: $$hint." >&2; exit 1; }; \
	fi

# The series on data it was not written on: generated photos at the hardest difficulty, saved as
# JPEG files of several sizes in train/ and test/ only (no validation/, no novel/).
test-photos: $(READY)
	$(PY) tools/make_photos.py $(PHOTOS)
	COURSE_PROFILE=smoke COURSE_DATASET=my_images COURSE_MY_IMAGES=$(PHOTOS) COURSE_BUILD_DIR=build/photos \
	  $(PY) -m pytest --nbval-lax --nbval-current-env notebooks

lab: $(READY)
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(LAB_ARGS)

explore: $(READY)
	$(PY) -m utils.explorer --profile $(PROFILE) --port $(EXPLORE_PORT)

student: $(READY)
	$(PY) -m utils.exercises

clean:
	rm -rf build
