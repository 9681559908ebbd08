"""Tooling: two runs of the device bundle's script compared, output by output (arm64_check.sh).

    python tools/arm64_compare.py X86_BUNDLE ARM64_BUNDLE

Reads each folder's ``results.json`` and ``outputs.npz`` (every model's raw output for every
shipped image, one thread) and prints, per variant: for int8 models how many output values
differ and by how many quantization steps at most; for float models the largest absolute
difference; and whether the predicted classes (and so the accuracies) agree. NumPy only, so the
clean venv (``tools/device_venv.py``) runs it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def compare(first: Path, second: Path) -> list[str]:
    a, b = np.load(first / "outputs.npz"), np.load(second / "outputs.npz")
    machines = [json.loads((f / "results.json").read_text())["machine"] for f in (first, second)]
    lines = [
        " vs ".join(
            f"{m['machine']} (Python {m['python']}, ai-edge-litert {m['ai_edge_litert']}"
            f"{', emulated: ' + m['emulation'] if m['emulated'] else ''})"
            for m in machines
        )
    ]
    for name in sorted(set(a.files) & set(b.files)):
        x, y = a[name], b[name]
        same_class = int(np.sum(x.argmax(axis=1) == y.argmax(axis=1)))
        if x.dtype == np.int8:
            steps = np.abs(x.astype(int) - y.astype(int))
            text = f"int8, {int(np.sum(steps > 0))} of {x.size} values differ" + (
                f" (at most {int(steps.max())} step)" if steps.any() else ": bit-exact"
            )
        else:
            gap = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
            exact = np.array_equal(x, y)
            text = f"{x.dtype}, " + ("bit-exact" if exact else f"largest difference {gap:.3g}")
        lines.append(f"{name:>30}: {text}; same class on {same_class} of {len(x)} images")
    return lines


if __name__ == "__main__":
    print("\n".join(compare(Path(sys.argv[1]), Path(sys.argv[2]))))
