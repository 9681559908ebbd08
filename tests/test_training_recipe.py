"""One source for the training recipe: utils/recipe.py is notebook 02's #@save cells, and the
notebook's own training run gives the cached model's weights."""

import json

import nbformat
import numpy as np
import pytest

from tools import recipes
from utils import artifacts, config, data, recipe, training

RECIPE = recipes.RECIPES["training"]


def saved_cells(notebook):
    return [
        c
        for c in notebook.cells
        if c.cell_type == "code" and c.source.startswith(recipes.SAVE_MARK)
    ]


def test_the_package_recipe_is_the_notebooks_saved_cells():
    assert RECIPE.module.read_text() == recipes.source("training"), (
        "utils/recipe.py differs from notebook 02's #@save cells: run python -m tools.recipes "
        "(and review the diff)"
    )


def test_an_edited_saved_cell_is_a_difference(tmp_path):
    notebook = nbformat.read(RECIPE.notebook, as_version=4)
    cells = saved_cells(notebook)
    assert [c.source.split("\n")[1].split("(")[0] for c in cells][:1] == ["def small_cnn"]
    cells[1].source = cells[1].source.replace("keras.optimizers.Adam(", "keras.optimizers.SGD(")
    edited = tmp_path / "02.ipynb"
    nbformat.write(notebook, edited)
    assert "keras.optimizers.SGD(" in recipes.source("training", edited)
    assert recipes.source("training", edited) != RECIPE.module.read_text()
    for cell in cells:
        cell.source = cell.source.replace(recipes.SAVE_MARK, "# no longer saved")
    nbformat.write(notebook, edited)
    with pytest.raises(ValueError, match="no cell starting with #@save"):
        recipes.source("training", edited)


def test_the_helper_trains_with_the_recipe():
    # the names utils.training trains with are the generated module's, not copies
    for name in ("small_cnn", "compile_model", "training_callbacks", "EpochTimer", "PATIENCE"):
        assert getattr(training, name) is getattr(recipe, name)


def test_compile_model_sets_the_recipes_loss_optimizer_and_schedule():
    model = recipe.compile_model(recipe.small_cnn(3, 16, filters=(4,)), steps_per_epoch=5, epochs=4)
    assert model.loss == "sparse_categorical_crossentropy"
    schedule = model.optimizer._learning_rate  # Keras 2 keeps the schedule there
    assert schedule.decay_steps == 20 and schedule.initial_learning_rate == recipe.LEARNING_RATE
    assert float(schedule(20)) == pytest.approx(0, abs=1e-9)  # cosine: down to zero at the end
    callbacks, timer = recipe.training_callbacks("some/folder", epochs=15, n_validation=900)
    stopping, best = callbacks[0], callbacks[1]
    assert timer in callbacks and stopping.patience == recipe.PATIENCE
    # by hand: 15 // 2 = 7 epochs unwatched; one SE at p = 0.5 on 900 images: 0.5 / 30
    assert stopping.start_from_epoch == 7 == best.start_from_epoch
    assert stopping.min_delta == pytest.approx(0.5 / 30)
    assert best.path.endswith("best.weights.h5")


class _Model:
    """Stands in for a Keras model: weights are one number, the epoch that set them."""

    def __init__(self):
        self.weights, self.saved = None, []

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights

    def save_weights(self, path):
        self.saved.append(self.weights)


def test_best_weights_keeps_the_best_watched_epoch_not_the_last_or_an_unwatched_one():
    best = recipe.BestWeights("some/best.weights.h5", start_from_epoch=2)
    model = best.model = _Model()
    best.on_train_begin()
    # epoch 1 (index 0) is the highest but unwatched; index 3 ties index 2 (the first is kept)
    for epoch, accuracy in enumerate([0.9, 0.5, 0.7, 0.7, 0.6]):
        model.weights = epoch
        best.on_epoch_end(epoch, {"val_accuracy": accuracy})
    best.on_train_end()
    assert (best.best_epoch, model.weights, model.saved) == (3, 2, [2])


def test_the_notebooks_training_run_gives_the_cached_models_weights(monkeypatch):
    """Run notebook 02's own training cell (smoke: the profile's 3 epochs) and compare its weights
    with the course's cached model, trained by utils.training.train: one recipe, same order."""
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    cfg = config.settings()
    cached, history = training.trained_model()
    notebook = nbformat.read(RECIPE.notebook, as_version=4)
    cell = next(
        c.source for c in notebook.cells if c.cell_type == "code" and "my_model.fit(" in c.source
    )
    space = {
        "EPOCHS": None,
        "cfg": cfg,
        "training": training,
        "data": data,
        "config": config,
        "class_names": data.class_names(),
        **{k: getattr(recipe, k) for k in ("small_cnn", "compile_model", "training_callbacks")},
    }
    exec(compile(cell, "02_training_keras.ipynb (your run)", "exec"), space)
    assert space["my_history"]["val_accuracy"] == pytest.approx(history["val_accuracy"])
    assert all(
        np.array_equal(a, b) for a, b in zip(space["my_model"].get_weights(), cached.get_weights())
    )
    folder = artifacts.get("training.model")
    assert (
        json.loads((folder / artifacts.MANIFEST).read_text())["settings"]["model"] == "small_cnn/3"
    )
