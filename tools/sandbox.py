"""Tooling: the sandbox a student's kernel runs in while nbgrader autogrades it (all notebooks;
used by ``tools.grading``).

nbgrader itself runs outside, with the teacher's privileges, and keeps the gradebook and the
feedback; only the kernel that executes a submission's cells is started inside a sandbox, as a
Jupyter kernelspec (``course-sandbox``) whose command is::

    setpriv (only when grading as root: drop to nobody) prlimit (limits) bwrap (namespaces)
        python -m ipykernel_launcher -f {connection_file}

- bubblewrap (Debian's ``bubblewrap`` package) gives the kernel new user, PID, network, IPC, UTS
  and cgroup namespaces: no network at all, no view of the grader's processes (nor of their
  command lines), an empty root filled only with read-only binds of the system (``/usr``,
  ``/etc``), the Python installation and virtual environment, and the course's ``utils/`` and
  ``data/``; the source notebooks, ``docs/``, ``tests/``, ``.git``, the gradebook, the other
  submissions and the teacher's home are simply not there. One private folder per submission is
  writable (its home, its ``COURSE_BUILD_DIR``; the cached artifacts of the teacher's build are
  bound read-only into it); ``/tmp`` is a private tmpfs. The environment is cleared (no token of
  the teacher's reaches the kernel).
- The kernel talks to nbgrader over Unix sockets (``KernelManager.transport = "ipc"``) in the
  private folder, the one way out; interrupts go as messages (``interrupt_mode``).
- prlimit caps address space (memory), CPU seconds, processes and threads, file size and core
  dumps. Wall-clock limits are nbgrader's per-cell timeout and the grader's per-notebook timeout.
- When the kernel exits, PID 1 of its namespace goes and the Linux kernel kills every process the
  submission started (``--die-with-parent`` does the same if the grader is killed).

Where bubblewrap cannot run (macOS, Windows, a Linux without it or without unprivileged user
namespaces), :func:`problem` says what to install; ``tools.grading`` then refuses untrusted
submissions unless the teacher passes ``--trusted-submissions``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from utils import config

KERNEL_NAME = "course-sandbox"
NOBODY = 65534
# What the kernel may read, beside the Python installation (the system's folders).
SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
PASSED = ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL")  # and COURSE_*: nothing else reaches it
COURSE = ("utils", "data", "pyproject.toml")  # the course's teaching code: no notebooks, no docs
CACHES = ("artifacts", "tfds")  # the teacher's build, bound read-only into the private build
INSTALL = (
    "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap) on Linux, or grade on a Linux machine or JupyterHub that has it"
)


@dataclass(frozen=True)
class Limits:
    """What one submission may spend. The defaults are sized for the smoke profile on a 2-core
    laptop (notebook 00's kernel maps about 3 GiB of address space with TensorFlow loaded; the
    training notebooks' smoke cells run in seconds to a minute with the cache warm)."""

    cell_s: int = 600  # wall clock per cell (nbgrader's Execute.timeout); a cold cache builds first
    notebook_s: int = 1800  # wall clock for the whole notebook, nbgrader's start included
    memory_bytes: int = 8 << 30  # address space of each process (RLIMIT_AS)
    cpu_s: int = 3600  # CPU seconds of each process (RLIMIT_CPU)
    processes: int = 512  # processes and threads (RLIMIT_NPROC; of nobody, or on top of yours)
    file_bytes: int = 2 << 30  # the largest file it may write (RLIMIT_FSIZE)


def bwrap() -> str | None:
    return shutil.which("bwrap")


def problem() -> str | None:
    """None when a sandbox can be made here, else one sentence saying what to install."""
    if platform.system() != "Linux":
        return f"No sandbox on {platform.system()}: {INSTALL}."
    if bwrap() is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL}."
    unshare = AS_ROOT if _as_root() else ["--unshare-all"]
    probe = subprocess.run(
        [bwrap(), *unshare, "--ro-bind", "/", "/", *(DROP if _as_root() else []), "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode:
        return (
            f"bubblewrap cannot make a sandbox here ({probe.stderr.strip()[:160]}): allow "
            "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or "
            f"{INSTALL}."
        )
    return None


def _as_root() -> bool:
    return os.geteuid() == 0


# Grading as root: bubblewrap makes the namespaces without a user namespace, keeps only the right
# to change user, and the kernel drops to nobody (a root kernel would own every root file, and the
# process limit does not apply to root). The connection file (0600, root's) is copied for nobody.
COPY_CONNECTION = 'cp "$0" "$1" && chown {uid}:{uid} "$1" && shift && exec "$@"'
AS_ROOT = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
AS_ROOT += ["--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
DROP = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def _tasks_of_this_user() -> int:
    """Processes and threads of this user now: RLIMIT_NPROC counts them all, not only the
    sandbox's, so a teacher's own (a desktop's hundreds) come on top of the sandbox's allowance."""
    tasks = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if int(fields.get("Uid", "-1").split()[0]) == os.getuid():
            tasks += int(fields.get("Threads", "1"))
    return tasks


def _ro(path: Path | str) -> list[str]:
    path = str(path)
    if os.path.islink(path):
        return ["--symlink", os.readlink(path), path]
    return ["--ro-bind", path, path] if os.path.exists(path) else []


def kernel_argv(
    private: Path, limits: Limits, build: Path | None = None, environment: dict | None = None
) -> list[str]:
    """The command that starts one submission's kernel inside the sandbox, with the COURSE_
    variables of this process and ``environment`` (the profile) as its only settings."""
    private = Path(private).resolve()
    build = Path(build or config.build_dir()).resolve()
    home, scratch = private / "home", private / "build"
    binds = [arg for folder in SYSTEM for arg in _ro(folder)]
    pythons = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    binds += [arg for folder in sorted(pythons) for arg in _ro(folder)]
    binds += [arg for name in COURSE for arg in _ro(config.ROOT / name)]
    binds += ["--bind", str(private), str(private)]
    binds += [
        a for n in CACHES if (build / n).is_dir() for a in ("--ro-bind", build / n, scratch / n)
    ]
    # bwrap makes the folders above a mount point 0700 when run as root: make them 0755 first
    tops = {Path(binds[i + 2]) for i, a in enumerate(binds) if a in ("--ro-bind", "--bind")}
    above = sorted({p for t in tops for p in Path(t).parents if str(p) not in ("/", *SYSTEM)})
    folders = [a for p in above if p not in tops for a in ("--perms", "0755", "--dir", str(p))]
    settings = environment or {}
    environment = {
        "HOME": home,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "PYTHONPATH": config.ROOT,
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": home / ".matplotlib",
        config.BUILD_VARIABLE: scratch,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    environment.update(
        {k: v for k, v in os.environ.items() if k.startswith("COURSE_") or k in PASSED}
    )
    environment.update(settings)
    environment[config.BUILD_VARIABLE] = scratch
    limit = [
        "prlimit",
        f"--as={limits.memory_bytes}",
        f"--cpu={limits.cpu_s}",
        f"--nproc={limits.processes + (0 if _as_root() else _tasks_of_this_user())}",
        f"--fsize={limits.file_bytes}",
        "--core=0",
        "--",
    ]
    sandbox = [
        bwrap() or "bwrap",
        *(AS_ROOT if _as_root() else ["--unshare-all"]),
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        *[a for k, v in environment.items() for a in ("--setenv", k, str(v))],
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
        "--perms",
        "1777",
        "--tmpfs",
        "/dev/shm",  # multiprocessing's locks (notebook 02's worker processes)
        "--hostname",
        "sandbox",
        *folders,
        *binds,
        "--chdir",
        str(home),
        "--",
    ]
    if not _as_root():
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        return [*limit, *[str(a) for a in sandbox], *kernel]
    copy = str(private / "runtime" / "connection.json")
    kernel = [*DROP, sys.executable, "-m", "ipykernel_launcher", "-f", copy]
    copying = ["sh", "-c", COPY_CONNECTION.format(uid=NOBODY), "{connection_file}", copy]
    return [*copying, *limit, *[str(a) for a in sandbox], *kernel]


def prepare(
    private: Path, limits: Limits, build: Path | None = None, environment: dict | None = None
) -> Path:
    """A fresh private folder for one submission, with the kernelspec that starts its kernel in
    the sandbox; the folder to put on ``JUPYTER_PATH``."""
    private = Path(private)
    if private.exists():
        shutil.rmtree(private)
    for folder in ("home", "build", "runtime", "jupyter/kernels/" + KERNEL_NAME):
        (private / folder).mkdir(parents=True)
    for name in CACHES:  # mount points for the read-only caches
        (private / "build" / name).mkdir()
    spec = {
        "argv": kernel_argv(private, limits, build, environment),
        "display_name": "Python 3 (course sandbox)",
        "language": "python",
        "interrupt_mode": "message",  # a signal would reach bwrap, not the kernel
        "metadata": {"debugger": False},
    }
    (private / "jupyter/kernels" / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec))
    if _as_root():  # the kernel runs as nobody: its own folders are the ones it may write
        for folder in (private / "home", private / "build", private / "runtime"):
            for path in (folder, *folder.rglob("*")):
                os.chown(path, NOBODY, NOBODY)
        os.chmod(private, 0o755)
    return private / "jupyter"


def ensure(say=print, run=subprocess.run) -> str | None:
    """None when a sandbox can be made, after installing Debian's bubblewrap with apt where it is
    missing and apt can run (as root or with sudo, saying so first); else what to install."""
    from tools import browser

    missing = problem()
    if missing is None or bwrap() is not None or not browser.debian_like():
        return missing
    command = browser.apt_command(os.geteuid() == 0, package="bubblewrap")
    if command is None:
        return missing
    say(f"No bubblewrap: installing Debian's package for the grading sandbox ({' '.join(command)})")
    if browser.apt_install(command, run) is not None:
        return missing
    return problem()


def main() -> int:
    """``python -m tools.sandbox``: make sure a sandbox can be made (installing bubblewrap on a
    Debian-like system); exit 1 with what to install otherwise."""
    missing = ensure(say=lambda text: print(text, flush=True))
    print(missing or f"Grading sandbox: {bwrap()}", file=sys.stderr if missing else sys.stdout)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
