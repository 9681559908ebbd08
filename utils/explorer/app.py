"""Notebook 08 as a standalone app: ``python -m utils.explorer`` (``make explore``) serves it with
Voilà, outputs only, on a kernel of this Python.

Guarded (:mod:`utils.kernel_guard`): only requests whose Host is this machine are answered (403
otherwise), a kernel no page is connected to is shut down after two idle minutes, and at most
three kernels run at once (a fourth page gets 503 and a sentence).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from utils import config, kernel_guard, quantization

NOTEBOOK = config.NOTEBOOKS_DIR / "08_tradeoff_explorer.ipynb"


def kernel_folder() -> Path:
    """A Jupyter data folder whose ``python3`` kernel is this Python (the course's environment),
    so that Voilà never starts a kernel of another installation."""
    folder = config.build_dir() / "voila"
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (course)",
                "language": "python",
            },
            indent=1,
        )
    )
    return folder


def config_folder() -> Path:
    """A Jupyter config folder whose ``voila.json`` turns Voilà's Host check back on."""
    folder = config.build_dir() / "voila" / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "voila.json").write_text(json.dumps(kernel_guard.voila_config(), indent=1))
    return folder


def voila_env() -> dict:
    """Voilà's environment: this Python's kernel, the guard's config, and the course on the path
    (Voilà imports :mod:`utils.kernel_guard`'s kernel manager by name)."""

    def joined(variable: str, *first) -> str:
        return os.pathsep.join([*map(str, first), *filter(None, [os.environ.get(variable)])])

    return {
        **os.environ,
        "JUPYTER_PATH": joined("JUPYTER_PATH", kernel_folder()),
        "JUPYTER_CONFIG_PATH": joined("JUPYTER_CONFIG_PATH", config_folder()),
        "PYTHONPATH": joined("PYTHONPATH", config.ROOT),
    }


def voila_command(port: int) -> list[str]:
    """Voilà serving notebook 08 on 127.0.0.1:``port``: outputs only (no code cells, no
    tracebacks), and a kernel that accepts only the widgets' messages (Voilà's own rule), so the
    page cannot run code of its own; kernels bounded and culled (:mod:`utils.kernel_guard`)."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--template=lab",
        "--strip_sources=True",
        "--show_tracebacks=False",
        *kernel_guard.voila_options(),
    ]


def serve(port: int, profile: str | None = None) -> int:
    """Build what notebook 08 needs (if missing), then run Voilà until Ctrl-C (or SIGTERM, which is
    passed on to it); returns Voilà's exit status. A child process, not ``os.execve``: on Windows
    execve returns the prompt and leaves Voilà running."""
    import signal
    import subprocess

    config.use_profile(profile)
    print(
        f"Profile {config.profile_name()!r}: making sure the variant grid and the reference "
        "latencies exist (built the first time, which takes a while) ...",
        flush=True,
    )
    quantization.grid()
    quantization.reference_latencies()
    env = voila_env()
    print(f"The explorer: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    voila = subprocess.Popen(voila_command(port), env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: voila.terminate())
    try:
        return voila.wait()
    except KeyboardInterrupt:  # Ctrl-C reached Voilà too: let it shut its kernels down
        return voila.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if voila.poll() is None:
            voila.terminate()
            voila.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m utils.explorer",
        description="Serve notebook 08, the trade-off explorer, with Voilà.",
    )
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument(
        "--profile",
        choices=sorted(config.PROFILES),
        default=None,
        help="default: COURSE_PROFILE, else full",
    )
    args = parser.parse_args(argv)
    serve(args.port, args.profile)


if __name__ == "__main__":
    main()
