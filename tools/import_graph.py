"""Tooling: the import graph of the course's own packages (utils, tools), its cycles and sizes.

    python -m tools.import_graph            the graph (module -> what it imports), the largest
                                            modules, and any cycle (exit 1 when there is one)

Every import counts, at the top of a module or inside a function: a lazy import that hides a
cycle is still a cycle. ``tests/test_conventions.py`` holds the course to no cycles and to
``utils`` never importing ``tools``.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("utils", "tools")


def module_name(path: Path, root: Path = ROOT) -> str:
    """``utils/latency/links.py`` -> ``utils.latency.links``; a package's ``__init__`` is the
    package itself."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of the course's packages, by dotted name."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` lies in (``utils.latency.network`` ->
    ``utils.latency`` when ``network`` is a function there)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The course modules that one module imports (anywhere in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, known)
            if resolved and resolved != name:
                found.add(resolved)
    # a module that imports "utils.x" as "from utils import x" also names the package utils:
    # keep the package only when nothing more precise was found under it
    return {
        m
        for m in found
        if not any(other.startswith(m + ".") for other in found) or m not in PACKAGES
    }


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def package_init_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph without the edges from a package's ``__init__`` to its own submodules and
    back: ``from utils.latency import links`` inside ``utils.latency.links``' siblings is how a
    package re-exports, not a cycle between topics."""
    trimmed = {}
    for name, targets in edges.items():
        trimmed[name] = {
            t for t in targets if not (t.startswith(name + ".") or name.startswith(t + "."))
        }
    return trimmed


def line_counts(root: Path = ROOT) -> dict[str, int]:
    return {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in modules(root).items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_graph", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--largest", type=int, default=8, help="how many of the largest modules to list"
    )
    args = parser.parse_args(argv)
    edges = package_init_edges(graph())
    for name in sorted(edges):
        print(f"{name} -> {', '.join(sorted(edges[name])) or '(nothing of the course)'}")
    sizes = line_counts()
    print(
        "\nlargest modules (lines): "
        + ", ".join(
            f"{name} {lines}"
            for name, lines in sorted(sizes.items(), key=lambda kv: -kv[1])[: args.largest]
        )
    )
    found = cycles(edges)
    if found:
        print("\nimport cycles:", "; ".join(" <-> ".join(group) for group in found))
        return 1
    print("\nno import cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
