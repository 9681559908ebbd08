"""One source for the conversion recipe: utils/quantization/recipe.py is notebook 05's #@save
cell, the package converts with that cell's function, and an edited cell without a new export is
caught."""

import dataclasses

import nbformat

from tools import recipes
from utils import quantization
from utils.quantization import recipe, references, variants

RECIPE = recipes.RECIPES["conversion"]


def saved_cells(notebook):
    return [
        c
        for c in notebook.cells
        if c.cell_type == "code" and c.source.startswith(recipes.SAVE_MARK)
    ]


def test_the_package_recipe_is_the_notebooks_saved_cell():
    assert RECIPE.module.read_text() == recipes.source("conversion"), (
        "utils/quantization/recipe.py differs from notebook 05's #@save cell: run python -m "
        "tools.recipes (and review the diff)"
    )


def test_an_edited_converter_cell_is_a_difference(tmp_path, capsys):
    notebook = nbformat.read(RECIPE.notebook, as_version=4)
    [cell] = saved_cells(notebook)
    assert "def convert(" in cell.source and "TFLITE_BUILTINS_INT8" in cell.source
    cell.source = cell.source.replace(
        "converter.inference_output_type = tf.int8", "converter.inference_output_type = tf.float32"
    )
    edited = tmp_path / "05.ipynb"
    nbformat.write(notebook, edited)
    assert "converter.inference_output_type = tf.float32" in recipes.source("conversion", edited)
    assert recipes.source("conversion", edited) != RECIPE.module.read_text()
    doctored = {"conversion": dataclasses.replace(RECIPE, notebook=edited)}
    assert recipes.drifted(doctored) == ["conversion"]
    assert recipes.main(["--check"], doctored) == 1
    assert "recipe 'conversion'" in capsys.readouterr().err


def test_the_package_converts_with_the_notebooks_function():
    for name in ("convert", "FORMATS", "representative_images"):
        assert getattr(quantization, name) is getattr(recipe, name)
    # the grid's conversions and the reference networks' too
    assert variants.convert is references.convert is recipe.convert


def test_the_notebook_converts_every_format_with_its_recipe():
    notebook = nbformat.read(RECIPE.notebook, as_version=4)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    [saved] = [i for i, source in enumerate(code) if source.startswith(recipes.SAVE_MARK)]
    assert "{fmt: convert(model, fmt, calibration) for fmt in FORMATS}" in code[saved + 1]
    assert recipe.FORMATS == ("float32", "float16", "dynamic", "int8")
    # no other converter in the core; appendix A7's one is quantization-aware training's, a model
    # the recipe does not make
    others = [source for i, source in enumerate(code) if "TFLiteConverter" in source and i != saved]
    assert others == []
    appendix = nbformat.read(RECIPE.notebook.with_name("A7_fp8_and_qat.ipynb"), as_version=4)
    converters = [c.source for c in appendix.cells if "TFLiteConverter" in c.source]
    assert len(converters) == 1 and "from_keras_model(qat_model)" in converters[0]
