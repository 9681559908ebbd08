"""Tooling: the second half of every notebook's bootstrap cell, on Colab or any Jupyter outside the
course folder (the cell fetches the course, then runs this file in the kernel's own process).

    runpy.run_path(str(home / "tools" / "colab_setup.py"), {"fetched": ...}, "__main__")
    python -m tools.colab_setup      # the same in a terminal (without the sys.path step's effect)

It installs the packages the notebooks' kernel needs (``[tool.course] kernel`` in pyproject.toml)
that the runtime lacks or has outside the supported range, keeping the runtime's TensorFlow when it
is in range; puts the course on ``sys.path``; says in one line what it did; and, when it changed a
package the kernel had already imported, asks for a restart of the runtime. It runs before anything
is installed, so it needs nothing but the standard library, pip (whose copy of ``packaging`` it
falls back on) and what it installs. ``fetched`` (set by the cell) is "<repository> at <ref>" when
the cell has just fetched the course, else empty.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # a bare runtime: pip's own copy
    from pip._vendor.packaging.requirements import Requirement

# distributions whose module is not their name with "_" for "-"
MODULES = {"protobuf": "google.protobuf", "pillow": "PIL"}


def lacking(requirement: Requirement) -> bool:
    """The runtime has no version of it inside the supported range."""
    try:
        return not requirement.specifier.contains(
            metadata.version(requirement.name), prereleases=True
        )
    except metadata.PackageNotFoundError:
        return True


def missing(home: Path) -> list[Requirement]:
    """The kernel's requirements (pyproject.toml's ranges) that this runtime lacks."""
    project = tomllib.loads((home / "pyproject.toml").read_text())
    kernel = set(project["tool"]["course"]["kernel"])
    wanted = [Requirement(r) for r in project["project"]["dependencies"]]
    return [r for r in wanted if r.name in kernel and lacking(r)]


def main(home: Path, fetched: str = "") -> list[str]:
    """Install what is lacking, put ``home`` on ``sys.path``, print the one-line report (and the
    restart hint); returns the names of the already imported packages that changed."""
    done = [f"fetched {fetched} into {home}" if fetched else f"using the course in {home}"]
    needed = missing(home)
    restart = [
        r.name for r in needed if MODULES.get(r.name, r.name.replace("-", "_")) in sys.modules
    ]
    if needed:
        print("Installing what this runtime lacks:", ", ".join(map(str, needed)), "...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", *map(str, needed)], check=True
        )
        done.append(
            "installed " + ", ".join(f"{r.name} {metadata.version(r.name)}" for r in needed)
        )
    if "tensorflow" not in {r.name for r in needed}:
        done.append(f"kept this runtime's TensorFlow {metadata.version('tensorflow')}")
    sys.path.insert(0, str(home))
    print("Course bootstrap: " + "; ".join(done) + ".")
    if restart:
        print(
            "Restart the runtime (Runtime > Restart session) and run again: "
            f"{', '.join(restart)} changed."
        )
    return restart


if __name__ == "__main__":
    main(Path(__file__).resolve().parent.parent, globals().get("fetched", ""))
