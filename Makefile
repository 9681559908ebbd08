# Deep Learning Training vs Inference: see README.md.
# Every target is a thin call to `python -m utils <command>` (utils/__main__.py), which also runs
# without make (Windows: see the README). The commands set up .venv first when it is missing,
# half-made or older than pyproject.toml / constraints.txt, then run the machinery in tools/ as
# `python -m tools.<module>` (runner, grading, browser, colab, make_photos, book) in .venv.

PYTHON ?= python3
PROFILE ?= full
LAB_ARGS ?=
EXPLORE_PORT ?= 8866
SUBMISSIONS ?=
BOOK_ARGS ?=
COURSE := $(PYTHON) -m utils

.PHONY: help setup setup-check run reference test test-photos test-colab lab explore assignments grade book bundle clean

help:
	@$(COURSE) --help

setup:
	$(COURSE) setup

setup-check:
	$(COURSE) setup-check

run:
	$(COURSE) run --profile $(PROFILE)

# make run in full, then save its numbers as data/reference_results.json (course maintainers;
# python -m tools.runner --profile full --update-reference)
reference:
	$(COURSE) reference

# unit tests, every notebook through nbval (smoke), then the explorer in headless Chromium
test:
	$(COURSE) test

# The series on data it was not written on: generated photos at the hardest difficulty, saved as
# JPEG files of several sizes in train/ and test/ only (no validation/, no novel/).
test-photos:
	$(COURSE) test-photos

# Every notebook outside the repository, in a venv with Google Colab's package versions, fetching
# the course with its bootstrap cell from a local clone (python -m tools.colab; one notebook:
# python -m tools.colab --notebook 00_start_here).
test-colab:
	$(COURSE) test-colab

lab:
	$(COURSE) lab $(LAB_ARGS)

explore:
	$(COURSE) explore --profile $(PROFILE) --port $(EXPLORE_PORT)

# nbgrader: release every notebook (build/nbgrader/release/), then grade a folder of submissions
# (one folder per student) into feedback and build/nbgrader/grades.csv. README: Teaching with it.
assignments:
	$(COURSE) assignments

grade:
	$(COURSE) grade $(SUBMISSIONS)

# The course as a Jupyter Book site in build/book/ (student copies, the last run's outputs; the
# notebooks run first when missing). make book BOOK_ARGS=--teachers: build/book-teachers/, with
# the solutions and the instructor guide (not for publishing). README: Publishing the book.
book:
	$(COURSE) book --profile $(PROFILE) $(BOOK_ARGS)

# The class bundle: every built artifact of the profile in one file (build/course-bundle-*.tar.gz) a
# class unpacks with COURSE_BUNDLE=path-or-URL instead of building. README: Teaching with it.
bundle:
	$(COURSE) bundle --profile $(PROFILE)

clean:
	$(COURSE) clean
