"""Notebooks 06-08: the latency package keeps every name the course calls, and imports no cycle."""

import ast
import inspect
import re
from pathlib import Path

from utils import latency, queueing, serving

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_every_name_the_notebooks_and_modules_call_is_re_exported():
    called = set()
    for path in [
        *ROOT.glob("notebooks/**/*.ipynb"),
        *ROOT.glob("utils/*.py"),
        *ROOT.glob("benchmarks/*.py"),
    ]:
        called |= set(re.findall(r"\blatency\.([A-Za-z]\w*)", path.read_text(encoding="utf-8")))
    called -= {"py"}  # the file name benchmarks/latency.py
    assert {"network", "simulate_cloud", "simulate_server", "crop_payload_bytes"} <= called
    assert sorted(called - set(dir(latency))) == []


def test_the_package_never_imports_serving_and_queueing_never_imports_the_package():
    modules = sorted((ROOT / "utils" / "latency").glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        assert not [n for n in _imports(path) if n.startswith("utils.serving")], path.name
    assert not [
        n for n in _imports(ROOT / "utils" / "queueing.py") if n.startswith("utils.latency")
    ]
    assert latency.simulate_server is queueing.simulate_server


def test_serving_encodes_with_the_payloads_encoder_at_its_one_quality():
    assert serving.encode_jpeg is latency.encode_jpeg
    assert inspect.signature(serving.encode_jpeg).parameters["quality"].default == 75
    assert latency.JPEG_QUALITY == 75  # Pillow's default
