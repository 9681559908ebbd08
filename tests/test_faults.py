"""Fault injection: every bad input and fault the course guards against, and what must hold.

Each test builds its own bad input (a photo folder, a damaged cache, an unusable build folder, a
malformed results file, hostile HTTP requests) in its own build folder, and checks that the user
gets one clear sentence or a correct result, and that nothing of the user's is lost.
"""

import hashlib
import http.client
import io
import json
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import zlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from utils import artifacts, config, data, explorer, latency, results, serving, validate

# ---------------------------------------------------------------- bad photo folders


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (48, 32), (200, 40 * i, 0)) for i in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    return buffer.getvalue()


def bad_photo_folder(root):
    """A split folder (train/ and test/) with every kind of awkward file a user may have."""
    good = encode(Image.new("RGB", (60, 40), (20, 120, 200)), "JPEG")
    files = {
        **{f"train/dog/dog{i}.jpg": good for i in range(4)},
        **{
            f"train/car/car{i}.png": encode(Image.new("RGB", (30, 50), (200, 20, 20)), "PNG")
            for i in range(4)
        },
        "train/dog/animated.jpg": animated_gif(),  # a GIF named .jpg
        "train/car/animated.png": animated_gif(),  # and one named .png
        "train/dog/cmyk.jpg": encode(Image.new("CMYK", (40, 40), (0, 200, 200, 0)), "JPEG"),
        "train/dog/deep.png": encode(Image.fromarray(np.full((20, 30), 40000, np.uint16)), "PNG"),
        "train/car/grey.jpg": encode(Image.new("L", (40, 40), 90), "JPEG"),
        "train/car/glass.png": encode(Image.new("RGBA", (40, 40), (10, 200, 10, 100)), "PNG"),
        "train/car/huge.png": encode(Image.new("RGB", (4000, 3000), (90, 90, 90)), "PNG"),
        "train/dog/empty.jpg": b"",
        "train/dog/truncated.jpg": good[: len(good) // 2],
        "train/dog/notes.txt": b"good dog",
        "test/dog/t0.jpg": good,
        "test/car/t0.png": encode(Image.new("RGB", (30, 50), (200, 20, 20)), "PNG"),
        "stray.jpg": good,  # an image outside any class folder
        "train/stray.png": good,
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    (root / "train" / "dog" / "loop.jpg").symlink_to("loop.jpg")  # a link to itself
    (root / "train" / "car" / "back").symlink_to(root / "train")  # a folder link back up
    return root


def checksums(root):
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def my_images(tmp_path, monkeypatch):
    root = bad_photo_folder(tmp_path / "photos")
    monkeypatch.setenv("COURSE_DATASET", "my_images")
    monkeypatch.setenv("COURSE_MY_IMAGES", str(root))
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    return root


def test_bad_photos_are_listed_good_ones_load_and_nothing_is_touched(my_images, capsys):
    before = checksums(my_images)
    photos = data.scan_photos(my_images)
    reasons = dict(photos.skipped)
    assert reasons["train/dog/empty.jpg"].startswith("cannot be decoded")
    assert reasons["train/dog/truncated.jpg"].startswith("cannot be decoded")
    assert reasons["train/dog/notes.txt"] == "not a .jpg, .jpeg or .png file"
    assert reasons["stray.jpg"] == data.LOOSE and reasons["train/stray.png"] == data.LOOSE
    assert reasons["train/dog/loop.jpg"] == data.BROKEN_LINK
    assert reasons["train/car/back"] == data.LOOP
    used = {p.name for split in photos.files.values() for c in split.values() for p in c}
    assert {
        "animated.jpg",
        "animated.png",
        "cmyk.jpg",
        "deep.png",
        "grey.jpg",
        "glass.png",
        "huge.png",
    } <= used

    # the loader decodes with the check's decoder: every image 3-D, the GIFs' first frame
    size = config.settings().image_size
    count = 0
    for split in ("train", "validation", "test"):
        for image, label in data.load(split):
            assert image.shape == (size, size, 3) and image.dtype == tf.uint8
            count += 1
    assert count == 4 + 4 + 7 + 2  # plain photos + the awkward-but-usable ones + test
    out = capsys.readouterr().out
    assert "stray.jpg: not inside a class folder" in out and "loop.jpg: a link" in out
    assert checksums(my_images) == before  # user photos never modified


def test_the_shared_decoder_gives_a_gifs_first_frame_in_three_dimensions():
    image = data.decode_photo(tf.constant(animated_gif()))
    assert image.shape == (32, 48, 3)
    assert tuple(image.numpy()[0, 0]) == (200, 0, 0)  # frame 0, not frame 4


def test_a_class_only_in_test_names_the_folder_and_the_fix(tmp_path):
    root = tmp_path / "photos"
    for split, name in [("train", "dog"), ("train", "car"), ("test", "dog"), ("test", "bicycle")]:
        for i in range(2):
            path = root / split / name / f"{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode(Image.new("RGB", (8, 8)), "PNG"))
    with pytest.raises(ValueError) as error:
        data.scan_photos(root)
    message = str(error.value)
    assert str(root / "test" / "bicycle") in message and str(root / "train" / "bicycle") in message


# ---------------------------------------------------------------- a damaged cache


def keras_artifact():
    """A throwaway artifact shaped like training.model: a Keras file and a history JSON."""
    import tf_keras as keras

    name, calls = f"test.{uuid.uuid4().hex}", []

    @artifacts.register(name, settings=lambda: {"units": 2})
    def build(folder, settings):
        calls.append(1)
        model = keras.Sequential([keras.layers.Dense(settings["units"], input_shape=(3,))])
        model.save(folder / "model.keras")
        (folder / "history.json").write_text(json.dumps({"accuracy": [0.5, 0.6]}))

    return name, calls


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage", ["truncated model", "garbled history", "missing file"])
def test_a_damaged_artifact_is_rebuilt_once_with_one_sentence(damage, capsys):
    import tf_keras as keras

    name, calls = keras_artifact()
    folder = artifacts.get(name)
    if damage == "truncated model":
        truncate(folder / "model.keras")
    elif damage == "garbled history":
        (folder / "history.json").write_text('{"accuracy": [0.5, 0.')
    else:
        (folder / "history.json").unlink()
    capsys.readouterr()
    assert artifacts.get(name) == folder
    out = capsys.readouterr().out
    assert out.count("is damaged") == 1 and "rebuilding it once" in out
    assert len(calls) == 2
    keras.models.load_model(folder / "model.keras")  # whole again
    assert json.loads((folder / "history.json").read_text())["accuracy"] == [0.5, 0.6]
    assert artifacts.get(name) == folder and len(calls) == 2  # and trusted from now on


def test_a_truncated_dataset_shard_is_rebuilt(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    tiny = config.dataclasses.replace(
        config.PROFILES["smoke"], train_size=12, validation_size=3, test_size=3, novel_size=3
    )
    monkeypatch.setitem(config.PROFILES, "smoke", tiny)
    for builder_config in data.DogsCarsBicycles.BUILDER_CONFIGS:
        if builder_config.name == "smoke":
            monkeypatch.setattr(builder_config, "settings", tiny)
    folder = artifacts.get("data.generated")
    shard = next(folder.rglob("*train.tfrecord*"))
    truncate(shard)
    capsys.readouterr()
    assert sum(1 for _ in data.load("train")) == 12  # not a DataLossError
    assert "is damaged (dogs_cars_bicycles/" in capsys.readouterr().out


def test_a_killed_build_leaves_nothing_that_loads_and_its_folder_goes_at_the_next_start(tmp_path):
    name = f"test.{uuid.uuid4().hex}"
    script = textwrap.dedent(f"""
        import time
        from utils import artifacts

        @artifacts.register({name!r}, settings=lambda: {{}})
        def build(folder, settings):
            (folder / "model.keras").write_bytes(b"half")
            print("building", flush=True)
            time.sleep(60)

        artifacts.get({name!r})
    """)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        env={**os.environ},
        text=True,
        cwd=config.ROOT,
    )
    assert (
        child.stdout.readline().startswith("Building") and child.stdout.readline() == "building\n"
    )
    child.send_signal(signal.SIGKILL)
    child.wait()
    profile = config.artifacts_dir() / config.profile_name()
    assert [p.name for p in profile.iterdir()] == [
        f".{name}-{artifacts.settings_key({})}.tmp-{child.pid}"
    ]

    other, calls = keras_artifact()  # the next start, of any artifact
    artifacts.get(other)
    assert sorted(p.name for p in profile.iterdir()) == [artifacts.path(other).name]


@pytest.fixture(autouse=True)
def fault_figures(catalogued):
    """The made-up figures these tests record, in a copy of the catalogue."""
    catalogued("faults", "x", *(f"w{w}-{i}" for w in range(2) for i in range(200)))


# ---------------------------------------------------------------- an unusable build folder


def test_a_file_as_build_dir_names_the_variable_and_the_fix(tmp_path, monkeypatch):
    target = tmp_path / "build.txt"
    target.write_text("mine")
    monkeypatch.setenv("COURSE_BUILD_DIR", str(target))
    with pytest.raises(
        config.BuildDirError,
        match=r"COURSE_BUILD_DIR=.*is a file, not a folder: "
        r"point COURSE_BUILD_DIR at a folder",
    ):
        results.record("faults", "x", 1, "n")
    assert target.read_text() == "mine"


def test_a_build_dir_under_a_file_names_the_file(tmp_path, monkeypatch):
    target = tmp_path / "build.txt"
    target.write_text("mine")
    monkeypatch.setenv("COURSE_BUILD_DIR", str(target / "sub" / "build"))
    with pytest.raises(config.BuildDirError, match=f"lies under {target}, which is a file"):
        config.artifacts_dir()
    assert target.read_text() == "mine"


def test_a_read_only_build_dir_names_the_variable(tmp_path, monkeypatch):
    target = tmp_path / "locked"
    target.mkdir()
    target.chmod(0o555)
    if os.geteuid() == 0:  # root writes anyway: make the write fail as a read-only folder's would

        def refuse(self, content):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(config.Path, "write_bytes", refuse)
    monkeypatch.setenv("COURSE_BUILD_DIR", str(target))
    try:
        with pytest.raises(
            config.BuildDirError,
            match=r"COURSE_BUILD_DIR=.* cannot be written to "
            r"\(Permission denied\)",
        ):
            config.results_path()
    finally:
        target.chmod(0o755)


# ---------------------------------------------------------------- results


@pytest.mark.parametrize(
    "entries",
    [
        [{"profile": "full"}],
        [1, 2],
        [{"profile": "full", "notebook": "x", "key": "y", "value": "fast", "unit": "ms"}],
    ],
)
def test_malformed_results_entries_are_set_aside_with_one_sentence(entries, capsys):
    path = config.results_path()
    path.write_text(json.dumps({"entries": entries}))
    results.record("faults", "x", 1, "n")  # not a stop: the damaged file is set aside
    assert "is not a results file this course wrote (entry 1 " in capsys.readouterr().err
    (aside,) = path.parent.glob("results.json.damaged-*")
    assert json.loads(aside.read_text()) == {"entries": entries}  # kept as it was
    assert [e["key"] for e in results.load()] == ["x"]


RECORDER = """
import sys
from utils import results
for i in range(200):
    results.record("faults", f"w{sys.argv[1]}-{i}", i, "n")
"""


def test_two_recorders_of_200_results_each_keep_all_400():
    workers = [
        subprocess.Popen([sys.executable, "-c", RECORDER, str(w)], cwd=config.ROOT)
        for w in range(2)
    ]  # COURSE_BUILD_DIR: this test's folder, inherited
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    assert len({e["key"] for e in results.load()}) == 400


def test_an_unknown_profile_or_dataset_gets_one_sentence(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(
        ValueError, match="Unknown course profile 'fast' in COURSE_PROFILE; use one of"
    ):
        config.settings()
    monkeypatch.setenv("COURSE_DATASET", "imagenet")
    with pytest.raises(
        ValueError, match="Unknown dataset 'imagenet' in COURSE_DATASET; use one of"
    ):
        config.dataset_name()


# ---------------------------------------------------------------- invalid numbers

LTE = latency.Network("LTE", 6, 20, 53, 0.0, "test")

CALLS = {
    "transmit_ms": lambda v: latency.transmit_ms(1000, v),
    "break_even_uplink_mbps": lambda v: latency.break_even_uplink_mbps(1000, LTE, v, 50),
    "utilisation": lambda v: latency.utilisation(v, 5),
    "mmc_mean_response_ms": lambda v: latency.mmc_mean_response_ms(10, v, 2),
    "md1_mean_response_ms": lambda v: latency.md1_mean_response_ms(v, 5),
    "percentiles": lambda v: latency.percentiles([1.0, v, 3.0]),
    "deadline_miss_rate": lambda v: latency.deadline_miss_rate([1.0, 2.0], v),
    "feet_travelled": lambda v: latency.feet_travelled(10, v),
    "simulate_server": lambda v: latency.simulate_server(10, v, 5),
    "explorer.compute": lambda v: explorer.compute([], {}, explorer.Settings(rtt_ms=v)),
}
# what each value is called in the one sentence; percentiles and the deadline accept inf
WORDS = {math.nan: "is not a number (NaN)", -1.0: "is negative", math.inf: "is infinite"}


@pytest.mark.parametrize("value", WORDS, ids=["nan", "negative", "inf"])
@pytest.mark.parametrize("helper", CALLS)
def test_invalid_numbers_get_one_clear_value_error(helper, value):
    if value == math.inf and helper == "percentiles":  # a dropped frame counts as slowest
        assert CALLS[helper](value)["p99"] == math.inf
        return
    if value == math.inf and helper == "deadline_miss_rate":  # no deadline: nothing misses it
        assert CALLS[helper](value) == 0
        return
    with pytest.raises(ValueError, match=WORDS[value].replace("(", r"\(").replace(")", r"\)")):
        CALLS[helper](value)


def test_zero_where_it_divides_and_empty_samples_are_refused():
    with pytest.raises(ValueError, match=r"mbps=0 is 0; give a number above 0"):
        latency.transmit_ms(1000, 0)
    with pytest.raises(ValueError, match="samples_ms is empty"):
        latency.percentiles([])
    with pytest.raises(ValueError, match="servers=0 is below 1"):
        latency.mmc_mean_response_ms(10, 5, 0)
    with pytest.raises(ValueError, match="servers=1.5 is not a whole number"):
        latency.utilisation(10, 5, 1.5)
    with pytest.raises(ValueError, match=r"rtt_ms=nan is not a number \(NaN\)"):
        explorer.compute([], {}, explorer.Settings(rtt_ms=math.nan))


def test_validate_accepts_what_is_valid():
    validate.positive(a=1e-9, b=np.array([1, 2]))
    validate.non_negative(a=0, b=[0.0, math.inf], allow_inf=True)
    validate.fraction(a=0, b=1)
    validate.whole(a=np.int64(3))
    validate.finite(a=-5)
    with pytest.raises(ValueError, match="is a truth value"):
        validate.positive(a=True)
    with pytest.raises(ValueError, match=r"x='abc' is not a number \(str\)"):
        validate.finite(x="abc")


# ---------------------------------------------------------------- the loopback server


def predict(images):
    return np.tile([[0.2, 0.3, 0.5]], (len(images), 1))


@pytest.fixture(scope="module")
def server():
    with serving.InferenceServer(predict, 8, timeout_s=0.5) as running:
        yield running


def address(server):
    host, port = server.url.removeprefix("http://").split(":")
    assert host == "127.0.0.1"
    return host, int(port)


def raw(server, request: bytes) -> bytes:
    """Send raw bytes; return everything the server answers before it closes the connection."""
    with socket.create_connection(address(server), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels in a few dozen bytes (no pixel data)."""

    def chunk(kind, payload):
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))


@pytest.mark.parametrize(
    "length, status",
    [
        (None, 411),
        ("abc", 400),
        ("-1", 400),
        ("1.5", 400),
        (str(10**12), 413),
        (str(serving.MAX_BODY_BYTES + 1), 413),
    ],
)
def test_bad_content_lengths_are_answered_at_once(server, length, status):
    header = "" if length is None else f"Content-Length: {length}\r\n"
    start = time.perf_counter()
    answer = raw(server, f"POST /predict HTTP/1.1\r\nHost: x\r\n{header}\r\n".encode())
    assert answer.startswith(f"HTTP/1.1 {status} ".encode())
    assert time.perf_counter() - start < 0.4  # answered, not left to the 0.5 s socket timeout


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("width, height", [(12_000, 12_000), (20_000, 20_000)])
def test_images_over_the_pixel_limit_are_refused_from_the_header(server, width, height):
    body = png_header(width, height)
    assert len(body) < 100
    answer = raw(
        server,
        b"POST /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
    )
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_get_is_405_with_allow(server):
    answer = raw(server, b"GET /predict HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405 ") and b"\r\nAllow: POST\r\n" in answer


def test_a_silent_client_is_disconnected_after_the_timeout(server):
    start = time.perf_counter()
    answer = raw(server, b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    assert answer == b"" and 0.4 < time.perf_counter() - start < 4


def test_a_burst_of_200_simultaneous_requests_is_all_answered(server):
    body = encode(Image.new("RGB", (8, 8), (1, 2, 3)), "PNG")
    statuses, barrier = [], threading.Barrier(200)

    def one():
        connection = http.client.HTTPConnection(*address(server), timeout=30)
        barrier.wait()
        connection.request("POST", "/predict", body=body)
        response = connection.getresponse()
        statuses.append((response.status, json.loads(response.read())["label"]))
        connection.close()

    threads = [threading.Thread(target=one) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [(200, 2)] * 200
    assert serving._Server.request_queue_size >= 128
