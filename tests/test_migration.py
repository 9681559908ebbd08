"""utils.migration: the migration map's rows, each sourced, with the versions installed here."""

import numpy as np
import pytest

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


def test_the_readme_migration_map_is_current():
    from tools import migration_docs

    assert not migration_docs.update(check=True), "run python -m tools.migration_docs"


def test_the_readme_map_gives_the_locks_versions(tmp_path):
    from tools import migration_docs

    lock = tmp_path / "constraints.txt"
    lock.write_text("# the lock\nai_edge_litert==9.9.9\n")  # a name spelt with underscores
    assert migration_docs.locked("ai-edge-litert", lock) == "9.9.9"
    assert migration_docs.locked("litert-torch", lock) == "not checked here"


def test_a_readme_without_markers_is_refused_in_one_sentence(tmp_path):
    from tools import migration_docs

    page = tmp_path / "README.md"
    page.write_text("# no markers\n")
    with pytest.raises(ValueError, match="add the two markers"):
        migration_docs.update(path=page)
    assert page.read_text() == "# no markers\n"
