"""Tooling: the device bundle's clean venv, a virtual environment with only NumPy and LiteRT.

    python -m tools.device_venv          # build (or reuse) it; prints its Python's path last

What a Raspberry Pi OS user installs to run the device bundle's script (``pip install numpy
ai-edge-litert``), at the versions of ``constraints.txt``, and nothing else: no TensorFlow, not
the course. Cached under ``build/device-venv/venv-<python>`` (a marker file once complete; a
half-made one is rebuilt), as the Colab-like venv is (``tools/colab.py``).
``tests/test_device_bundle.py`` builds it when missing (a minute: the two wheels).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tools.colab import python_version, venv_python

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "device-venv"
READY = ".device-ready"
PACKAGES = ("numpy", "ai-edge-litert")


def build(python: str = sys.executable, work: Path = WORK) -> Path:
    """The clean venv's Python (the venv built first when missing or half-made)."""
    version = ".".join(python_version(Path(python)).split(".")[:2])
    venv = work / f"venv-{version}"
    if (venv / READY).is_file() and venv_python(venv).is_file():
        return venv_python(venv)
    if venv.exists():
        print(f"{venv} is half-made (an earlier build stopped): rebuilding it.", flush=True)
        shutil.rmtree(venv)
    print(f"Building {venv}: only {' and '.join(PACKAGES)} (constraints.txt) ...", flush=True)
    subprocess.run([python, "-m", "venv", venv], check=True)
    py = venv_python(venv)
    pins = ["-c", ROOT / "constraints.txt"]
    subprocess.run([py, "-m", "pip", "install", "-q", *pins, *PACKAGES], check=True)
    (venv / READY).write_text("ok\n")
    return py


if __name__ == "__main__":
    print(build())
