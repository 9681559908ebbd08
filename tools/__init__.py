"""Tooling: the machinery around the notebooks, one command a module (``python -m tools.X``).

The teaching package ``utils`` is what the notebooks' kernel imports; this package is what runs,
grades and checks them. It may import ``utils``; ``utils`` never imports it (a test checks), and
``python -m utils <command>`` reaches it only through subprocesses.

- ``runner``: ``make run``, every notebook executed, rendered and summarised;
- ``grading``: ``make assignments`` and ``make grade`` with nbgrader;
- ``student_copies``: nbgrader's student copies of the notebooks, committed in ``student/``;
- ``browser``: the Chromium for the explorer's browser test;
- ``colab``: ``make test-colab``, every notebook outside the repository in a Colab-like venv;
- ``colab_setup``: the second half of every notebook's bootstrap cell (installs what the runtime
  lacks), run in the kernel's own process;
- ``bootstrap_cell``: writes that cell and the "Open in Colab" badge into the notebooks;
- ``nbgrader_metadata``: writes nbgrader's cell metadata and each notebook's points;
- ``make_photos``: the harder "own photos" of ``make test-photos``;
- ``import_graph``: the import graph of utils and tools, its cycles and sizes;
- ``notebook_lines``: what the notebooks' code lines are spent on.

Nothing is imported here, so that ``python -m tools.X`` loads only what X needs.
"""
