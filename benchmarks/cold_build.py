"""Benchmark: a cold build, every artifact ``make run`` builds, from an empty build folder.

    .venv/bin/python benchmarks/cold_build.py [--profile full|smoke] [--out FILE] [--before FILE]
                                              [--only NAME ...] [--copy-from DIR] [--cprofile DIR]
                                              [--build-dir DIR]

Builds the artifacts in dependency order, each in a fresh Python process (as ``make run`` builds
each in its own notebook's kernel), in a new temporary build folder (``COURSE_BUILD_DIR``; the
course's ``build/`` is never touched), and prints per artifact the seconds and where they went
(data loading, training steps, evaluation, channel scoring, conversion, timing, saving, other:
light timing hooks, benchmarks/build_phases.py), plus the total and the machine's load average
before and after. ``--out`` writes it as JSON; ``--before`` compares with an earlier JSON as a
before/after table (``benchmarks/results/cold_build_before.json``: the reference run's figures).
``--only`` builds some artifacts (with ``--copy-from``, the ones before them are copied from
another build folder instead of built); ``--cprofile`` also saves a cProfile of each build;
``--build-dir`` builds into a new, empty folder that is kept afterwards (to read what was built)
instead of a temporary one. Each build's CPU seconds (every thread of its process, and its
worker processes) are recorded beside its wall seconds, per phase too: on a shared machine
compare those.

The machine may be shared with other work: compare proportions, and absolute seconds only between
runs on the same quiet machine. The goal: the full profile's total at most 720 s on the
reference machine (2 cores, quiet).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = (
    "data.generated",
    "data.jpeg_files",
    "training.model",
    "pruning.sweep",
    "pruning.channels",
    "quantization.references",
    "quantization.grid",
    "quantization.lowbit",
)
GOAL_SECONDS = 720


def _cpu_seconds() -> float:
    """CPU seconds so far of this process (every thread) and of the worker processes it has
    waited for (the generated images are drawn by one per core)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _child(name: str, result: Path, cprofile: str | None) -> None:
    """Build one artifact in this process (its dependencies are built already), with hooks."""
    from benchmarks import build_phases  # the parent puts the repository on PYTHONPATH
    from utils import artifacts, data, pruning, quantization, training  # noqa: F401

    phases = build_phases.Phases(cpu_clock=_cpu_seconds)
    hooked = build_phases.install(phases)
    profiler = None
    if cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    folder = artifacts.get(name)
    seconds = time.perf_counter() - start
    cpu_seconds = _cpu_seconds() - cpu_start
    if profiler is not None:
        profiler.disable()
        Path(cprofile).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(Path(cprofile) / f"{name}.pstats"))
    manifest = json.loads((folder / artifacts.MANIFEST).read_text())
    result.write_text(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "build_seconds": manifest["build_seconds"],
                "key": folder.name,
                "phases": phases.report(seconds, cpu_seconds),
                "hooks": hooked,
                # what the build measured (accuracies...), to compare with an earlier build
                "outputs": {
                    p.name: json.loads(p.read_text())
                    for p in sorted(folder.glob("*.json"))
                    if p.name != artifacts.MANIFEST and p.stat().st_size < 1_000_000
                },
            }
        )
    )


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def build_all(
    profile: str, names, copy_from: str | None, cprofile: str | None, keep: str | None = None
) -> dict:
    out = {
        "source": f"benchmarks/cold_build.py, profile {profile}, a cold build folder",
        "profile": profile,
        "cpus": os.cpu_count(),
        "artifacts": {},
    }
    if keep and Path(keep).exists() and any(Path(keep).iterdir()):
        raise ValueError(f"--build-dir {keep}: give a new or empty folder (a cold build).")
    with tempfile.TemporaryDirectory(prefix="cold-build-") as temporary:
        build = keep or temporary
        env = {**os.environ, "COURSE_BUILD_DIR": build, "COURSE_PROFILE": profile}
        env["PYTHONPATH"] = str(ROOT)
        if copy_from:
            source = Path(copy_from) / "artifacts" / profile
            target = Path(build) / "artifacts" / profile
            target.mkdir(parents=True)
            for folder in source.iterdir():
                if folder.name.split("-")[0] in ORDER[: ORDER.index(names[0])]:
                    shutil.copytree(folder, target / folder.name, symlinks=True)
        for name in names:
            result = Path(build) / f"{name}.result.json"
            load_before = _load()
            print(f"--- {name}", flush=True)
            command = [sys.executable, __file__, "--child", name, "--result", str(result)]
            if cprofile:
                command += ["--cprofile", cprofile]
            subprocess.run(command, env=env, check=True, cwd=ROOT)
            row = json.loads(result.read_text())
            row["load_average"] = {"before": load_before, "after": _load()}
            out["artifacts"][name] = row
            print(
                f"    {row['seconds']:.1f} s, {row['cpu_seconds']:.1f} CPU s  {_phase_words(row)}",
                flush=True,
            )
    out["total_seconds"] = round(sum(r["seconds"] for r in out["artifacts"].values()), 1)
    return out


def _phase_words(row: dict) -> str:
    phases = row.get("phases") or {}
    total = row["seconds"] or 1.0
    return ", ".join(
        f"{phase} {100 * p['seconds'] / total:.0f} %"
        for phase, p in phases.items()
        if p["seconds"] >= 0.01 * total
    )


def _cpu(row: dict | None) -> str:
    return f"{row['cpu_seconds']:.0f}" if row and "cpu_seconds" in row else "–"


def table(after: dict, before: dict | None = None) -> str:
    """A Markdown table: per artifact the wall seconds (before, after, after/before), the CPU
    seconds (before, after: every thread of the build's process, where the JSON has them) and
    the phases."""
    names = [n for n in ORDER if n in after["artifacts"] or (before and n in before["artifacts"])]
    head = (
        "| artifact | before s | after s | after/before | before CPU s | after CPU s "
        "| where the time went (after) |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---|"]
    for name in names:
        b = (before or {}).get("artifacts", {}).get(name)
        a = after["artifacts"].get(name)
        b_s = f"{b['seconds']:.0f}" if b else "–"
        a_s = f"{a['seconds']:.0f}" if a else "–"
        ratio = f"{a['seconds'] / b['seconds']:.2f}" if a and b and b["seconds"] else "–"
        lines.append(
            f"| {name} | {b_s} | {a_s} | {ratio} | {_cpu(b)} | {_cpu(a)} "
            f"| {_phase_words(a) if a else ''} |"
        )
    both = [n for n in names if n in after["artifacts"]]  # the total of what was built
    b_total = sum(
        before["artifacts"][n]["seconds"] for n in both if before and n in before["artifacts"]
    )
    a_total = sum(after["artifacts"][n]["seconds"] for n in both)
    ratio = f"{a_total / b_total:.2f}" if b_total else "–"
    cpu = [
        sum(run["artifacts"][n].get("cpu_seconds", 0.0) for n in both if n in run["artifacts"])
        if run
        else 0.0
        for run in (before, after)
    ]
    lines.append(
        f"| **total** | {b_total:.0f} | {a_total:.0f} | {ratio} | {cpu[0]:.0f} | {cpu[1]:.0f} "
        f"| goal: at most {GOAL_SECONDS} s |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=["full", "smoke"])
    parser.add_argument("--out", help="write the figures to this JSON file")
    parser.add_argument("--before", help="an earlier JSON to compare with")
    parser.add_argument("--only", nargs="+", choices=ORDER, help="build only these")
    parser.add_argument("--copy-from", help="a build folder to copy the earlier artifacts from")
    parser.add_argument("--cprofile", help="a folder for a cProfile of each build")
    parser.add_argument("--build-dir", help="build into this new folder and keep it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, Path(args.result), args.cprofile)
        return
    names = [n for n in ORDER if n in (args.only or ORDER)]
    if args.only and names[0] != ORDER[0] and not args.copy_from:
        parser.error("--only without the first artifacts needs --copy-from a build folder")
    after = build_all(args.profile, names, args.copy_from, args.cprofile, args.build_dir)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(after, indent=1))
    before = json.loads(Path(args.before).read_text()) if args.before else None
    print(f"\nprofile {args.profile}, {after['cpus']} CPUs\n{table(after, before)}")


if __name__ == "__main__":
    main()
