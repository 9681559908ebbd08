"""Notebooks 00-08: the course's reference machine, its results file and why a run can differ.

``data/reference_results.json`` holds the reference machine's full-profile figures and its
description (CPU, cores, int8 instructions, versions); ``make reference`` regenerates it after a
full run on a quiet machine. :mod:`utils.results` and :mod:`utils.verdicts` both read it here, so
neither depends on the other for it.
"""

from __future__ import annotations

import functools
import json
import os
import platform
from pathlib import Path

from utils import config

REFERENCE_PATH = config.DATA_DIR / "reference_results.json"
REFERENCE_PROFILE = "full"
REFERENCE_DATASET = "generated"
# CPU features that give int8 dot products (x86: VNNI, AMX; Arm: dot product, int8 matrix multiply)
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")


# ---------------------------------------------------------------- the machines


def cpu_flags() -> set[str]:
    """This CPU's feature flags (Linux ``/proc/cpuinfo``; empty where the OS does not say)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    flags: set[str] = set()
    for line in text.splitlines():
        if line.split(":")[0].strip() in ("flags", "Features"):
            flags.update(line.split(":", 1)[1].split())
    return flags


def int8_instructions(flags: set[str] | None = None) -> list[str]:
    """Which int8 dot-product instruction sets this CPU has (names as Linux spells them)."""
    flags = cpu_flags() if flags is None else flags
    return [f for f in INT8_FLAGS if f in flags]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.split(":")[0].strip() in ("model name", "Model", "Hardware"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


@functools.lru_cache(maxsize=1)
def this_machine() -> dict:
    """This machine, described as the reference machine is: CPU, cores, int8 flags, versions."""
    import tensorflow as tf

    return {
        "cpu": cpu_model(),
        "architecture": platform.machine(),
        "cores": os.cpu_count() or 1,
        "int8_instructions": int8_instructions(),
        "system": platform.system(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def _load_reference(path: Path) -> dict:
    try:
        reference = json.loads(path.read_text())
        entries = reference["entries"]
        machine = reference["machine"]
        if not isinstance(entries, list) or not isinstance(machine, dict):
            raise TypeError("'entries' must be a list and 'machine' an object")
    except FileNotFoundError:
        return {"machine": {}, "entries": []}
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{path} is not a reference file this course wrote ({error}): restore it "
            "with git checkout, or regenerate it with make reference "
            "(python -m utils reference)."
        ) from None
    return reference


@functools.lru_cache(maxsize=4)
def _reference_file(path: str) -> dict:
    return _load_reference(Path(path))


def reference_data() -> dict:
    """The reference file's contents: ``{"machine": {...}, "entries": [...]}`` (empty if none)."""
    return _reference_file(str(REFERENCE_PATH))


def reference_machine() -> dict:
    return reference_data()["machine"]


def reference_value(notebook: str, key: str) -> float | None:
    """The reference machine's full-profile value of one recorded figure (None if it has none)."""
    for entry in reference_data()["entries"]:
        if entry["notebook"] == notebook and entry["key"] == key:
            return float(entry["value"])
    return None


def build_seconds(name: str) -> float | None:
    """How long the reference machine took to build artifact ``name`` (full profile), or None."""
    seconds = reference_data().get("builds", {}).get(name)
    return None if seconds is None else float(seconds)


def write_reference(
    entries: list[dict],
    path: Path | None = None,
    runs: list[dict] | None = None,
    builds: dict[str, float] | None = None,
) -> Path:
    """Save one full-profile run's entries with this machine's description, atomically
    (to ``data/reference_results.json`` unless ``path`` says otherwise), and ``runs``, the
    run's time per notebook (``tools.runner``: seconds, of them building artifacts, which, and
    the words of Markdown it generated), when given, and ``builds``, each artifact's build
    seconds (``{name: seconds}``), which a build quotes before it starts."""
    path = path or REFERENCE_PATH
    keep = [
        {k: e[k] for k in ("notebook", "key", "value", "unit")}
        for e in entries
        if e["profile"] == REFERENCE_PROFILE
    ]
    if not keep:
        raise ValueError("No full-profile results to save: run make run (the full profile) first.")
    machine = dict(this_machine(), dataset=config.dataset_name())
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    saved = {
        "machine": machine,
        "entries": keep,
        **({"runs": runs} if runs else {}),
        **({"builds": builds} if builds else {}),
    }
    tmp.write_text(json.dumps(saved, indent=1) + "\n")
    tmp.replace(path)
    _reference_file.cache_clear()
    return path


def describe(machine: dict) -> str:
    """One line: CPU, cores and int8 instructions."""
    if not machine:
        return "no reference machine recorded"
    int8 = ", ".join(machine.get("int8_instructions") or []) or "no int8 dot-product instructions"
    return f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores, {int8}"


# ---------------------------------------------------------------- why two machines differ


def likely_reasons(kinds: tuple[str, ...] = ("speed",)) -> list[str]:
    """The differences between this run and the reference run that can explain a different
    outcome. ``kinds`` says what the outcome depends on: ``"speed"`` (CPU, cores, load),
    ``"int8"`` (int8 dot-product instructions), ``"data"`` (the dataset and the profile),
    ``"training"`` (the profile's training length only, not the images).
    """
    here, there = this_machine(), reference_machine()
    reasons = []
    if "int8" in kinds:
        mine, theirs = here["int8_instructions"], there.get("int8_instructions", [])
        if theirs and not mine:
            reasons.append(
                f"this CPU has no int8 dot-product instructions (the reference has "
                f"{', '.join(theirs)}), so int8 arithmetic saves less here"
            )
        elif mine != theirs and there:
            reasons.append(
                f"this CPU's int8 instructions ({', '.join(mine) or 'none'}) differ "
                f"from the reference's ({', '.join(theirs) or 'none'})"
            )
    if "speed" in kinds or "int8" in kinds:
        load = load_average()
        if load is not None and load > here["cores"]:
            reasons.append(
                f"the machine was busy (load average {load:.1f} on {here['cores']} "
                "cores): other programs shared the CPU during the timing"
            )
        if there and here["cores"] != there.get("cores"):
            reasons.append(
                f"this machine has {here['cores']} cores, the reference {there.get('cores')}"
            )
        if there and here["cpu"] != there.get("cpu"):
            reasons.append(f"a different CPU ({here['cpu']}; the reference: {there.get('cpu')})")
        if config.profile_name() != REFERENCE_PROFILE:
            reasons.append(
                f"the {config.profile_name()} profile times fewer runs than the "
                "reference's full profile, so its figures are noisier"
            )
    if "data" in kinds:
        if config.dataset_name() != there.get("dataset", REFERENCE_DATASET):
            reasons.append(
                f"this run uses the {config.dataset_name()!r} dataset, the reference "
                f"the {there.get('dataset', REFERENCE_DATASET)!r} one: other images "
                "are easier or harder to tell apart"
            )
    if "data" in kinds or "training" in kinds:
        if config.profile_name() != REFERENCE_PROFILE:
            reasons.append(
                f"the {config.profile_name()} profile trains on far less data, for "
                "fewer epochs, than the reference's full profile"
            )
    return reasons


def load_average() -> float | None:
    """The 1-minute load average (None where the OS has none, e.g. Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
