"""Notebooks 00-08: verdicts, sentences generated from measurements beside the reference machine.

A notebook *asserts* only what holds on every machine and every dataset (arithmetic, shapes,
byte counts). Whatever depends on the hardware, its load or the data (int8 being faster,
batching helping, an accuracy above a bar, one variant beating another) is a *verdict*: a
Markdown sentence built here from what this run measured and whether it agrees with the reference
machine; what the reference machine measured for the same figure and, where the two disagree, the
likely reasons (:mod:`utils.reference`) fold into an HTML ``<details>`` block beneath it.

Give a verdict the :class:`~utils.figures.Figure` values a notebook recorded, and it finds the
reference machine's figures by their own keys::

    int8, f32 = log.record("int8_p50_ms", ...), log.record("float32_p50_ms", ...)
    v = verdicts.faster("int8", int8, "float32", f32, reasons=("int8",))
    v            # shown as Markdown in a notebook: one sentence, the details folded beneath
    v.headline   # the sentence: what this run measured, and whether it agrees with the reference
    v.details    # the reference machine's figures and description, the likely reasons, caveats
    v.agrees     # True when this run's outcome is the reference machine's

A plain number has no key: pass ``reference=(a, b)`` (the reference machine's numbers) or none.
"""

from utils.reference import (  # noqa: F401  (re-exported: the names notebooks and tools use)
    INT8_FLAGS,
    REFERENCE_DATASET,
    REFERENCE_PATH,
    REFERENCE_PROFILE,
    _load_reference,
    _reference_file,
    cpu_flags,
    cpu_model,
    describe,
    int8_instructions,
    likely_reasons,
    load_average,
    reference_data,
    reference_machine,
    reference_value,
    this_machine,
    write_reference,
)
from utils.verdicts.accuracy import accuracy, accuracy_gap, seeds_compared, standard_error
from utils.verdicts.base import (  # noqa: F401  (re-exported)
    NOISE,
    Verdict,
    _because,
    _num,
    _outcome,
    _reference_one,
    _reference_pair,
    fold,
    verdict,
)
from utils.verdicts.predictions import reveal
from utils.verdicts.training import TrainingStop, finetuned_against_dense, training_stop
from utils.verdicts.timing import _compare, against_reference, faster, higher, lower  # noqa: F401

__all__ = [
    "NOISE",
    "TrainingStop",
    "Verdict",
    "accuracy",
    "accuracy_gap",
    "against_reference",
    "faster",
    "fold",
    "finetuned_against_dense",
    "higher",
    "lower",
    "reveal",
    "seeds_compared",
    "standard_error",
    "training_stop",
    "verdict",
]
