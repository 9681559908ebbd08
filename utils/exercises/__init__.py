"""Notebooks 00-08: the exercises' solution markers and checkers, one module per notebook.

In the committed (instructor's) notebooks an exercise's answer sits between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``, nbgrader's markers, in a cell with nbgrader's metadata
(``tools/nbgrader_metadata.py`` writes it). The locked check cell after it calls one of the
checkers (``exercises.check_...``), which prints what is right or raises :class:`NotYet` saying,
in plain words, what is wrong. nbgrader makes the student copies (``student/``, written by
``python -m tools.student_copies``): each solution replaced by ``raise exercises.Unanswered()``, a
``NotImplementedError`` that IPython shows as one line saying what to do. nbgrader also grades
them (``make grade``, ``tools.grading``): a checker that raises fails its check cell, which then
scores 0, and its hint is that cell's output in the student's feedback.

What every checker shares is in :mod:`utils.exercises.base`; notebook NN's checkers are in
``utils.exercises.nbNN``. Every checker is re-exported here, so a notebook calls
``exercises.check_int8_conv(...)`` after ``from utils import exercises``.
"""

from utils.exercises.base import BEGIN, END, NotYet, Unanswered, check_prediction, close_to
from utils.exercises.nb00 import check_training_arithmetic
from utils.exercises.nb01 import check_augmentation, check_class_counts
from utils.exercises.nb02 import check_learning_curve, check_parameter_count
from utils.exercises.nb03 import check_accuracy, check_batch_choice, check_break_even
from utils.exercises.nb04 import check_l1_norms, check_rare_units
from utils.exercises.nb04a import check_magnitude_mask, check_sparsity_plan
from utils.exercises.nb05 import check_int8_conv, check_int8_value
from utils.exercises.nb06 import (
    check_break_even_bandwidth,
    check_cold_extra,
    check_feet,
    check_lossy_request,
    check_max_fps,
)
from utils.exercises.nb07 import check_server_load
from utils.exercises.nb08 import check_deployment_choice

__all__ = [
    "BEGIN",
    "END",
    "NotYet",
    "Unanswered",
    "close_to",
    "check_prediction",
    "check_training_arithmetic",
    "check_class_counts",
    "check_augmentation",
    "check_parameter_count",
    "check_learning_curve",
    "check_accuracy",
    "check_batch_choice",
    "check_break_even",
    "check_magnitude_mask",
    "check_sparsity_plan",
    "check_rare_units",
    "check_l1_norms",
    "check_int8_value",
    "check_int8_conv",
    "check_feet",
    "check_break_even_bandwidth",
    "check_max_fps",
    "check_cold_extra",
    "check_lossy_request",
    "check_server_load",
    "check_deployment_choice",
]
