"""One source for the pruning recipe: utils/pruning/recipe.py is notebook 04a's #@save cell, the
package prunes with that cell's function, and an edited cell without a new export is caught."""

import dataclasses

import nbformat
import numpy as np
import tensorflow as tf

from tools import recipes
from utils import pruning, training
from utils.pruning import recipe, sweeps

RECIPE = recipes.RECIPES["pruning"]


def saved_cells(notebook):
    return [
        c
        for c in notebook.cells
        if c.cell_type == "code" and c.source.startswith(recipes.SAVE_MARK)
    ]


def test_the_package_recipe_is_the_notebooks_saved_cell():
    assert RECIPE.module.read_text() == recipes.source("pruning"), (
        "utils/pruning/recipe.py differs from notebook 04a's #@save cell: run python -m "
        "tools.recipes (and review the diff)"
    )


def test_an_edited_pruning_cell_is_a_difference(tmp_path, capsys):
    notebook = nbformat.read(RECIPE.notebook, as_version=4)
    [cell] = saved_cells(notebook)
    assert "def prune(" in cell.source and "prune_low_magnitude" in cell.source
    cell.source = cell.source.replace("layer is not first", "True")  # prune the first layer too
    edited = tmp_path / "04.ipynb"
    nbformat.write(notebook, edited)
    assert "isinstance(layer, keras.layers.Conv2D) and True" in recipes.source("pruning", edited)
    assert recipes.source("pruning", edited) != RECIPE.module.read_text()
    doctored = {"pruning": dataclasses.replace(RECIPE, notebook=edited)}
    assert recipes.drifted(doctored) == ["pruning"]
    assert recipes.main(["--check"], doctored) == 1
    assert "recipe 'pruning'" in capsys.readouterr().err


def test_the_package_prunes_with_the_notebooks_function():
    for name in ("prune", "schedule_for", "FINETUNE_LEARNING_RATE"):
        assert getattr(pruning, name) is getattr(recipe, name)
    assert sweeps.prune is recipe.prune  # the sweep's pruning is the notebook's too


def test_the_notebook_runs_its_recipe_and_retypes_none_of_it():
    notebook = nbformat.read(RECIPE.notebook, as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    [saved] = [i for i, source in enumerate(code) if source.startswith(recipes.SAVE_MARK)]
    assert "prune(model, 0.80, train_ds, cfg.finetune_epochs, verbose=2)" in code[saved + 1]
    assert [i for i, source in enumerate(code) if "prune_low_magnitude" in source] == [saved]


def test_verbose_prints_the_schedule_before_the_epochs(capsys):
    images = np.random.default_rng(0).random((32, 16, 16, 3), dtype=np.float32)
    ds = tf.data.Dataset.from_tensor_slices((images, np.arange(32) % 3)).batch(8)
    model = training.small_cnn(3, 16, filters=(4, 8))
    recipe.prune(model, 0.5, ds, epochs=1)
    assert capsys.readouterr().out == ""  # what the sweep uses: quiet
    recipe.prune(model, 0.5, ds, epochs=1, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "4 fine-tuning steps; {'initial_sparsity': 0.0, 'final_sparsity': 0.5"
    )
    assert len(lines) == 2 and "loss:" in lines[1]  # then the epoch's one line
