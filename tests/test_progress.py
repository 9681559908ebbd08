"""Progress bars on long builds (utils/progress.py): a total, the step in words, the epochs of a
fit; in a terminal (and here) tqdm writes them as text to stderr."""

import uuid

import numpy as np
import pytest
import tf_keras as keras

from utils import artifacts, progress


def test_a_build_shows_a_bar_with_its_total_and_the_step_in_words(capsys):
    name = f"test.{uuid.uuid4().hex}"

    @artifacts.register(name, settings=dict, what="three slow steps")
    def build(folder, settings):
        with progress.bar(3, "three slow steps") as bar:
            for step in ("first", "second", "third"):
                bar.step(f"the {step} step")
        (folder / "done.txt").write_text("ok")

    artifacts.get(name)
    said = capsys.readouterr()
    assert "three slow steps" in said.out  # the sentence before the build
    assert "0/3" in said.err and "3/3" in said.err  # the bar, from nothing to its total
    assert "the third step" in said.err


def test_steps_count_the_one_before_and_close_counts_the_last():
    with progress.bar(2, "two") as bar:
        bar.step("a")
        assert bar.count == 0  # "a" is running: nothing finished yet
        bar.step("b")
        assert bar.count == 1
    assert bar.count == 2


def test_a_negative_total_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="at least 0 steps"):
        with progress.bar(-1, "x"):
            pass


def tiny_fit(epochs, callbacks):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(2)])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.zeros((8, 2), np.float32), np.zeros(8, np.int64)
    model.fit(x, y, validation_data=(x, y), epochs=epochs, callbacks=callbacks, verbose=0)


def test_a_fit_shows_one_bar_over_its_epochs_with_the_validation_accuracy(capsys):
    tiny_fit(3, [progress.EpochBar(3, "training", leave=True)])
    err = capsys.readouterr().err
    assert "3/3" in err and "validation accuracy" in err


def test_a_fit_stopped_early_says_after_which_epoch(capsys):
    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    tiny_fit(5, [StopAfterTwo(), progress.EpochBar(5, "training", leave=True)])
    err = capsys.readouterr().err
    assert "2/5" in err and "stopped after epoch 2" in err
