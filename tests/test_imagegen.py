import hashlib

import numpy as np
import pytest

from utils import config, imagegen
from utils.imagegen import CLASSES, SPLITS, draw, example

D = config.Settings.difficulty  # the course's default


def digest(image: np.ndarray) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()


def images(split: str, count: int, seed: int = 7, difficulty: float = D) -> list[np.ndarray]:
    return [example(split, i, seed=seed, difficulty=difficulty)[0] for i in range(count)]


def test_same_seed_gives_identical_bytes_in_any_order():
    keys = [(split, i) for split in SPLITS for i in range(4)]
    first = {key: digest(example(*key, seed=3, difficulty=D)[0]) for key in keys}
    again = {key: digest(example(*key, seed=3, difficulty=D)[0]) for key in reversed(keys)}
    assert first == again


def test_different_seeds_and_splits_give_different_images():
    seeded = {
        digest(example("train", i, seed=seed, difficulty=D)[0]) for seed in (1, 2) for i in range(5)
    }
    split_wise = {digest(example(split, 0, seed=1, difficulty=D)[0]) for split in SPLITS}
    assert len(seeded) == 10
    assert len(split_wise) == len(SPLITS)


def test_example_is_draw_with_its_own_generator():
    """The contract a dataset builder relies on: example() is draw() with a per-example seed."""
    for split in SPLITS:
        image, label = example(split, 5, seed=11, difficulty=D)
        rng = np.random.default_rng([11, SPLITS.index(split), 5])
        assert np.array_equal(image, draw(label, rng, difficulty=D, novel=split == "novel"))


def test_labels_cycle_and_are_balanced():
    labels = [example("train", i, seed=0, difficulty=D)[1] for i in range(3 * 8)]
    assert labels == [i % len(CLASSES) for i in range(3 * 8)]
    assert np.bincount(labels).tolist() == [8, 8, 8]


@pytest.mark.parametrize("size", [64, 32])
def test_shape_and_dtype(size):
    image, _ = example("test", 0, seed=0, size=size, difficulty=D)
    assert image.shape == (size, size, 3)
    assert image.dtype == np.uint8


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("difficulty", [0.0, D, 1.0])
def test_images_are_not_blank(split, difficulty):
    for image in images(split, 6, difficulty=difficulty):
        assert int(image.max()) - int(image.min()) > 60
        assert image.std() > 8


def border_colour_histogram(split: str, count: int = 60) -> np.ndarray:
    """Share of border pixels in each (brightness, saturation) bin, over ``count`` images."""
    histogram = np.zeros((5, 5))
    for image in images(split, count):
        border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(float)
        value = border.max(axis=1) / 255
        saturation = (border.max(axis=1) - border.min(axis=1)) / np.maximum(border.max(axis=1), 1)
        histogram += np.histogram2d(value, saturation, bins=5, range=[[0, 1], [0, 1]])[0]
    return histogram / histogram.sum()


def test_novel_split_is_a_distribution_shift():
    train, test, novel = (border_colour_histogram(s) for s in ("train", "test", "novel"))
    same_distribution = np.abs(train - test).sum()
    shifted = np.abs(train - novel).sum()
    assert shifted > 3 * same_distribution


def high_frequency_energy(difficulty: float) -> float:
    """Mean absolute difference between horizontally neighbouring pixels (noise, clutter, edges)."""
    batch = np.stack(images("train", 15, difficulty=difficulty)).astype(float)
    return float(np.abs(np.diff(batch, axis=2)).mean())


def test_harder_images_are_noisier():
    assert high_frequency_energy(1.0) > 1.5 * high_frequency_energy(0.0)


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: example("tarin", 0, seed=0, difficulty=D), [repr(s) for s in SPLITS]),
        (
            lambda: draw(3, np.random.default_rng(0), difficulty=D),
            [f"{i} ({c})" for i, c in enumerate(CLASSES)],
        ),
        (lambda: draw(-1, np.random.default_rng(0), difficulty=D), ["0 (dog)", "2 (bicycle)"]),
        (lambda: draw(0, np.random.default_rng(0), difficulty=1.5), ["1.5", "from 0 to 1"]),
        (lambda: example("train", 0, seed=0, difficulty=-0.1), ["-0.1", "from 0 to 1"]),
        (
            lambda: draw(0, np.random.default_rng(0), size=8, difficulty=D),
            ["size=8", "at least 16"],
        ),
    ],
    ids=["split", "label 3", "label -1", "difficulty 1.5", "difficulty -0.1", "size 8"],
)
def test_bad_input_names_the_valid_values(call, names):
    with pytest.raises(ValueError) as excinfo:
        call()
    for name in names:
        assert name in str(excinfo.value)
