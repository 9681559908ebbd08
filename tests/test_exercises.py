"""Student copies lose their solutions and outputs; checkers tell right from wrong."""

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from utils import config, exercises

SOLVED = """import math

def area(r):
    ### BEGIN SOLUTION
    return math.pi * r ** 2
    ### END SOLUTION

answer = area(2)"""


def test_strip_replaces_the_solution_and_keeps_the_rest():
    stripped = exercises.strip_solutions(SOLVED)
    assert "math.pi" not in stripped and "SOLUTION" not in stripped
    assert "    raise NotImplementedError()" in stripped.splitlines()  # indented like the block
    assert stripped.startswith("import math") and stripped.endswith("answer = area(2)")


def test_strip_leaves_cells_without_markers_alone():
    assert exercises.strip_solutions("x = 1\ny = 2") == "x = 1\ny = 2"


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "again"),
    ],
)
def test_broken_markers_are_named(source, problem):
    with pytest.raises(ValueError, match=problem):
        exercises.strip_solutions(source)


def notebook_with_exercise():
    code = new_code_cell(SOLVED, execution_count=3, outputs=[new_output("stream", text="12.56")])
    prose = new_markdown_cell("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")
    return new_notebook(cells=[prose, code, new_code_cell("print(1)", execution_count=4)])


def test_student_copy_strips_code_and_markdown_and_clears_outputs():
    original = notebook_with_exercise()
    copy = exercises.student_copy(original)
    prose, code, plain = copy.cells
    assert "Because." not in prose.source and exercises.MARKDOWN_STUB in prose.source
    assert exercises.CODE_STUB in code.source
    assert all(c.outputs == [] and c.execution_count is None for c in (code, plain))
    assert "math.pi" in original.cells[1].source and original.cells[1].outputs  # original untouched


def test_student_copy_names_the_cell_with_broken_markers():
    nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("### BEGIN SOLUTION\nx = 2")])
    with pytest.raises(ValueError, match="03_x.ipynb, cell 1"):
        exercises.student_copy(nb, "03_x.ipynb")


def test_student_copies_of_the_course_notebooks_hold_no_solutions(tmp_path):
    written = exercises.write_student_copies(config.NOTEBOOKS_DIR, tmp_path)
    assert [p.name for p in written] == sorted(p.name for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    stubs = 0
    for path in written:
        for cell in nbformat.read(path, as_version=4).cells:
            assert "### BEGIN SOLUTION" not in cell.source, path.name
            stubs += cell.source.count(exercises.CODE_STUB)
    assert stubs >= 1


def test_write_student_copies_needs_notebooks(tmp_path):
    with pytest.raises(FileNotFoundError, match="No numbered notebooks"):
        exercises.write_student_copies(tmp_path, tmp_path / "out")


def arithmetic(steps_per_epoch, total_steps, images_seen):
    exercises.check_training_arithmetic(
        steps_per_epoch, total_steps, images_seen, n_images=100, batch_size=32, epochs=3
    )


def test_training_arithmetic_accepts_the_right_answer(capsys):
    arithmetic(4, 12, 300)
    assert capsys.readouterr().out.startswith("✓ Correct")


@pytest.mark.parametrize(
    "answer, says",
    [
        ((3, 9, 300), "round up"),  # forgot the last, partial batch
        ((100, 300, 300), "batches of up to 32"),
        ((4, 4, 300), "each of the 3 epochs"),
        ((4, 12, 100), "every epoch"),
    ],
)
def test_training_arithmetic_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        arithmetic(*answer)


def test_not_yet_renders_as_one_plain_line():
    assert exercises.NotYet("x is 3")._render_traceback_() == ["✗ Not yet: x is 3"]


def labelled(labels):
    import tensorflow as tf

    images = tf.random.stateless_uniform((len(labels), 4, 4, 3), seed=(1, 2))
    return tf.data.Dataset.from_tensor_slices((images, tf.constant(labels, tf.int64)))


def right_counts(ds, num_classes):
    counts = [0] * num_classes
    for _, label in ds:
        counts[int(label)] += 1
    return counts


def test_class_counts_checker_accepts_a_real_count(capsys):
    exercises.check_class_counts(right_counts, labelled([0, 1, 2, 2, 1, 0]), 3)
    assert "✓ Correct: [2, 2, 2]" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        (lambda ds, n: [2, 2], "one count per class"),
        (lambda ds, n: [1, 2, 3], "the split holds [2, 2, 2]"),
        (lambda ds, n: [2] * n, "don't assume balance"),  # right here, wrong on a lopsided set
    ],
)
def test_class_counts_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_class_counts(answer, labelled([0, 1, 2, 2, 1, 0]), 3)


def test_augmentation_checker_accepts_a_label_safe_augmentation(capsys):
    import tensorflow as tf

    flip = lambda image, label: (tf.image.flip_left_right(image), label)  # noqa: E731
    exercises.check_augmentation(flip, labelled([0, 1, 2] * 8), examples=24)
    assert "✓ Correct: 24 of 24 images changed" in capsys.readouterr().out


def wrong_augmentations():
    import tensorflow as tf

    return [
        (lambda image, label: image, "two things"),
        (lambda image, label: (image * 2.0, label), "keep them in [0, 1]"),
        (lambda image, label: (image, (label + 1) % 3), "never change the answer"),
        (lambda image, label: (tf.image.resize(image, (2, 2)), label), "keep shape and dtype"),
        (lambda image, label: (image, label), "only 0 of 24 images changed"),
        (lambda image, label: (image.numpy(), label), "failed inside ds.map"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_augmentation_checker_says_what_is_wrong(case):
    augment, says = wrong_augmentations()[case]
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_augmentation(augment, labelled([0, 1, 2] * 8), examples=24)
