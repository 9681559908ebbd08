"""Notebook 08 as a standalone app: ``python -m utils.explorer`` (``make explore``) serves it with
Voilà, outputs only, on a kernel of this Python.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from utils import config, quantization

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


def voila_command(port: int) -> list[str]:
    """Voilà serving notebook 08 on 127.0.0.1:``port``: outputs only (no code cells, no
    tracebacks), and a kernel that accepts only the widgets' messages (Voilà's own rule), so the
    page cannot run code of its own."""
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
    paths = [str(kernel_folder()), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(paths)}
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
