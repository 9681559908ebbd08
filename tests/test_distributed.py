"""utils.distributed: TF_CONFIG, free ports, the worker processes (a real two-worker run, and
workers that fail or hang are stopped), and the CPU split into logical devices."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from utils import config, distributed


def test_tf_config_names_every_worker_and_this_ones_index():
    cluster = distributed.tf_config([5001, 5002], index=1)
    assert cluster == {
        "cluster": {"worker": ["127.0.0.1:5001", "127.0.0.1:5002"]},
        "task": {"type": "worker", "index": 1},
    }
    json.dumps(cluster)  # what goes into the environment variable
    with pytest.raises(ValueError, match="outside a cluster of 2"):
        distributed.tf_config([5001, 5002], index=2)
    with pytest.raises(ValueError, match="a port of its own"):
        distributed.tf_config([5001, 5001], index=0)


def test_free_ports_are_distinct_and_can_be_bound():
    ports = distributed.free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)
    for port in ports:
        with socket.socket() as s:
            s.bind((distributed.HOST, port))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by a parent) counts as ended
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


def test_a_failing_worker_stops_the_run_with_its_output():
    script = "import sys; print('worker says: no GPU here'); sys.exit(3)"
    with pytest.raises(distributed.WorkersFailed, match="(?s)exited with status 3.*no GPU here"):
        distributed.run_workers(
            2,
            per_replica_batch=2,
            steps=1,
            warmup=1,
            images=4,
            timeout_s=30,
            command=[sys.executable, "-c", script],
        )


def test_a_hanging_worker_is_killed_at_the_timeout(tmp_path):
    pids = tmp_path / "pids"
    script = (
        f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(120)"
    )
    started = time.monotonic()
    with pytest.raises(distributed.WorkersFailed, match="did not finish within 3 s"):
        distributed.run_workers(
            2,
            per_replica_batch=2,
            steps=1,
            warmup=1,
            images=4,
            timeout_s=3,
            command=[sys.executable, "-c", script],
        )
    assert time.monotonic() - started < 30
    started_pids = [int(p) for p in pids.read_text().split()]
    assert len(started_pids) == 2 and not any(alive(p) for p in started_pids)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")
def test_two_real_workers_train_with_multi_worker_mirrored_strategy(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    started = time.monotonic()
    results = distributed.run_workers(
        2, per_replica_batch=8, steps=3, warmup=2, images=32, timeout_s=120
    )
    assert [r["index"] for r in results] == [0, 1]
    assert all(
        r["replicas"] == 2 and r["global_batch"] == 16 and r["steps_per_second"] > 0
        for r in results
    )
    print(f"two workers: {time.monotonic() - started:.1f} s")


SPLIT = """
import sys
from utils import distributed
import tensorflow as tf
if sys.argv[1] == "late":
    tf.constant(1.0) + 1  # TensorFlow sets up its devices
try:
    print(distributed.split_cpu(2))
    print(distributed.split_cpu(2))  # again, as a re-run cell does: the same two devices
except RuntimeError as error:
    print("RuntimeError:", error)
"""


@pytest.mark.parametrize("when", ["early", "late"])
def test_the_cpu_splits_into_two_logical_devices_only_before_tensorflow_starts(when):
    out = subprocess.run(
        [sys.executable, "-c", SPLIT, when],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
        timeout=120,
    ).stdout
    if when == "early":
        assert out.splitlines() == ["['/device:CPU:0', '/device:CPU:1']"] * 2
    else:
        assert "RuntimeError: TensorFlow has already initialised its devices" in out
        assert "restart the kernel" in out


def test_the_sample_is_the_first_training_images_scaled(monkeypatch):
    import numpy as np

    from utils import data

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    images, labels = distributed.sample(300)  # more than one batch of the reading pipeline
    assert (
        images.shape == (300, 64, 64, 3) and images.dtype == np.float32 and labels.shape == (300,)
    )
    assert 0 <= images.min() and images.max() <= 1
    first = next(iter(data.load("train").take(1)))
    assert (
        np.allclose(images[0], first[0].numpy() / 255.0, atol=1e-6)
        and labels[0] == first[1].numpy()
    )
