"""Notebooks 01-08: the course's datasets, assembled with tensorflow-datasets, and tf.data.

``COURSE_DATASET`` picks the source; every split comes out the same way, as ``(image, label)``
pairs of ``uint8`` images ``image_size x image_size x 3`` and integer labels:

- ``generated`` (default): dogs, cars and bicycles drawn by :mod:`utils.imagegen`, built as a
  real tfds dataset (:class:`DogsCarsBicycles`) and cached as the artifact ``data.generated``.
  Splits ``train``, ``validation``, ``test`` and ``novel`` (a distribution shift).
- ``my_images``: your own photos, ``data/my_images/<class>/*.jpg|png`` (optionally with a
  ``train/``, ``validation/``, ``test/`` level), checked and staged by :mod:`utils.photos` and
  read by ``tfds.ImageFolder``.
- ``cifar10``: CIFAR-10's dog, automobile and truck images through ``tfds`` (needs the internet
  the first time).
"""

from __future__ import annotations

import socket
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

import tensorflow as tf
import tensorflow_datasets as tfds

from utils import artifacts, config, imagegen, validate
from utils.photos import (  # noqa: F401  (re-exported: the photo check's names, as before)
    BROKEN_LINK,
    HELD_OUT,
    IMAGE_SUFFIXES,
    LOOP,
    LOOSE,
    NESTED,
    NOT_A_SPLIT,
    Photos,
    decode_photo,
    scan_photos,
)

AUTOTUNE = tf.data.AUTOTUNE
SPLITS = imagegen.SPLITS
SHUFFLE_BUFFER = 2048


# ---------------------------------------------------------------- the generated dataset


class DogsCarsBicyclesConfig(tfds.core.BuilderConfig):
    """One configuration per course profile: its sizes, seed and difficulty."""

    def __init__(self, *, settings: config.Settings):
        super().__init__(
            name=settings.profile,
            description=f"The {settings.profile!r} profile: {settings.train_size} training images.",
        )
        self.settings = settings


class DogsCarsBicycles(tfds.core.GeneratorBasedBuilder):
    """Dogs, cars and bicycles, drawn procedurally: the course's default dataset."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {
        "1.0.0": "Four splits; `novel` draws backgrounds and palettes never trained on."
    }
    BUILDER_CONFIGS = [DogsCarsBicyclesConfig(settings=s) for s in config.PROFILES.values()]

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.settings.image_size
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Line-art dogs, cars and bicycles on varied backgrounds, with rotation, flips, "
                "occlusion, blur and noise. The `novel` split uses background styles and colour "
                "palettes that train, validation and test never contain."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 3)),
                    "label": tfds.features.ClassLabel(names=imagegen.CLASSES),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        s = self.builder_config.settings
        sizes = {
            "train": s.train_size,
            "validation": s.validation_size,
            "test": s.test_size,
            "novel": s.novel_size,
        }
        return {split: self._generate_examples(split, n) for split, n in sizes.items()}

    def _generate_examples(self, split: str, n: int):
        s = self.builder_config.settings
        for index in range(n):
            image, label = imagegen.example(
                split, index, seed=s.seed, size=s.image_size, difficulty=s.difficulty
            )
            yield index, {"image": image, "label": label}


def _generated_settings() -> dict:
    s = config.settings()
    return {
        "version": str(DogsCarsBicycles.VERSION),
        "image_size": s.image_size,
        "seed": s.seed,
        "difficulty": s.difficulty,
        "sizes": [s.train_size, s.validation_size, s.test_size, s.novel_size],
    }


@artifacts.register(
    "data.generated", settings=_generated_settings, what="the generated images, split and shuffled"
)
def _prepare_generated(folder: Path, settings: dict) -> None:
    DogsCarsBicycles(config=config.profile_name(), data_dir=str(folder)).download_and_prepare()


# ---------------------------------------------------------------- a catalogue dataset

CATALOGUE = "cifar10"
# CIFAR-10's label numbers (fixed by the dataset: airplane 0, automobile 1, … dog 5, … truck 9)
CATALOGUE_CLASSES = {"dog": 5, "automobile": 1, "truck": 9}


class OfflineError(RuntimeError):
    """A catalogue dataset must be downloaded, and the machine is offline."""


def _require_online(homepage: str) -> None:
    """The catalogue's host can be reached: directly, or through the proxy that HTTPS_PROXY /
    HTTP_PROXY name for it (NO_PROXY honoured), which is how tfds will download it."""
    import urllib.request

    url = urlparse(homepage if "://" in homepage else f"https://{homepage}")
    host = url.hostname or homepage
    proxy = urllib.request.getproxies().get(url.scheme or "https")
    if proxy and not urllib.request.proxy_bypass(host):
        proxied = urlparse(proxy if "://" in proxy else f"http://{proxy}")
        target = (proxied.hostname, proxied.port or (443 if proxied.scheme == "https" else 80))
    else:
        target = (host, url.port or (80 if url.scheme == "http" else 443))
    try:
        socket.create_connection(target, timeout=5).close()
    except OSError:
        via = f" through the proxy {proxy}" if target[0] != host else ""
        raise OfflineError(
            f"The {CATALOGUE} catalogue dataset must be downloaded once, and {host} cannot be "
            f"reached from this machine{via}: use the generated dataset (unset "
            f"{config.DATASET_VARIABLE}) or your own photos ({config.DATASET_VARIABLE}=my_images)."
        ) from None


def _catalogue_builder() -> tfds.core.DatasetBuilder:
    builder = tfds.builder(CATALOGUE, data_dir=str(config.build_dir() / "tfds"))
    if not builder.is_prepared():
        _require_online(builder.info.homepage)
        builder.download_and_prepare()
    return builder


def keep_classes(ds: tf.data.Dataset, labels: list[int]) -> tf.data.Dataset:
    """Keep only the examples whose label is in ``labels``, relabelled 0, 1, … in that order."""
    table = [-1] * (max(labels) + 1)
    for new, old in enumerate(labels):
        table[old] = new
    lookup = tf.constant(table, dtype=tf.int64)
    ds = ds.filter(lambda image, label: label < len(table))
    ds = ds.map(lambda image, label: (image, tf.gather(lookup, label)))
    return ds.filter(lambda image, label: label >= 0)


# ---------------------------------------------------------------- one interface for all three


def builder() -> tfds.core.DatasetBuilder:
    """The prepared tfds builder of the active dataset (``builder.info`` describes it)."""
    name = config.dataset_name()
    if name == "generated":
        return DogsCarsBicycles(
            config=config.profile_name(), data_dir=str(artifacts.get("data.generated"))
        )
    if name == "my_images":
        folder = artifacts.get("data.my_images")
        return tfds.ImageFolder(str(folder / "splits"), shape=(None, None, 3))
    return _catalogue_builder()


def class_names() -> list[str]:
    if config.dataset_name() == CATALOGUE:
        return list(CATALOGUE_CLASSES)
    return builder().info.features["label"].names


def has_split(split: str) -> bool:
    """Whether the active dataset has this split (``novel`` is optional for your own photos)."""
    if config.dataset_name() == CATALOGUE:
        return split in SPLITS[:3]
    return split in builder().info.splits


MISSING_NOVEL = (
    "This dataset has no `novel` split, so the distribution-shift part is skipped: "
    "to add it, put photos taken under new conditions (another place, camera or "
    "light) in a novel/<class>/ folder beside train/ and test/."
)


def square(image: tf.Tensor, size: int) -> tf.Tensor:
    """Crop the central square and resize it to ``size`` x ``size`` (uint8 in, uint8 out)."""
    shape = tf.shape(image)
    side = tf.minimum(shape[0], shape[1])
    image = tf.image.resize_with_crop_or_pad(image, side, side)
    image = tf.image.resize(image, (size, size), antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def load(split: str) -> tf.data.Dataset:
    """One split of the active dataset as ``(uint8 image, int64 label)`` pairs, in a fixed order."""
    b = builder()
    # your photos are decoded by decode_photo, the same decoder that checked them
    decoders = (
        {"image": tfds.decode.SkipDecoding()} if config.dataset_name() == "my_images" else None
    )
    try:
        ds = b.as_dataset(split=split, as_supervised=True, shuffle_files=False, decoders=decoders)
    except ValueError:
        raise ValueError(
            f"The {config.dataset_name()!r} dataset has no {split!r} split; it has "
            f"{', '.join(sorted(b.info.splits))}."
        ) from None
    if decoders:
        ds = ds.map(
            lambda encoded, label: (decode_photo(encoded), label), num_parallel_calls=AUTOTUNE
        )
    if config.dataset_name() == CATALOGUE:
        ds = keep_classes(ds, list(CATALOGUE_CLASSES.values()))
    if config.dataset_name() != "generated":
        size = config.settings().image_size
        ds = ds.map(lambda image, label: (square(image, size), label), num_parallel_calls=AUTOTUNE)
    return ds


# ---------------------------------------------------------------- the input pipeline


def scale(image: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """uint8 pixels 0..255 → float32 0..1."""
    return tf.cast(image, tf.float32) / 255.0, label


def augment(image: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Random flip, crop, brightness and contrast; the label stays what it was."""
    size = tf.shape(image)[0]
    image = tf.image.random_flip_left_right(image)
    image = tf.pad(image, [[4, 4], [4, 4], [0, 0]], mode="REFLECT")  # no black borders
    image = tf.image.random_crop(image, tf.stack([size, size, 3]))
    image = tf.image.random_brightness(image, 0.1)
    image = tf.image.random_contrast(image, 0.8, 1.2)
    return tf.clip_by_value(image, 0.0, 1.0), label


def pipeline(
    ds: tf.data.Dataset,
    batch_size: int,
    *,
    training: bool = False,
    augmented: bool = False,
    cache: bool = True,
    prefetch: bool = True,
    seed: int | None = None,
) -> tf.data.Dataset:
    """scale → cache → shuffle (training) → augment → batch → prefetch, each step optional."""
    ds = ds.map(scale, num_parallel_calls=AUTOTUNE)
    if cache:
        ds = ds.cache()
    if training:
        ds = ds.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    if augmented:
        ds = ds.map(augment, num_parallel_calls=AUTOTUNE)
    ds = ds.batch(batch_size)
    return ds.prefetch(AUTOTUNE) if prefetch else ds


def arrays(split: str, batch_size: int = 256):
    """A whole split in memory, in its fixed order, as NumPy arrays: float32 images scaled to
    [0, 1] as in training, ``(n, size, size, 3)``, and integer labels, ``(n,)``."""
    import numpy as np

    batches = list(pipeline(load(split), batch_size, cache=False))
    return (
        np.concatenate([x.numpy() for x, _ in batches]),
        np.concatenate([y.numpy() for _, y in batches]),
    )


def images_per_second(
    ds: tf.data.Dataset, epochs: int = 3, step_ms: float = 0, min_seconds: float = 0
) -> float:
    """Read the batched dataset epoch after epoch; the median images per second after the first.

    The first epoch fills caches and is left out. Then at least ``epochs - 1`` epochs are timed,
    and more until they add up to ``min_seconds``: an epoch of a few milliseconds (a cached one)
    is too short to time once, since one pause of the machine would swamp it. Each epoch is timed
    from creating its iterator to its last batch. Releasing the iterator is left out: it stops
    tf.data's autotuning thread, a fixed cost per epoch (milliseconds) and no part of reading.
    ``step_ms`` pauses after every batch, as a model's training step would: that is the time a
    ``prefetch`` can use to prepare the next.
    """
    if epochs < 2:
        raise ValueError(f"epochs={epochs}: the first epoch only warms up; read at least 2.")
    validate.non_negative(step_ms=step_ms, min_seconds=min_seconds)
    rates, timed = [], 0.0
    while len(rates) < epochs or timed < min_seconds:
        start, count = time.perf_counter(), 0
        iterator = iter(ds)
        for images, _ in iterator:
            count += int(images.shape[0])
            if step_ms:
                time.sleep(step_ms / 1000)
        seconds = time.perf_counter() - start
        del iterator  # released outside the timer (see above)
        rates.append(count / seconds)
        timed += seconds if len(rates) > 1 else 0.0
    return statistics.median(rates[1:])


# -------------------------------------------------------------- JPEG files, for the pipeline lesson

JPEG_SIZE = 384  # pixels: photos on disk are larger than what the model sees
JPEG_COUNT = 512  # files (at most the training split's size)


def _jpeg_settings() -> dict:
    s = config.settings()
    return {
        "dataset": _generated_settings(),
        "count": min(s.train_size, JPEG_COUNT),
        "size": JPEG_SIZE,
        "quality": 90,
    }


@artifacts.register(
    "data.jpeg_files", settings=_jpeg_settings, what="the dataset written out as JPEG files"
)
def _write_jpegs(folder: Path, settings: dict) -> None:
    """The generated training images as JPEG files: enlarged to ``size`` pixels, with a little
    sensor-like noise so they compress (and decode) like photos rather than flat drawings."""
    import numpy as np
    from PIL import Image

    generated = DogsCarsBicycles(
        config=config.profile_name(), data_dir=str(artifacts.get("data.generated"))
    )
    names = imagegen.CLASSES
    images = generated.as_dataset(split="train", as_supervised=True, shuffle_files=False)
    images = images.take(settings["count"]).as_numpy_iterator()
    for index, (image, label) in enumerate(images):
        size = settings["size"]
        big = np.asarray(Image.fromarray(image).resize((size, size), Image.BICUBIC), np.int16)
        big += np.random.default_rng(index).integers(-12, 13, big.shape, dtype=np.int16)
        Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).save(
            folder / f"{index:05d}_{names[label]}.jpg", quality=settings["quality"]
        )


def jpeg_files() -> tuple[list[str], list[int]]:
    """The generated training images as JPEG files on disk (written once, cached under build/):
    their paths and labels, in a fixed order."""
    folder = artifacts.get("data.jpeg_files")
    paths = sorted(folder.glob("*.jpg"))
    return [str(p) for p in paths], [imagegen.CLASSES.index(p.stem.split("_", 1)[1]) for p in paths]
