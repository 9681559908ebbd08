"""Notebooks 06-08: a device the student measured, brought back from the device bundle.

``python -m utils device-import results.json`` checks the file the bundle's script wrote on the
device (:mod:`utils.device.bundle`) and keeps it under ``build/devices/``. From then on
:func:`utils.latency.devices` adds it as a **measured** device: its time for a variant is the
p50 and p95 measured there (at the most threads measured), not this machine's time scaled by a
published factor. A file that is not such a results file, is cut short, holds a time that is not
a positive number, or was measured under emulation (qemu: its times say nothing about a device)
is refused in one sentence, and nothing is saved. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

from utils import config

FORMAT, VERSION = "course-device-benchmark", 1
FOLDER = "devices"  # in the build folder: one checked results file per measured device
ORIGIN = "measured on your device"


def devices_dir() -> Path:
    return config.build_dir() / FOLDER


def _positive(value) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value > 0
        and (math.isfinite(value))
    )


def problem(results) -> str | None:
    """What is wrong with a parsed results file, as the end of a sentence, or None."""
    if not isinstance(results, dict) or results.get("format") != FORMAT:
        return "it is not a results file of the course's device benchmark"
    if results.get("version") != VERSION:
        return f"its version is {results.get('version')!r}, this course reads {VERSION}"
    machine = results.get("machine")
    if not isinstance(machine, dict) or not machine.get("machine"):
        return "it names no machine"
    if machine.get("emulated"):
        return (
            f"it was measured under emulation ({machine.get('emulation')}), whose times say "
            "nothing about a device"
        )
    if results.get("kernels", "default") != "default":
        return (
            f"it was measured with LiteRT's {results['kernels']} kernels, not the default ones "
            "an app runs"
        )
    variants = results.get("variants")
    if not isinstance(variants, dict) or not variants:
        return "it holds no variant's timings"
    for name, entry in variants.items():
        timings = entry.get("timings") if isinstance(entry, dict) else None
        if not isinstance(timings, dict) or not timings:
            return f"variant {name!r} has no timings"
        for threads, t in timings.items():
            if not str(threads).isdigit() or int(threads) < 1:
                return f"variant {name!r} has a thread count {threads!r}"
            p50, p95 = (t.get("p50_ms"), t.get("p95_ms")) if isinstance(t, dict) else (None, None)
            if not (_positive(p50) and _positive(p95)) or p95 < p50:
                return (
                    f"variant {name!r} at {threads} thread(s) has p50 {p50!r} and p95 {p95!r} "
                    "ms, not two positive times with p95 at least p50"
                )
    return None


def read(path: Path) -> dict:
    """The checked results in ``path``; one ``ValueError`` sentence when they cannot be used."""
    fix = "run course_device_benchmark.py on the device again and import its results.json"
    try:
        results = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(
            f"{path} cannot be read ({error.strerror or error}): give the path of the "
            "results.json the device's script wrote."
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"{path} is not JSON (damaged or cut short): {fix}.") from None
    wrong = problem(results)
    if wrong:
        raise ValueError(f"{path} cannot be imported: {wrong}; {fix}.")
    return results


def default_name(results: dict) -> str:
    m = results["machine"]
    return f"your device ({m['machine']}, {m.get('cpu_count', '?')} CPUs)"


def save(path: Path, name: str | None = None) -> Path:
    """Check ``path`` and keep a copy under ``build/devices/`` as device ``name``; return it.
    Importing the same name again replaces the earlier measurement."""
    results = read(path)
    name = (name or default_name(results)).strip()
    if not name:
        raise ValueError("The device's name is empty: give one with --name.")
    results["device_name"] = name
    results["imported_from"] = str(Path(path).resolve())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "device"
    target = devices_dir() / f"{slug}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps(results, indent=1))
    partial.replace(target)
    return target


def measured() -> list[dict]:
    """Every imported device: name, threads (the most measured), the machine, and per variant
    its p50 and p95 (ms) at those threads. A file there that no longer reads is left out."""
    folder = config.build_dir() / FOLDER
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            results = read(path)
        except ValueError:
            continue
        threads = max(int(t) for entry in results["variants"].values() for t in entry["timings"])
        times = {
            variant: (
                entry["timings"][str(threads)]["p50_ms"],
                entry["timings"][str(threads)]["p95_ms"],
            )
            for variant, entry in results["variants"].items()
            if str(threads) in entry["timings"]
        }
        found.append(
            {
                "name": results.get("device_name") or default_name(results),
                "threads": threads,
                "machine": results["machine"],
                "measured": results.get("measured", "?"),
                "times": times,
            }
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils device-import", description=__doc__)
    parser.add_argument("file", help="the results.json the device bundle's script wrote")
    parser.add_argument("--name", help="the device's name (default: its machine and CPU count)")
    args = parser.parse_args(argv)
    try:
        target = save(Path(args.file), args.name)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Imported as a measured device ({target}): notebooks 06-08 and the explorer show it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
