"""Notebook 02's appendix A3: ``tf.distribute`` on one machine, real replicas and workers.

A3 measures the training steps per second of the course's model three ways, all through the same
function, ``recipe.steps_per_second`` (notebook 02's last ``#@save`` cell):

- one device;
- ``MirroredStrategy`` over two *logical* CPU devices (:func:`split_cpu`), two replicas in one
  process;
- ``MultiWorkerMirroredStrategy`` with two worker *processes* on 127.0.0.1, each told about the
  other by the ``TF_CONFIG`` environment variable (:func:`tf_config`), started, collected and
  cleaned up by :func:`run_workers`. Each worker runs this module (``python -m
  utils.distributed``), which builds the strategy first, then calls the same function.

Nothing downloads: the workers read the course's dataset from ``build/``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from utils import config

HOST = "127.0.0.1"
WORKER_TIMEOUT_S = 300  # the whole two-worker run, start-up included; then the workers are killed
RESULT_FILE = "worker-{index}.json"


class WorkersFailed(RuntimeError):
    """The worker processes did not finish; the message says why and shows their last output."""


def split_cpu(count: int = 2) -> list[str]:
    """Split the CPU into ``count`` logical devices (before TensorFlow initialises its devices)
    and return their names. Raises ``RuntimeError`` with a sentence when it is too late."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        if len(devices) >= count:  # already split (the cell ran before in this kernel)
            return devices[:count]
        raise RuntimeError(
            "TensorFlow has already initialised its devices in this process, so the "
            "CPU can no longer be split: restart the kernel and run the notebook "
            "from the top."
        ) from None
    return [d.name for d in tf.config.list_logical_devices("CPU")][:count]


def free_ports(count: int, host: str = HOST) -> list[int]:
    """``count`` distinct TCP ports that are free on ``host`` now (the OS picks them: each socket
    binds port 0; all are held open together, so no port is handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int, host: str = HOST) -> dict:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of one worker per port on ``host``
    (worker 0 is the chief: it also does the bookkeeping, such as saving)."""
    if not 0 <= index < len(ports):
        raise ValueError(f"worker index {index} is outside a cluster of {len(ports)} workers.")
    if len(set(ports)) != len(ports):
        raise ValueError(f"ports {ports}: every worker needs a port of its own.")
    return {
        "cluster": {"worker": [f"{host}:{port}" for port in ports]},
        "task": {"type": "worker", "index": index},
    }


def sample(count: int) -> tuple:
    """The first ``count`` training images (float32, 0..1) and their labels, as NumPy arrays:
    what every measurement of the notebook's tf.distribute section trains on. (``data.arrays``
    reads the whole split: tfds caches a small split as it reads, and an unfinished read of a
    cache makes TensorFlow print a warning.)"""
    from utils import data

    images, labels = data.arrays("train")
    return images[:count].copy(), labels[:count].copy()


def _kill(process: subprocess.Popen) -> None:
    """End one worker we started, and its children, by its id."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the group is its id
        else:
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def run_workers(
    workers: int = 2,
    *,
    per_replica_batch: int,
    steps: int,
    warmup: int,
    images: int,
    timeout_s: float = WORKER_TIMEOUT_S,
    command=None,
) -> list[dict]:
    """Start ``workers`` processes with ``MultiWorkerMirroredStrategy`` on 127.0.0.1, wait for
    them (at most ``timeout_s`` seconds in all), and return each worker's result (a dict with
    ``steps_per_second``, ``replicas``, ``global_batch``).

    A worker that fails, or a run that takes too long, ends every worker (each by its id) and
    raises :class:`WorkersFailed` with the reason and the last lines of each worker's output.
    ``command`` replaces the worker program (tests). The workers see no GPU, so that on a
    machine with one (Colab) they compare CPU with CPU, as the notebook's logical devices do."""
    if command is None:  # build the dataset here, once, if missing: not in both workers at once
        from utils import data

        data.class_names()
    ports = free_ports(workers)
    folder = Path(tempfile.mkdtemp(prefix="course-workers-"))
    args = [
        "--per-replica-batch",
        str(per_replica_batch),
        "--steps",
        str(steps),
        "--warmup",
        str(warmup),
        "--images",
        str(images),
        "--out",
        str(folder),
    ]
    command = command or [sys.executable, "-m", "utils.distributed"]
    processes, logs = [], []
    try:
        for index in range(workers):
            env = dict(
                os.environ,
                TF_CONFIG=json.dumps(tf_config(ports, index)),
                PYTHONPATH=os.pathsep.join(
                    filter(None, [str(config.ROOT), os.environ.get("PYTHONPATH")])
                ),
                COURSE_PROFILE=config.profile_name(),
                COURSE_DATASET=config.dataset_name(),
                CUDA_VISIBLE_DEVICES="-1",
            )  # CPU only, as the notebook's two logical devices
            log = open(folder / f"worker-{index}.log", "w+")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [*command, *args, "--index", str(index)],
                    cwd=config.ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=hasattr(os, "killpg"),
                )
            )
        deadline = time.monotonic() + timeout_s
        while not all((folder / RESULT_FILE.format(index=i)).is_file() for i in range(workers)):
            failed = [i for i, p in enumerate(processes) if p.poll() not in (None, 0)]
            if failed:
                raise WorkersFailed(
                    f"worker {failed[0]} exited with status {processes[failed[0]].returncode}"
                )
            if all(p.poll() is not None for p in processes):
                raise WorkersFailed("the workers exited without a result")
            if time.monotonic() > deadline:
                raise WorkersFailed(f"the workers did not finish within {timeout_s:g} s")
            time.sleep(0.2)
        return [
            json.loads((folder / RESULT_FILE.format(index=i)).read_text()) for i in range(workers)
        ]
    except WorkersFailed as why:
        tails = []
        for index, log in enumerate(logs):
            log.seek(0)
            lines = [l for l in log.read().splitlines() if l.strip()][-8:]
            tails.append(f"--- worker {index}:\n" + "\n".join(lines))
        raise WorkersFailed(
            f"{why}; every worker was stopped. Their last output:\n" + "\n".join(tails)
        ) from None
    finally:
        for process in processes:
            _kill(process)
        for log in logs:
            log.close()


def worker_main(argv=None) -> None:
    """One worker: the strategy first (it reads ``TF_CONFIG`` and starts this worker's gRPC server,
    so TensorFlow's guide creates it at the start of the program, before any other TensorFlow
    operation), then the notebook's ``steps_per_second``; the result goes to a file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--per-replica-batch", "--steps", "--warmup", "--images", "--index"):
        parser.add_argument(name, type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    from utils import data, recipe, training

    training.reproducible(config.settings().seed)  # as in the notebook: the same ops, seeded
    images, labels = sample(args.images)
    rate = recipe.steps_per_second(
        strategy,
        images,
        labels,
        len(data.class_names()),
        args.per_replica_batch,
        args.steps,
        args.warmup,
    )
    result = {
        "steps_per_second": rate,
        "replicas": strategy.num_replicas_in_sync,
        "global_batch": args.per_replica_batch * strategy.num_replicas_in_sync,
        "index": args.index,
    }
    path = args.out / RESULT_FILE.format(index=args.index)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(path)


if __name__ == "__main__":
    worker_main()
