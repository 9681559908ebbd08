"""Datasets: the generated tfds dataset, your own photos, the catalogue subset, the pipeline."""

import hashlib

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from utils import artifacts, config, data, imagegen


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    return config.settings()


def digests(ds):
    return sorted(hashlib.sha256(image.numpy().tobytes()).hexdigest() for image, _ in ds)


# ---------------------------------------------------------------- generated


def test_generated_dataset_is_a_tfds_dataset_of_the_generator_images(smoke):
    info = data.builder().info
    assert info.features["label"].names == list(imagegen.CLASSES)
    assert info.supervised_keys == ("image", "label")
    assert {s: info.splits[s].num_examples for s in data.SPLITS} == {
        "train": smoke.train_size,
        "validation": smoke.validation_size,
        "test": smoke.test_size,
        "novel": smoke.novel_size,
    }
    test = data.load("test")
    expected = [
        imagegen.example(
            "test", i, seed=smoke.seed, size=smoke.image_size, difficulty=smoke.difficulty
        )[0]
        for i in range(smoke.test_size)
    ]
    assert digests(test) == sorted(hashlib.sha256(e.tobytes()).hexdigest() for e in expected)
    image, label = next(iter(test))
    assert image.dtype == tf.uint8 and image.shape == (smoke.image_size, smoke.image_size, 3)
    assert label.dtype == tf.int64


def test_generated_dataset_is_cached_and_rebuilt_when_the_difficulty_changes(smoke, monkeypatch):
    first = artifacts.get("data.generated")
    assert artifacts.get("data.generated") == first
    harder = dict(
        config.PROFILES, smoke=config.dataclasses.replace(smoke, difficulty=smoke.difficulty / 2)
    )
    monkeypatch.setattr(config, "PROFILES", harder)
    assert artifacts.path("data.generated") != first


# ---------------------------------------------------------------- your own photos


def save(path, mode="RGB", size=(40, 30), colour=(200, 30, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = colour if mode != "L" else 128
    Image.new(mode, size, colour if mode != "RGBA" else (*colour, 100)).save(path)


@pytest.fixture
def photos(tmp_path, monkeypatch):
    root = tmp_path / "my_images"
    for i in range(4):
        save(root / "dog" / f"dog{i}.png")
        save(root / "car" / f"car{i}.jpg", colour=(20, 20, 220))
    save(root / "car" / "grey.png", mode="L")
    save(root / "dog" / "glass.png", mode="RGBA")
    (root / "dog" / "broken.jpg").write_bytes(b"not really a jpeg")
    (root / "dog" / "notes.txt").write_text("good boy")
    (root / "README.md").write_text("a file at the top is not a class")
    monkeypatch.setenv("COURSE_DATASET", "my_images")
    monkeypatch.setenv("COURSE_MY_IMAGES", str(root))
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    return root


def snapshot(root):
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_photos_are_checked_split_and_loaded_without_touching_them(photos, capsys):
    before = snapshot(photos)
    assert data.class_names() == ["car", "dog"]
    out = capsys.readouterr().out
    assert "dog/broken.jpg: cannot be decoded" in out and "dog/notes.txt: not a .jpg" in out
    seen = 0
    for split in ("train", "validation", "test"):
        for image, label in data.load(split):
            assert image.dtype == tf.uint8 and image.shape == (64, 64, 3)
            assert int(label) in (0, 1)
            seen += 1
    assert seen == 10  # 5 usable photos per class
    assert snapshot(photos) == before


def test_photo_split_is_deterministic(photos):
    first = data.scan_photos(photos)
    second = data.scan_photos(photos)
    assert first.files == second.files
    assert all(len(first.files[s]["dog"]) >= 1 for s in ("train", "validation", "test"))
    assert first.classes == ["car", "dog"]


def test_split_folders_are_used_and_validation_carved_from_train(tmp_path):
    for split, n in (("train", 5), ("test", 2), ("novel", 1)):
        for name in ("dog", "car"):
            for i in range(n):
                save(tmp_path / split / name / f"{i}.png")
    photos = data.scan_photos(tmp_path)
    assert [p.parent.parent.name for p in photos.files["test"]["dog"]] == ["test", "test"]
    assert len(photos.files["validation"]["dog"]) == 1 and len(photos.files["train"]["dog"]) == 4
    assert [p.parent.parent.name for p in photos.files["novel"]["car"]] == ["novel"]


def test_an_empty_class_folder_is_named(photos):
    (photos / "bicycle").mkdir()
    with pytest.raises(ValueError, match="class folder .*bicycle has no usable"):
        data.scan_photos(photos)


def test_a_single_class_is_refused(tmp_path):
    for i in range(3):
        save(tmp_path / "dog" / f"{i}.png")
    with pytest.raises(ValueError, match="1 class folder.*at least two"):
        data.scan_photos(tmp_path)


def test_too_few_photos_to_split_are_refused(tmp_path):
    for name in ("dog", "car"):
        for i in range(2):
            save(tmp_path / name / f"{i}.png")
    with pytest.raises(ValueError, match="needs at least 3"):
        data.scan_photos(tmp_path)


def test_a_missing_folder_says_what_to_create(tmp_path):
    with pytest.raises(FileNotFoundError, match="create .*<class>/ folders"):
        data.scan_photos(tmp_path / "nowhere")


def test_photos_have_no_novel_split(photos):
    with pytest.raises(ValueError, match="no 'novel' split; it has test, train, validation"):
        data.load("novel")


# ---------------------------------------------------------------- the catalogue subset


def test_offline_catalogue_says_what_to_use_instead(monkeypatch):
    monkeypatch.setenv("COURSE_DATASET", "cifar10")

    def offline(*args, **kwargs):
        raise OSError("Name or service not known")

    monkeypatch.setattr(data.socket, "create_connection", offline)
    with pytest.raises(data.OfflineError, match="cannot be reached.*generated dataset.*my_images"):
        data.load("train")


def test_keep_classes_relabels_and_drops_the_rest():
    labels = tf.constant(list(range(10)) * 2, dtype=tf.int64)
    ds = tf.data.Dataset.from_tensor_slices((tf.zeros((20, 2, 2, 3), tf.uint8), labels))
    kept = [int(label) for _, label in data.keep_classes(ds, [5, 1, 9])]
    assert kept == [1, 0, 2] * 2  # automobile (1) → 1, dog (5) → 0, truck (9) → 2, in order


def test_catalogue_subset_with_mock_data(monkeypatch):
    monkeypatch.setenv("COURSE_DATASET", "cifar10")
    monkeypatch.setattr(
        data, "_require_online", lambda homepage: None
    )  # mock_data downloads nothing
    with tfds.testing.mock_data(num_examples=90, policy=tfds.testing.MockPolicy.USE_CODE):
        raw = [int(label) for _, label in tfds.load("cifar10", split="train", as_supervised=True)]
        subset = list(data.load("train"))
    expected = sum(label in data.CATALOGUE_CLASSES.values() for label in raw)
    assert len(subset) == expected > 0
    assert {int(label) for _, label in subset} <= {0, 1, 2}
    assert all(image.shape == (64, 64, 3) and image.dtype == tf.uint8 for image, _ in subset)
    assert data.class_names() == ["dog", "automobile", "truck"]


# ---------------------------------------------------------------- the pipeline


def toy(n=40):
    images = np.arange(n * 8 * 8 * 3, dtype=np.int64).reshape(n, 8, 8, 3) % 256
    return tf.data.Dataset.from_tensor_slices((images.astype(np.uint8), np.arange(n) % 3))


def test_pipeline_scales_and_batches():
    batches = list(data.pipeline(toy(), batch_size=16))
    assert [b[0].shape[0] for b in batches] == [16, 16, 8]
    images = batches[0][0]
    assert images.dtype == tf.float32 and 0.0 <= float(tf.reduce_min(images))
    assert float(tf.reduce_max(images)) <= 1.0 and float(tf.reduce_max(images)) > 0.5


def test_arrays_hold_the_whole_split_scaled_and_in_order(monkeypatch):
    monkeypatch.setattr(data, "load", lambda split: toy(40))
    images, labels = data.arrays("test", batch_size=16)  # 16 + 16 + 8: every batch kept
    assert images.shape == (40, 8, 8, 3) and images.dtype == np.float32 and labels.shape == (40,)
    expected = (np.arange(40 * 8 * 8 * 3).reshape(40, 8, 8, 3) % 256) / 255  # toy's pixels, scaled
    assert np.allclose(images, expected) and list(labels) == list(np.arange(40) % 3)


def test_training_pipeline_reshuffles_each_epoch_and_keeps_every_example():
    ds = data.pipeline(toy(), batch_size=40, training=True, seed=1)
    first, second = (next(iter(ds))[1].numpy() for _ in range(2))
    assert sorted(first) == sorted(second) == sorted(np.arange(40) % 3)
    assert list(first) != list(second)


def test_cache_and_prefetch_do_not_change_the_content():
    plain = data.pipeline(toy(), batch_size=8, cache=False, prefetch=False)
    fast = data.pipeline(toy(), batch_size=8)
    for (a, la), (b, lb) in zip(plain, fast):
        assert np.array_equal(a, b) and np.array_equal(la, lb)


def test_augmentation_keeps_labels_shape_and_range_but_changes_images():
    ds = toy().map(data.scale)
    augmented = ds.map(data.augment)
    changed = 0
    for (x, y), (ax, ay) in zip(ds, augmented):
        assert int(y) == int(ay) and ax.shape == x.shape
        assert 0.0 <= float(tf.reduce_min(ax)) and float(tf.reduce_max(ax)) <= 1.0
        changed += not np.allclose(x, ax)
    assert changed > 20


def test_images_per_second_is_the_median_after_the_first_epoch(monkeypatch):
    # epochs of 10 s (filling caches), 2 s, 4 s and 1 s: the median of the last three is 2 s
    clock = iter([0.0, 10.0, 10.0, 12.0, 12.0, 16.0, 16.0, 17.0])
    monkeypatch.setattr(data.time, "perf_counter", lambda: next(clock))
    assert data.images_per_second(data.pipeline(toy(), batch_size=8), epochs=4) == 40 / 2


def test_images_per_second_times_more_epochs_until_min_seconds(monkeypatch):
    # epochs of 10 s (filling caches, not counted), then 2 s and 4 s: 2 timed epochs were asked
    # for, but 2 s is under min_seconds=5, so a third is read; 2 + 4 = 6 s >= 5 s, so it stops.
    # 40 images: rates 20 and 10 images/s, median (20 + 10) / 2 = 15.
    clock = iter([0.0, 10.0, 10.0, 12.0, 12.0, 16.0])
    monkeypatch.setattr(data.time, "perf_counter", lambda: next(clock))
    ds = data.pipeline(toy(), batch_size=8)
    assert data.images_per_second(ds, epochs=2, min_seconds=5) == 15


class Epochs:
    """A stand-in for a batched dataset: one batch of 8 images an epoch; it notes in ``events``
    when the clock is read and when an epoch's iterator is released."""

    def __init__(self, events):
        self.events = events

    def __iter__(self):
        events = self.events

        class Iterator:
            def __init__(self):
                self.batches = iter([(np.zeros((8, 2, 2, 3)), np.zeros(8))])

            def __next__(self):
                return next(self.batches)

            def __iter__(self):
                return self

            def __del__(self):
                events.append("released")

        return Iterator()


def test_images_per_second_stops_the_clock_before_the_iterator_is_released(monkeypatch):
    # each epoch: clock read (start), one batch, clock read (stop), then the iterator is
    # released; so the two reads of every epoch come before its "released"
    events, ticks = [], iter([0.0, 1.0, 1.0, 3.0])
    monkeypatch.setattr(data.time, "perf_counter", lambda: events.append("clock") or next(ticks))
    assert data.images_per_second(Epochs(events), epochs=2) == 8 / 2  # the second epoch: 2 s
    assert events == ["clock", "clock", "released"] * 2


def test_images_per_second_refuses_a_negative_min_seconds():
    with pytest.raises(ValueError, match="min_seconds=-1 is negative"):
        data.images_per_second(data.pipeline(toy(), batch_size=8), min_seconds=-1)


def test_images_per_second_needs_a_timed_epoch():
    with pytest.raises(ValueError, match="at least 2"):
        data.images_per_second(data.pipeline(toy(), batch_size=8), epochs=1)


def test_loose_images_and_broken_links_are_listed_in_a_folder_without_splits(tmp_path):
    root = tmp_path / "photos"
    for name in ("dog", "car"):
        for i in range(3):
            save(root / name / f"{i}.png")
    save(root / "loose.jpg")
    (root / "dog" / "gone.jpg").symlink_to(root / "missing.jpg")
    (root / "dog" / "album").mkdir()
    skipped = dict(data.scan_photos(root).skipped)
    assert skipped == {
        "loose.jpg": data.LOOSE,
        "dog/gone.jpg": data.BROKEN_LINK,
        "dog/album": data.NESTED,
    }


def class_folders(root, per_class=3):
    for name in ("dog", "car"):
        for i in range(per_class):
            save(root / name / f"{i}.png")


def test_a_photo_over_the_pixel_limit_is_skipped_from_its_header_naming_it(tmp_path, monkeypatch):
    from utils import photos

    root = tmp_path / "photos"
    class_folders(root)
    save(root / "dog" / "wide.png", size=(101, 100))  # 101 x 100 = 10,100 pixels
    save(root / "dog" / "edge.png", size=(100, 100))  # 10,000: exactly the limit, allowed
    monkeypatch.setattr(photos, "MAX_PIXELS", 10_000)
    decoded = []
    monkeypatch.setattr(photos, "decode_photo", lambda encoded: decoded.append(1))
    skipped = dict(photos.scan_photos(root).skipped)
    assert skipped == {
        "dog/wide.png": f"101 x 100 = 10,100 pixels, more than 10,000: {photos.TOO_LARGE_FIX}"
    }
    assert len(decoded) == 7  # 3 + 3 + edge.png were decoded; wide.png never was


def test_a_photo_past_pillows_own_bomb_limit_is_skipped_before_decoding(tmp_path, monkeypatch):
    from utils import photos

    path = tmp_path / "bomb.png"
    save(path, size=(30, 20))  # 600 pixels
    # Pillow's Image.open raises DecompressionBombError past twice its limit: 600 > 2 x 200
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 200)
    assert photos._usable(path) == f"more than {photos.MAX_PIXELS:,} pixels: {photos.TOO_LARGE_FIX}"


def test_devices_pipes_and_hidden_entries_are_listed_with_their_reason(tmp_path):
    import os

    from utils import photos

    root = tmp_path / "photos"
    class_folders(root)
    (root / "dog" / "zero.jpg").symlink_to("/dev/zero")  # a device: never read
    os.mkfifo(root / "car" / "pipe.png")  # opening it would wait for a writer forever
    (root / "...").mkdir()  # a folder whose name starts with "."
    save(root / "dog" / ".hidden.png")
    (root / "dog" / ".DS_Store").write_bytes(b"Bud1")  # the operating system's clutter: no line
    (root / "dog" / "._0.png").write_bytes(b"\0\5\x16\7")  # macOS metadata of 0.png: no line
    result = photos.scan_photos(root)
    assert dict(result.skipped) == {
        "...": photos.HIDDEN,
        "dog/zero.jpg": photos.NOT_REGULAR,
        "dog/.hidden.png": photos.HIDDEN,
        "car/pipe.png": photos.NOT_REGULAR,
    }
    used = [p.name for split in result.files.values() for p in split.get("dog", [])]
    assert sorted(used) == ["0.png", "1.png", "2.png"]  # the three photos, nothing else


@pytest.mark.parametrize(
    "mode, size", [("L", (5, 7)), ("RGBA", (5, 7)), ("CMYK", (5, 7)), ("I;16", (5, 7))]
)
def test_the_photo_decoder_gives_three_channel_uint8(tmp_path, mode, size):
    path = tmp_path / ("a.jpg" if mode == "CMYK" else "a.png")
    Image.new(mode, size).save(path)
    image = data.decode_photo(tf.io.read_file(str(path)))
    assert image.shape == (7, 5, 3) and image.dtype == tf.uint8
