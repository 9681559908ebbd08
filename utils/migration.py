"""Notebook A11 (and the README's copy): the migration map of the edge stack, read from
``data/litert_migration.csv``, each row with the versions of its packages installed here."""

from __future__ import annotations

import csv
import importlib.metadata

from utils import config

MIGRATION_FILE = config.DATA_DIR / "litert_migration.csv"
NOT_CHECKED = "not checked here"


def installed(package: str) -> str:
    """``package``'s installed version (``importlib.metadata``), or "not checked here"."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return NOT_CHECKED


def migration_map() -> list[dict]:
    """The rows of ``data/litert_migration.csv``, each with ``checked``: its packages and the
    versions installed here (e.g. "ai-edge-litert 2.3.0"; "litert-torch: not checked here")."""
    with MIGRATION_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        packages = [name.strip() for name in row["packages"].split(";") if name.strip()]
        versions = [(name, installed(name)) for name in packages]
        row["checked"] = ", ".join(
            f"{name}: {v}" if v == NOT_CHECKED else f"{name} {v}" for name, v in versions
        )
    return rows


def markdown(rows: list[dict] | None = None) -> str:
    """The migration map as a Markdown table: step, legacy, today, next, checked here."""
    rows = migration_map() if rows is None else rows
    lines = [
        "| step | legacy | today | next | checked here with |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [row[k].replace("|", "/") for k in ("step", "legacy", "today", "next", "checked")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
