"""Tooling: the pages of the course's book (``tools/book.py``): each executed notebook made into a
book page, the links that must resolve in the book, the machine that produced each page's numbers.

The **student book** shows the student copies (``student/``): each code cell that the student
copy shares with the instructor's notebook (same cell id, same source) gets its outputs from the
executed instructor copy of the last ``make run``; an exercise's cell stays the student copy's
stub, without outputs. The outputs of the check cells and of every cell that reads a name an
exercise defines (or a name computed from one, :func:`answer_dependent`) are left out too: they
were computed from the model answer (a checker's "Correct", a prediction revealed). The
**teachers' book** shows the executed instructor copies as they ran, solutions included.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat

from tools import bootstrap_cell

BOOK_PAGES = {"intro", "summary", "instructor"}  # the pages beside the notebooks
BLOB = f"{bootstrap_cell.DEFAULT_REPO}/blob/{bootstrap_cell.DEFAULT_REF}"
LEFT_OUT = (
    "Exercises show the student copy's cell: their outputs, and those of the cells that use an "
    "answer, are left out (they came from the model answer); run the notebook to see yours."
)
# a Markdown link's or an HTML attribute's target, relative (no scheme, no leading / or #)
MARKDOWN_LINK = re.compile(r"(\]\()(?![a-z][a-z0-9+.-]*:|/|#)([^)\s]+)(\))")
HTML_LINK = re.compile(r"""((?:href|src)=["'])(?![a-z][a-z0-9+.-]*:|/|#)([^"']+)(["'])""")
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]*)\)")


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_bootstrap(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith("#@title Course bootstrap")


def names(source: str) -> tuple[set[str], set[str]]:
    """(names read, names bound) by a cell's code: reads anywhere (a function's body included),
    bindings at the cell's top level only (a function's locals are not the notebook's); a cell
    Python cannot parse (IPython magic) reads every identifier it contains and binds none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"[A-Za-z_]\w*", source)), set()
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    bound: set[str] = set()
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    local = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

    def visit(node) -> None:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, scopes):
            if not isinstance(node, ast.Lambda):
                bound.add(node.name)
            return
        if not isinstance(node, local):
            for child in ast.iter_child_nodes(node):
                visit(child)

    visit(tree)
    return read, bound


def answer_dependent(cells: list) -> list[bool]:
    """For each cell: were its outputs computed from an answer? True for an exercise's own cells
    (nbgrader ``solution`` or ``grade``), and for a code cell that reads a name an exercise
    bound, or a name bound by such a cell; a name another cell binds afresh is clean again."""
    tainted: set[str] = set()
    flags = []
    for cell in cells:
        meta = nbgrader(cell)
        if cell.cell_type != "code":
            flags.append(bool(meta.get("solution") or meta.get("grade")))
            continue
        read, bound = names(cell.source)
        dependent = bool(meta.get("solution") or meta.get("grade") or read & tainted)
        tainted = (tainted | bound) if dependent else (tainted - bound)
        flags.append(dependent)
    return flags


def student_page(student, executed):
    """The student copy with the executed instructor copy's outputs wherever they did not come
    from an answer (see the module's docstring)."""
    page = copy.deepcopy(student)
    ran = {c.get("id"): c for c in executed.cells if c.cell_type == "code"}
    instructor_flags = dict(
        zip([c.get("id") for c in executed.cells], answer_dependent(executed.cells))
    )
    for cell, dependent in zip(page.cells, answer_dependent(page.cells)):
        if cell.cell_type != "code":
            continue
        source = ran.get(cell.get("id"))
        same = source is not None and source.source == cell.source
        if same and not dependent and not instructor_flags.get(cell.get("id")):
            cell.outputs = copy.deepcopy(source.outputs)
            cell.execution_count = source.get("execution_count")
        else:
            cell.outputs, cell.execution_count = [], None
    return page


def target(link: str, page_names: set[str], here: str = "") -> str | None:
    """Where a relative link of the course's files points in the book: a notebook (``X.ipynb``,
    ``../notebooks/X.ipynb``, ``student/X.ipynb``) → its page, the guide → its page (``None`` when
    the book has no such page: then the repository's file); ``here`` is the linking file's folder
    in the repository (``docs``, ``notebooks`` or ``""``). Returns the new link."""
    path, _, anchor = link.partition("#")
    suffix = f"#{anchor}" if anchor else ""
    name = Path(path).name
    if name.endswith(".ipynb") and Path(name).stem in page_names:
        return f"{Path(name).stem}.ipynb{suffix}"
    if path == name and name.endswith(".md") and Path(name).stem in BOOK_PAGES & page_names:
        return link  # the book's own page (the summary), written for the book
    parts = [p for p in (Path(here) / path).parts if p != "."]
    resolved: list[str] = []
    for part in parts:
        if part == "..":
            if resolved:
                resolved.pop()
        else:
            resolved.append(part)
    repo_path = "/".join(resolved)
    if repo_path == "docs/instructor.md" and "instructor" in page_names:
        return f"instructor.md{suffix}"
    if repo_path == "README.md" and not anchor:
        return "intro.md"
    return f"{BLOB}/{repo_path}{suffix}" if repo_path else None


def relink(text: str, page_names: set[str], here: str = "", html: bool = False) -> str:
    """Every relative link in Markdown (or HTML, ``html``) text pointed where the book has it;
    in HTML a notebook's page is ``X.html``. A Colab badge becomes a text link (no image from
    outside the site)."""
    text = BADGE.sub(r"[Open in Colab](\1)", text)

    def swap(match):
        new = target(match[2], page_names, here)
        if new is None:
            return match[0]
        if html:
            new = re.sub(r"^([^/#]+)\.(ipynb|md)(#|$)", r"\1.html\3", new)
        return f"{match[1]}{new}{match[3]}"

    text = HTML_LINK.sub(swap, text)
    return text if html else MARKDOWN_LINK.sub(swap, text)


def relink_notebook(notebook, page_names: set[str]) -> None:
    """:func:`relink` on every Markdown cell and every Markdown or HTML output, in place."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = relink(cell.source, page_names, "notebooks")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                data["text/markdown"] = relink(data["text/markdown"], page_names, "notebooks")
            if "text/html" in data:
                data["text/html"] = relink(data["text/html"], page_names, "notebooks", html=True)


def provenance(run: dict) -> str:
    """One admonition: where and when this page's numbers were produced (``run``: see
    ``tools.book.provenance_of``)."""
    lines = [
        f"Executed on {run['when']} ({run['seconds']:.0f} s, profile `{run['profile']}`) on "
        f"{run['machine']}.",
        f"The reference machine: {run['reference']}. Every number beside the reference: "
        "[what the series measured](summary.md).",
    ]
    if run.get("bundle"):
        lines.append(
            f"{run['bundle']} of its figures were measured on the machine that built the class "
            "bundle this run unpacked, not on this one."
        )
    return (
        ":::{admonition} Where this page's numbers come from\n:class: note\n"
        + "\n".join(lines)
        + "\n:::"
    )


def book_page(notebook, run: dict, page_names: set[str], student: bool):
    """The notebook as the book shows it: the bootstrap cell removed, the provenance note under
    the title (and, in the student book, what is left out), links pointed at the book's pages."""
    page = copy.deepcopy(notebook)
    page.cells = [c for c in page.cells if not is_bootstrap(c)]
    for cell in page.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], "remove-cell"]
    note = provenance(run) + (f"\n\n{LEFT_OUT}" if student else "")
    title = next((i for i, c in enumerate(page.cells) if c.cell_type == "markdown"), -1)
    page.cells.insert(title + 1, nbformat.v4.new_markdown_cell(note))
    relink_notebook(page, page_names)
    return page


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.book_pages NOTEBOOK``: the code cells whose outputs the student book
    leaves out (an exercise's, or computed from an answer)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m tools.book_pages", description=main.__doc__)
    parser.add_argument("notebook", type=Path, help="e.g. notebooks/05_int8_tflite.ipynb")
    notebook = nbformat.read(parser.parse_args(argv).notebook, as_version=4)
    for number, (cell, dependent) in enumerate(
        zip(notebook.cells, answer_dependent(notebook.cells)), start=1
    ):
        if dependent and cell.cell_type == "code":
            first = next((l for l in cell.source.splitlines() if l.strip()), "")
            print(f"cell {number:>3}: {first[:80]}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
