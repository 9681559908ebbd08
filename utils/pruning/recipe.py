"""Notebook 04a: the pruning recipe (tfmot), generated from the notebook's ``#@save`` cells.

Generated, do not edit utils/pruning/recipe.py: edit the cells of
notebooks/04a_pruning_magnitude.ipynb that start with ``#@save``, then run ``python -m
tools.recipes``; ``python -m tools.recipes --check`` and tests/test_pruning_recipe.py fail while
the two differ. utils.pruning prunes the sparsity sweep (artifact ``pruning.sweep``) with it.
"""

from utils import config  # noqa: F401  (first: the Keras-2 guard)

import tensorflow_model_optimization as tfmot
import tf_keras as keras


FINETUNE_LEARNING_RATE = 1e-3  # where the cosine decay of the fine-tuning starts


def schedule_for(target_sparsity, steps):
    """Sparsity rising from 0 to ``target_sparsity`` over the first 3/4 of ``steps`` fine-tuning
    steps, pruning every few steps; the last quarter trains at the final sparsity to recover."""
    if not 0 <= target_sparsity < 1:
        raise ValueError(f"target_sparsity={target_sparsity!r}: use a fraction from 0 up to (not "
                         "including) 1, e.g. 0.8 for 80 % zeros.")
    if steps < 4:
        raise ValueError(f"steps={steps}: pruning needs at least 4 fine-tuning steps.")
    frequency = max(1, steps // 40)
    end_step = max(frequency, (3 * steps // 4) // frequency * frequency)
    return tfmot.sparsity.keras.PolynomialDecay(initial_sparsity=0.0,
                                                final_sparsity=target_sparsity, begin_step=0,
                                                end_step=end_step, frequency=frequency)


def prune(model, target_sparsity, train_ds, epochs, verbose=0):
    """Magnitude-prune a copy of ``model`` while fine-tuning it; return the stripped, plain model.

    Every Conv2D layer but the first is pruned: the first has few weights and every one of them
    matters (tfmot's guide advises leaving such layers alone), and the small classifier stays too.
    ``verbose=2`` prints the schedule, then one line per epoch.
    """
    steps = epochs * sum(1 for _ in train_ds)  # the real number of fine-tuning steps
    schedule = schedule_for(target_sparsity, steps)
    if verbose:
        print(f"{steps} fine-tuning steps;", {k: schedule.get_config()["config"][k] for k in
              ("initial_sparsity", "final_sparsity", "begin_step", "end_step", "frequency")})
    copy = keras.models.clone_model(model)  # work on a copy: the trained model stays as it is
    copy.set_weights(model.get_weights())
    first = next(layer for layer in copy.layers if isinstance(layer, keras.layers.Conv2D))

    def wrap(layer):
        if isinstance(layer, keras.layers.Conv2D) and layer is not first:
            return tfmot.sparsity.keras.prune_low_magnitude(layer, pruning_schedule=schedule)
        return layer

    pruned = keras.models.clone_model(copy, clone_function=wrap)
    learning_rate = keras.optimizers.schedules.CosineDecay(FINETUNE_LEARNING_RATE, steps)
    pruned.compile(optimizer=keras.optimizers.Adam(learning_rate),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    pruned.fit(train_ds, epochs=epochs, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()],
               verbose=verbose)
    return tfmot.sparsity.keras.strip_pruning(pruned)
