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
``utils.exercises.nbNN`` (06's Monte Carlo in ``nb06_lossy``). Every checker is re-exported here,
so a notebook calls ``exercises.check_int8_conv(...)`` after ``from utils import exercises``.
"""

from utils.exercises.base import BEGIN, END, NotYet, Unanswered, check_prediction, close_to
from utils.exercises.nb00 import check_training_arithmetic
from utils.exercises.nb01 import check_augmentation
from utils.exercises.nb02 import check_early_stopping, check_parameter_count
from utils.exercises.nb03 import check_break_even
from utils.exercises.nb04 import check_channel_surgery, check_l1_norms
from utils.exercises.nb04a import check_magnitude_mask, check_sparsity_plan
from utils.exercises.nb05 import check_int8_conv, check_scale_zero_point
from utils.exercises.nb06 import check_break_even_bandwidth, check_cold_extra, check_lossy_request
from utils.exercises.nb06_lossy import check_lossy_monte_carlo
from utils.exercises.nb07 import check_queue
from utils.exercises.nb08 import check_deployment_choice, check_pareto_front

__all__ = [
    "BEGIN",
    "END",
    "NotYet",
    "Unanswered",
    "close_to",
    "check_prediction",
    "check_training_arithmetic",
    "check_augmentation",
    "check_parameter_count",
    "check_early_stopping",
    "check_break_even",
    "check_magnitude_mask",
    "check_sparsity_plan",
    "check_channel_surgery",
    "check_l1_norms",
    "check_scale_zero_point",
    "check_int8_conv",
    "check_break_even_bandwidth",
    "check_cold_extra",
    "check_lossy_request",
    "check_lossy_monte_carlo",
    "check_queue",
    "check_pareto_front",
    "check_deployment_choice",
]
