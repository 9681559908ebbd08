"""Notebook 04b's L1-norm exercise: the checker accepts the norms, explains the usual mistakes."""

import re

import numpy as np
import pytest
import tf_keras as keras

from utils import exercises
from test_pruning_neurons import course_shaped_model


def pairs(model):
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    return list(zip(convs, relus))


def right(model):
    return {
        relu.name: np.abs(conv.kernel.numpy()).sum(axis=(0, 1, 2)) for conv, relu in pairs(model)
    }


@pytest.fixture(scope="module")
def model():
    return course_shaped_model()


def test_the_l1_norms_are_accepted(model, capsys):
    exercises.check_l1_norms(right, model)
    assert "✓ Correct: one L1 norm per filter" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        (
            lambda m: {r.name: c.kernel.numpy().sum(axis=(0, 1, 2)) for c, r in pairs(m)},
            "plain sum",
        ),
        (
            lambda m: {
                r.name: np.sqrt((c.kernel.numpy() ** 2).sum(axis=(0, 1, 2))) for c, r in pairs(m)
            },
            "that is the L2 norm",
        ),
        (
            lambda m: {r.name: np.abs(c.kernel.numpy()).mean(axis=(0, 1, 2)) for c, r in pairs(m)},
            "mean of the absolute",
        ),
        (
            lambda m: {r.name: np.abs(c.kernel.numpy()).sum(axis=(0, 1, 3)) for c, r in pairs(m)},
            "summed over the filters",
        ),
        (
            lambda m: {c.name: np.abs(c.kernel.numpy()).sum(axis=(0, 1, 2)) for c, r in pairs(m)},
            "convolutions' names",
        ),
        (
            lambda m: {r.name: np.ones(c.filters) for c, r in pairs(m)},
            "np.abs(kernel).sum(axis=(0, 1, 2))",
        ),
    ],
)
def test_wrong_norms_say_what_is_wrong(model, answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_l1_norms(answer, model)


def test_the_norms_instead_of_a_function(model):
    with pytest.raises(exercises.NotYet, match="should be a function"):
        exercises.check_l1_norms(right(model), model)
