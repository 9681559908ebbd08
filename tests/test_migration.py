"""utils.migration: the migration map's rows, each sourced, with the versions installed here."""

import numpy as np

from utils import migration


def test_every_row_names_its_packages_and_its_source():
    rows = migration.migration_map()
    steps = [row["step"] for row in rows]
    assert steps == ["runtime", "quantization", "Keras with pruning", "Keras without pruning",
                     "PyTorch"]  # fmt: skip
    assert all(row["packages"] and row["source"] and row["checked"] for row in rows)


def test_versions_are_read_or_said_not_checked():
    assert migration.installed("numpy") == np.__version__
    assert migration.installed("no-such-package-for-the-course") == "not checked here"


def test_the_markdown_table_has_a_row_per_step():
    rows = migration.migration_map()
    table = migration.markdown(rows).splitlines()
    assert len(table) == 2 + len(rows) and all(line.count("|") == 6 for line in table)
