"""Notebooks 00-08 and the appendices: one sentence shown, the rest folded (an HTML ``<details>``).

A generated paragraph a student must read is one sentence; what supports it (the reference
machine's figures, the reasons, the caveats, a long table) folds beneath it, opened with a click.
JupyterLab, Colab and nbconvert's HTML all render ``<details>``; the blank lines around the folded
text let the Markdown inside it (bold, links, tables) render too. ``tools/words.py`` leaves what
is folded out of a notebook's reading.
"""

from __future__ import annotations

import html

SUMMARY = "The reference machine, reasons and caveats"  # the folded block's title


def fold(headline: str, details: str, summary: str = SUMMARY) -> str:
    """Markdown that shows ``headline`` and folds ``details`` under a ``<summary>`` line (the
    headline may be empty: then only the summary line shows)."""
    if not details:
        return headline
    return (
        f"{headline}\n\n<details><summary>{html.escape(summary)}</summary>\n\n"
        f"{details}\n\n</details>\n"
    ).lstrip("\n")
