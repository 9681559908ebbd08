"""The course's datasets, assembled with tensorflow-datasets, and the tf.data input pipeline.

``COURSE_DATASET`` picks the source; every split comes out the same way, as ``(image, label)``
pairs of ``uint8`` images ``image_size x image_size x 3`` and integer labels:

- ``generated`` (default): dogs, cars and bicycles drawn by :mod:`utils.imagegen`, built as a
  real tfds dataset (:class:`DogsCarsBicycles`) and cached as the artifact ``data.generated``.
  Splits ``train``, ``validation``, ``test`` and ``novel`` (a distribution shift).
- ``my_images``: your own photos, ``data/my_images/<class>/*.jpg|png`` (optionally with a
  ``train/``, ``validation/``, ``test/`` level), read by ``tfds.ImageFolder``.
- ``cifar10``: CIFAR-10's dog, automobile and truck images through ``tfds`` (needs the internet
  the first time).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import socket
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

import tensorflow as tf
import tensorflow_datasets as tfds

from utils import artifacts, config, imagegen

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
    RELEASE_NOTES = {"1.0.0": "Four splits; `novel` draws backgrounds and palettes never trained on."}
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
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(size, size, 3)),
                "label": tfds.features.ClassLabel(names=imagegen.CLASSES),
            }),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        s = self.builder_config.settings
        sizes = {"train": s.train_size, "validation": s.validation_size, "test": s.test_size,
                 "novel": s.novel_size}
        return {split: self._generate_examples(split, n) for split, n in sizes.items()}

    def _generate_examples(self, split: str, n: int):
        s = self.builder_config.settings
        for index in range(n):
            image, label = imagegen.example(split, index, seed=s.seed, size=s.image_size,
                                            difficulty=s.difficulty)
            yield index, {"image": image, "label": label}


def _generated_settings() -> dict:
    s = config.settings()
    return {"version": str(DogsCarsBicycles.VERSION), "image_size": s.image_size, "seed": s.seed,
            "difficulty": s.difficulty, "sizes": [s.train_size, s.validation_size, s.test_size,
                                                   s.novel_size]}


@artifacts.register("data.generated", settings=_generated_settings)
def _prepare_generated(folder: Path, settings: dict) -> None:
    DogsCarsBicycles(config=config.profile_name(), data_dir=str(folder)).download_and_prepare()


# ---------------------------------------------------------------- your own photos

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
HELD_OUT = 0.15  # of each class, for validation and for test, when the folder has no splits


@dataclasses.dataclass
class Photos:
    """A photo folder, checked: usable files per split and class, and what was skipped (why)."""

    files: dict[str, dict[str, list[Path]]]
    skipped: list[tuple[str, str]]

    @property
    def classes(self) -> list[str]:
        return sorted({c for split in self.files.values() for c in split})


def decode_photo(encoded: tf.Tensor) -> tf.Tensor:
    """The course's one photo decoder, used by the photo check and by :func:`load` alike.

    JPEG (RGB, grayscale or CMYK) or PNG (8- or 16-bit, grayscale, RGBA) in; ``[height, width,
    3]`` uint8 out. A GIF, even one named .jpg, gives its first frame, never a stack of frames.
    """
    image = tf.io.decode_image(encoded, channels=3, dtype=tf.uint8, expand_animations=False)
    image.set_shape([None, None, 3])
    return image


def _usable(path: Path) -> str | None:
    """Why TensorFlow cannot use this file as an image, or None when it can."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return "not a .jpg, .jpeg or .png file"
    try:
        decode_photo(tf.io.read_file(str(path)))
    except tf.errors.OpError as error:
        message = re.sub(r"\{\{.*?\}\}\s*", "", error.message).split(" [Op:")[0]
        return f"cannot be decoded ({message.strip()})"
    return None


def _hold_out(files: list[Path], count: int) -> tuple[list[Path], list[Path]]:
    """Set ``count`` files aside, chosen by a hash of their names: the same ones every time."""
    ordered = sorted(files, key=lambda p: hashlib.sha1(p.name.encode()).hexdigest())
    return ordered[count:], ordered[:count]


LOOSE = "not inside a class folder: move it into a <class>/ folder"
BROKEN_LINK = "a link that leads nowhere (a loop, or its target is gone)"
LOOP = "a link back to a folder that holds it (a loop); it is not followed"
NESTED = "a folder inside a class folder; its photos are not used (move them up a level)"
NOT_A_SPLIT = "not a split folder (train, validation, test, novel); its photos are not used"


def _contents(folder: Path, root: Path, skipped: list) -> tuple[list[Path], list[Path]]:
    """The folders and files in ``folder`` (hidden ones left out); links that lead nowhere and
    links back to a folder above are listed in ``skipped`` instead."""
    folders, files = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            real = path.resolve()
            if path.is_symlink() and (folder.resolve().is_relative_to(real)
                                      or root.resolve().is_relative_to(real)):
                skipped.append((str(path.relative_to(root)), LOOP))
            else:
                folders.append(path)
        elif path.is_file():
            files.append(path)
        elif path.is_symlink():
            skipped.append((str(path.relative_to(root)), BROKEN_LINK))
    return folders, files


def scan_photos(root: Path) -> Photos:
    """Check a photo folder and split it; raise ValueError with one sentence when unusable.

    Files that cannot be used are listed in ``Photos.skipped`` with the reason: not an image,
    undecodable, an image outside any class folder, a link that leads nowhere or loops.
    """
    if not root.is_dir():
        raise FileNotFoundError(
            f"There is no photo folder {root}: create {root}/<class>/ folders with .jpg or .png "
            f"photos, or unset {config.DATASET_VARIABLE} to use the generated dataset.")
    skipped: list[tuple[str, str]] = []
    top, loose = _contents(root, root, skipped)
    split_layout = any(p.name in SPLITS for p in top)
    if split_layout:
        skipped += [(str(p.relative_to(root)), NOT_A_SPLIT) for p in top if p.name not in SPLITS]
    skipped += [(str(p.relative_to(root)), LOOSE) for p in loose if p.suffix.lower() in IMAGE_SUFFIXES]
    found: dict[str, dict[str, list[Path]]] = {}
    for split_dir in [p for p in top if p.name in SPLITS] if split_layout else [root]:
        split = split_dir.name if split_layout else "all"
        class_dirs, loose_here = (top, []) if split_dir == root else _contents(split_dir, root, skipped)
        skipped += [(str(p.relative_to(root)), LOOSE) for p in loose_here
                    if p.suffix.lower() in IMAGE_SUFFIXES]
        for class_dir in class_dirs:
            usable = []
            nested, paths = _contents(class_dir, root, skipped)
            skipped += [(str(p.relative_to(root)), NESTED) for p in nested]
            for path in paths:
                reason = _usable(path)
                if reason:
                    skipped.append((str(path.relative_to(root)), reason))
                else:
                    usable.append(path)
            if not usable:
                raise ValueError(
                    f"The class folder {class_dir} has no usable .jpg or .png images: add some "
                    f"photos or remove the folder.")
            found.setdefault(split, {})[class_dir.name] = usable
    classes = sorted({c for split in found.values() for c in split})
    if len(classes) < 2:
        raise ValueError(
            f"{root} has {len(classes)} class folder(s) ({', '.join(classes) or 'none'}); a "
            f"classifier needs at least two, e.g. {root}/dog/ and {root}/car/.")
    return Photos(_split(found, split_layout, root), skipped)


def _split(found: dict[str, dict[str, list[Path]]], split_layout: bool, root: Path) -> dict:
    """Deterministic train / validation / test lists, carved out where the folder has none."""
    if split_layout and "train" not in found:
        raise ValueError("A photo folder with split folders needs a train/ folder.")
    for split, classes in found.items():
        for name in sorted(set(classes) - set(found.get("train", classes))):
            raise ValueError(
                f"The class folder {root / split / name} has no match in {root / 'train'}: a "
                f"class needs photos to train on, so add {root / 'train' / name}/ with photos "
                "(or remove or rename that folder).")
    pool = found["train"] if split_layout else found["all"]
    files = {"train": {}, "validation": {}, "test": {},
             **{split: classes for split, classes in found.items() if split not in ("train", "all")}}
    carve = [split for split in ("test", "validation") if split not in found]
    for name, paths in pool.items():
        if len(paths) <= len(carve):
            raise ValueError(
                f"The class {name!r} has only {len(paths)} photo(s) to train on; it needs at least "
                f"{len(carve) + 1} to give {', '.join(['train', *carve])} one each: add photos.")
        rest = paths
        for split in carve:
            rest, files[split][name] = _hold_out(rest, max(1, round(HELD_OUT * len(paths))))
        files["train"][name] = rest
    return files


def _photos_settings() -> dict:
    root = config.my_images_dir()
    listing = sorted(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*") if p.is_file()
    ) if root.is_dir() else []
    digest = hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]
    return {"root": str(root.resolve()), "files": digest}


@artifacts.register("data.my_images", settings=_photos_settings)
def _stage_photos(folder: Path, settings: dict) -> None:
    """Lay out links to the usable photos as split/class/file for tfds.ImageFolder."""
    photos = scan_photos(Path(settings["root"]))
    for split, classes in photos.files.items():
        for name, paths in classes.items():
            target = folder / "splits" / split / name
            target.mkdir(parents=True)
            for path in paths:
                link = target / path.name
                try:
                    link.symlink_to(path.resolve())
                except OSError:  # no symlinks (some Windows set-ups): copy; originals untouched
                    shutil.copy2(path, link)
    if photos.skipped:
        print(f"Skipped {len(photos.skipped)} file(s) in {settings['root']} "
              "(left exactly as they are):")
        for name, reason in photos.skipped:
            print(f"  {name}: {reason}")


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
        return DogsCarsBicycles(config=config.profile_name(),
                                data_dir=str(artifacts.get("data.generated")))
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


MISSING_NOVEL = ("This dataset has no `novel` split, so the distribution-shift part is skipped: "
                 "to add it, put photos taken under new conditions (another place, camera or "
                 "light) in a novel/<class>/ folder beside train/ and test/.")


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
    decoders = ({"image": tfds.decode.SkipDecoding()} if config.dataset_name() == "my_images"
                else None)
    try:
        ds = b.as_dataset(split=split, as_supervised=True, shuffle_files=False, decoders=decoders)
    except ValueError:
        raise ValueError(
            f"The {config.dataset_name()!r} dataset has no {split!r} split; it has "
            f"{', '.join(sorted(b.info.splits))}.") from None
    if decoders:
        ds = ds.map(lambda encoded, label: (decode_photo(encoded), label),
                    num_parallel_calls=AUTOTUNE)
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


def pipeline(ds: tf.data.Dataset, batch_size: int, *, training: bool = False, augmented: bool = False,
             cache: bool = True, prefetch: bool = True, seed: int | None = None) -> tf.data.Dataset:
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
    return (np.concatenate([x.numpy() for x, _ in batches]),
            np.concatenate([y.numpy() for _, y in batches]))


def images_per_second(ds: tf.data.Dataset, epochs: int = 3, step_ms: float = 0) -> float:
    """Read the batched dataset ``epochs`` times; the median images per second after the first.

    The first epoch fills caches and is left out. ``step_ms`` pauses after every batch, as a
    model's training step would: that is the time a ``prefetch`` can use to prepare the next.
    """
    if epochs < 2:
        raise ValueError(f"epochs={epochs}: the first epoch only warms up; read at least 2.")
    rates = []
    for _ in range(epochs):
        start, count = time.perf_counter(), 0
        for images, _ in ds:
            count += int(images.shape[0])
            if step_ms:
                time.sleep(step_ms / 1000)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates[1:])


# ---------------------------------------------------------------- JPEG files, for the pipeline lesson

JPEG_SIZE = 384  # pixels: photos on disk are larger than what the model sees
JPEG_COUNT = 512  # files (at most the training split's size)


def _jpeg_settings() -> dict:
    s = config.settings()
    return {"dataset": _generated_settings(), "count": min(s.train_size, JPEG_COUNT),
            "size": JPEG_SIZE, "quality": 90}


@artifacts.register("data.jpeg_files", settings=_jpeg_settings)
def _write_jpegs(folder: Path, settings: dict) -> None:
    """The generated training images as JPEG files: enlarged to ``size`` pixels, with a little
    sensor-like noise so they compress (and decode) like photos rather than flat drawings."""
    import numpy as np
    from PIL import Image

    generated = DogsCarsBicycles(config=config.profile_name(),
                                 data_dir=str(artifacts.get("data.generated")))
    names = imagegen.CLASSES
    images = generated.as_dataset(split="train", as_supervised=True, shuffle_files=False)
    images = images.take(settings["count"]).as_numpy_iterator()
    for index, (image, label) in enumerate(images):
        size = settings["size"]
        big = np.asarray(Image.fromarray(image).resize((size, size), Image.BICUBIC), np.int16)
        big += np.random.default_rng(index).integers(-12, 13, big.shape, dtype=np.int16)
        Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).save(
            folder / f"{index:05d}_{names[label]}.jpg", quality=settings["quality"])


def jpeg_files() -> tuple[list[str], list[int]]:
    """The generated training images as JPEG files on disk (written once, cached under build/):
    their paths and labels, in a fixed order."""
    folder = artifacts.get("data.jpeg_files")
    paths = sorted(folder.glob("*.jpg"))
    return [str(p) for p in paths], [imagegen.CLASSES.index(p.stem.split("_", 1)[1]) for p in paths]
