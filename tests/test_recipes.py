"""The recipe tooling: a notebook's #@save cells become a generated module (the mark dropped, a
"generated, do not edit" header first), and --check names the recipe whose module drifted."""

import dataclasses
import subprocess
import sys

import nbformat
import pytest

from tools import recipes, series


def notebook_with(tmp_path, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("#@save is only a mark in code")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / "99_example.ipynb"
    nbformat.write(notebook, path)
    return path


def example(tmp_path, notebook):
    return dataclasses.replace(
        recipes.RECIPES["training"],
        name="example",
        notebook=notebook,
        module=tmp_path / "example.py",
    )


def test_export_joins_the_saved_cells_in_order_without_their_mark(tmp_path):
    path = notebook_with(
        tmp_path, "#@save\nA = 1\n", "print(A)", "#@save\n\ndef twice(x):\n    return 2 * x"
    )
    assert recipes.export(path, '"""Header."""\n') == (
        '"""Header."""\n\n\nA = 1\n\n\ndef twice(x):\n    return 2 * x\n'
    )
    with pytest.raises(ValueError, match="no cell starting with #@save"):
        recipes.export(notebook_with(tmp_path, "A = 1  #@save"), "")


def test_every_header_says_generated_and_names_its_notebook():
    for recipe in recipes.RECIPES.values():
        header = recipe.header()
        assert header.startswith(f'"""Notebook {series.number(recipe.notebook.stem)}: ')
        assert "Generated, do not edit" in header
        assert recipe.notebook.name in header.replace("\n", " ")
        assert max(len(line) for line in header.splitlines()) <= 100


def test_writing_then_checking(tmp_path, capsys):
    recipe = example(tmp_path, notebook_with(tmp_path, "#@save\nA = 1\n"))
    assert recipes.main(["--check"], {"example": recipe}) == 1  # no module yet
    assert "recipe 'example'" in capsys.readouterr().err
    assert recipes.main([], {"example": recipe}) == 0
    assert recipe.module.read_text() == recipe.header() + "\n\nA = 1\n"
    assert recipes.main(["--check"], {"example": recipe}) == 0
    recipe.module.write_text(recipe.module.read_text().replace("A = 1", "A = 2"))  # edited by hand
    assert recipes.main(["--check"], {"example": recipe}) == 1
    assert "recipe 'example'" in capsys.readouterr().err


def test_the_repository_recipes_match_their_notebooks():
    run = subprocess.run(
        [sys.executable, "-m", "tools.recipes", "--check"],
        capture_output=True,
        text=True,
        cwd=recipes.ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "training, pruning, conversion" in run.stdout
