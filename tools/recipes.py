"""Tooling: one source per recipe, the notebooks' ``#@save`` cells exported as generated modules.

A code cell that starts with ``#@save`` is part of a recipe the course's package runs too: the
training recipe of notebook 02, the pruning recipe of notebook 04a and the conversion recipe of
notebook 05. Each recipe's module in ``utils`` is generated from those cells (a fixed header, then
each cell without its mark, in the notebook's order), and the package imports its functions from
there, so that the function a notebook shows is the one the package runs.

    python -m tools.recipes            # write every recipe's module from its notebook
    python -m tools.recipes --check    # write nothing; exit 1 naming each recipe that drifted

Only the standard library: the check runs without TensorFlow.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
from pathlib import Path

from tools import series

ROOT = Path(__file__).resolve().parent.parent
SAVE_MARK = "#@save"


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One recipe: the notebook whose ``#@save`` cells it is, and the module generated from them."""

    name: str
    notebook: Path
    module: Path
    summary: str  # the docstring's opening sentence, after "Notebook NN: "
    use: str  # what the package does with it
    test: str  # the drift test
    imports: str  # the generated module's imports

    def header(self) -> str:
        """The generated module's docstring (generated, do not edit) and its imports."""
        notebook, module = _shown(self.notebook), _shown(self.module)
        opening = (
            f"Notebook {series.number(self.notebook.stem)}: {self.summary}, generated from the "
            "notebook's ``#@save`` cells."
        )
        body = textwrap.fill(
            f"Generated, do not edit {module}: edit the cells of {notebook} that start with "
            "``#@save``, then run ``python -m tools.recipes``; ``python -m tools.recipes "
            f"--check`` and {self.test} fail while the two differ. {self.use}",
            width=99,
        )
        return f'"""{opening}\n\n{body}\n"""\n\n{self.imports}'


RECIPES = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "training",
            ROOT / "notebooks" / "02_training_keras.ipynb",
            ROOT / "utils" / "recipe.py",
            "the course's training recipe",
            "utils.training trains the cached model (artifact ``training.model``) with it.",
            "tests/test_training_recipe.py",
            "import math\nimport time\nfrom pathlib import Path\n\n"
            "from utils import config  # noqa: F401  (first: the Keras-2 guard)\n\n"
            "import tensorflow as tf\nimport tf_keras as keras\n",
        ),
        Recipe(
            "pruning",
            ROOT / "notebooks" / "04a_pruning_magnitude.ipynb",
            ROOT / "utils" / "pruning" / "recipe.py",
            "the pruning recipe (tfmot)",
            "utils.pruning prunes the sparsity sweep (artifact ``pruning.sweep``) with it.",
            "tests/test_pruning_recipe.py",
            "from utils import config  # noqa: F401  (first: the Keras-2 guard)\n\n"
            "import tensorflow_model_optimization as tfmot\nimport tf_keras as keras\n",
        ),
        Recipe(
            "conversion",
            ROOT / "notebooks" / "05_int8_tflite.ipynb",
            ROOT / "utils" / "quantization" / "recipe.py",
            "the conversion recipe (TFLite)",
            "utils.quantization converts every model of the course with it.",
            "tests/test_quantization_recipe.py",
            "from utils import config  # noqa: F401  (first: the Keras-2 guard)\n\n"
            "import numpy as np\nimport tensorflow as tf\n",
        ),
    )
}


def saved_cells(notebook: Path) -> list[str]:
    """The code cells of ``notebook`` that start with ``#@save``, without the mark, in order."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    sources = [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c["cell_type"] == "code"
    ]
    return [s.split("\n", 1)[1].strip("\n") for s in sources if s.startswith(SAVE_MARK + "\n")]


def export(notebook: Path, header: str) -> str:
    """The text of a generated module: ``header``, then every ``#@save`` cell of ``notebook``
    without its mark, in the notebook's order."""
    saved = saved_cells(notebook)
    if not saved:
        raise ValueError(
            f"{notebook} has no cell starting with {SAVE_MARK}: nothing to export; "
            "mark the recipe's cells or choose another notebook."
        )
    return header + "\n\n" + "\n\n\n".join(saved) + "\n"


def source(name: str, notebook: Path | None = None) -> str:
    """The text recipe ``name``'s module should have, from its notebook (or from ``notebook``, a
    copy of it)."""
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}: use one of {', '.join(RECIPES)}.")
    recipe = RECIPES[name]
    return export(recipe.notebook if notebook is None else notebook, recipe.header())


def drifted(recipes=None) -> list[str]:
    """The names of the recipes whose module differs from what their notebook exports."""
    recipes = RECIPES if recipes is None else recipes
    return [
        name
        for name, recipe in recipes.items()
        if not recipe.module.is_file()
        or recipe.module.read_text() != export(recipe.notebook, recipe.header())
    ]


def main(argv: list[str] | None = None, recipes=None) -> int:
    recipes = RECIPES if recipes is None else recipes
    parser = argparse.ArgumentParser(
        prog="python -m tools.recipes", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a module differs from its notebook's cells",
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = drifted(recipes)
        for name in stale:
            recipe = recipes[name]
            print(
                f"recipe {name!r}: {_shown(recipe.module)} differs from the #@save cells"
                f" of {_shown(recipe.notebook)}; run python -m tools.recipes and review"
                " the diff.",
                file=sys.stderr,
            )
        if not stale:
            print(f"every recipe matches its notebook ({', '.join(recipes)})")
        return 1 if stale else 0
    for recipe in recipes.values():
        text = export(recipe.notebook, recipe.header())
        if not recipe.module.is_file() or recipe.module.read_text() != text:
            recipe.module.write_text(text)
            print(f"wrote {_shown(recipe.module)} from {_shown(recipe.notebook)}")
        else:
            print(f"{_shown(recipe.module)} is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
