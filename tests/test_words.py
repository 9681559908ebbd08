"""The reading-budget counter (tools/words.py) on hand-built notebooks: every count by hand."""

import json

from tools import words


def notebook(*cells):
    return {"cells": list(cells)}


def markdown(text):
    return {"cell_type": "markdown", "source": text}


def code(*markdown_outputs):
    outputs = [
        {"output_type": "display_data", "data": {"text/markdown": m}} for m in markdown_outputs
    ]
    return {"cell_type": "code", "source": "x = 1", "outputs": outputs}


def test_markdown_marks_are_not_words():
    # "##", "-" and "|" hold no letter or digit: Title here **Bold** `code` 2.5 x are 6 words
    assert words.count_words("## Title here\n- **Bold** `code` | 2.5 x") == 6


def test_model_answers_are_left_out_of_the_markdown():
    answer = "**Your answer:**\n\n### BEGIN SOLUTION\nfour words of answer\n### END SOLUTION\n"
    # "**Your answer:**" is 2 words; the solution block (7 tokens) is not counted
    assert words.markdown_words(notebook(markdown("One two three."), markdown(answer))) == 5


def test_generated_markdown_counts_without_its_details_block():
    verdict = (
        "This run agrees.<details><summary>more</summary>\n\nfive folded words here too</details>"
    )
    # "This run agrees." 3 words; the details block is folded; the code cell's source is not read
    assert words.generated_words(notebook(code(verdict, "Two words"))) == 5


def test_a_notebook_without_an_executed_copy_counts_its_markdown_only(tmp_path):
    path = tmp_path / "09_x.ipynb"
    path.write_text(json.dumps(notebook(markdown("a b c"), code("d e"))))
    alone = words.reading(path, tmp_path / "missing.ipynb")
    assert (alone.markdown, alone.generated, alone.total) == (3, None, 3)
    ran = words.reading(path, path)  # the file itself as its executed copy: 2 generated words
    assert (ran.generated, ran.total) == (2, 5)
