"""Notebooks 01-08: progress bars for the long builds (training, the sweeps, the conversions).

One bar per build, from tqdm (the field's standard): in a notebook it is tqdm's widget, in a
terminal or a papermill log it is a line of text. Each bar shows the step count of a known total,
the current step in words, the elapsed time and tqdm's estimate of what is left. A build that
calls another (the channel sweep trains the model first) shows the inner build's bar beneath the
outer one, and an inner fit's epochs (:class:`EpochBar`) close when the fit ends.

    with progress.bar(len(steps), "pruning.channels") as bar:
        for step in steps:
            bar.step(f"seed 0, L1, 50 %")  # shown beside the bar while this step runs
            ...
"""

from __future__ import annotations

import contextlib
import warnings

import tf_keras as keras  # the course's models are Keras 2's (tf_keras), as tfmot needs

with warnings.catch_warnings():  # tqdm.auto warns that its notebook bar is "experimental"
    warnings.simplefilter("ignore")
    from tqdm.auto import tqdm


class Bar:
    """A build's bar: :meth:`step` names the step about to run and counts the one before."""

    def __init__(self, total: int, what: str, unit: str = "step", leave: bool = True):
        self._bar = tqdm(total=total, desc=what, unit=unit, leave=leave, dynamic_ncols=True)
        self._started = False

    def step(self, words: str) -> None:
        if self._started:
            self._bar.update(1)
        self._started = True
        self._bar.set_postfix_str(words, refresh=True)

    def close(self, words: str = "done") -> None:
        if self._started:
            self._bar.update(1)
        self._bar.set_postfix_str(words, refresh=False)
        self._bar.close()

    @property
    def count(self) -> int:
        return int(self._bar.n)


@contextlib.contextmanager
def bar(total: int, what: str, unit: str = "step", leave: bool = True):
    """A :class:`Bar` of ``total`` steps named ``what``, closed when the block ends."""
    if total < 0:
        raise ValueError(f"A progress bar needs a total of at least 0 steps, not {total}.")
    made = Bar(total, what, unit, leave)
    try:
        yield made
    finally:
        made.close()


class EpochBar(keras.callbacks.Callback):
    """A Keras callback: one bar over a fit's epochs (with the last epoch's validation accuracy
    where there is one), in place of Keras's own per-epoch lines (fit with ``verbose=0``)."""

    def __init__(self, epochs: int, what: str, leave: bool = False):
        super().__init__()
        self.epochs, self.what, self.leave = epochs, what, leave
        self._bar: tqdm | None = None

    def on_train_begin(self, logs=None):
        self._bar = tqdm(
            total=self.epochs, desc=self.what, unit="epoch", leave=self.leave, dynamic_ncols=True
        )

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is None:
            return
        logs = logs or {}
        watched = logs.get("val_accuracy", logs.get("accuracy"))
        if watched is not None:
            name = "validation accuracy" if "val_accuracy" in logs else "accuracy"
            self._bar.set_postfix_str(f"{name} {float(watched):.3f}", refresh=False)
        self._bar.update(1)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            if self._bar.n < self.epochs:
                self._bar.set_postfix_str(f"stopped after epoch {self._bar.n}", refresh=False)
            self._bar.close()
            self._bar = None
