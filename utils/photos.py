"""Notebooks 01-08 on your own photos: a photo folder checked, split and staged for tfds.

``data/my_images/<class>/*.jpg|png`` (optionally with a ``train/``, ``validation/``, ``test/``
level; or ``COURSE_MY_IMAGES``) is scanned once: files that cannot be used are listed with the
reason (and left exactly as they are), splits are carved out where the folder has none, and the
usable photos are laid out as links for ``tfds.ImageFolder`` (the artifact ``data.my_images``).
:mod:`utils.data` loads them like every other dataset.

Hostile files cannot stall the check: a photo's pixel count is read from its header (Pillow's
``Image.open`` reads only that) and one over :data:`MAX_PIXELS` is skipped before anything is
decoded; anything that is not a regular file (a device such as ``/dev/zero``, a pipe, a socket,
or a link to one) is never read; nothing is ignored without being listed (hidden entries too,
but for the operating system's clutter, :data:`CLUTTER`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import warnings
from pathlib import Path

import tensorflow as tf
from PIL import Image, UnidentifiedImageError

from utils import artifacts, config, imagegen

SPLITS = imagegen.SPLITS
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
HELD_OUT = 0.15  # of each class, for validation and for test, when the folder has no splits
# a 48-50 Mpx phone photo (8160 x 6120 = 49.9 Mpx) passes; decoded it takes 3 bytes a pixel
# (150 MB at the limit), where a 20000 x 20000 PNG of 1.2 MB would take 1.2 GB
MAX_PIXELS = 50_000_000
# hidden entries the operating system or Jupyter leaves everywhere: skipped without a line
CLUTTER = (".DS_Store", ".ipynb_checkpoints", ".Trashes", ".Spotlight-V100", ".fseventsd")


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


def _too_large(path: Path) -> str | None:
    """Why the image in ``path`` has too many pixels to decode, read from its header only; None
    when it is small enough or Pillow cannot read its header (the decoder then says why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as picture:  # reads the header, decodes nothing
                width, height = picture.size
    except Image.DecompressionBombError:  # over twice Pillow's own limit: far over ours
        return f"more than {MAX_PIXELS:,} pixels: {TOO_LARGE_FIX}"
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    if width * height > MAX_PIXELS:
        return (
            f"{width} x {height} = {width * height:,} pixels, more than {MAX_PIXELS:,}: "
            f"{TOO_LARGE_FIX}"
        )
    return None


TOO_LARGE_FIX = "shrink it (e.g. to 4000 pixels on its longer side) or move it out of the folder"


def _usable(path: Path) -> str | None:
    """Why TensorFlow cannot use this file as an image, or None when it can."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return "not a .jpg, .jpeg or .png file"
    too_large = _too_large(path)
    if too_large:
        return too_large
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
NOT_REGULAR = (
    "not a regular file or folder (a device, a pipe or a socket, or a link to one); it is not read"
)
HIDDEN = "hidden (its name starts with '.'); it is not used: rename it to use it"


def _contents(folder: Path, root: Path, skipped: list) -> tuple[list[Path], list[Path]]:
    """The folders and regular files in ``folder``; hidden entries (but :data:`CLUTTER`), links
    that lead nowhere or back to a folder above, devices, pipes and sockets are listed in
    ``skipped`` instead."""
    folders, files = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            if not (path.name in CLUTTER or path.name.startswith("._")):  # ._x: macOS metadata
                skipped.append((str(path.relative_to(root)), HIDDEN))
            continue
        if path.is_dir():
            real = path.resolve()
            if path.is_symlink() and (
                folder.resolve().is_relative_to(real) or root.resolve().is_relative_to(real)
            ):
                skipped.append((str(path.relative_to(root)), LOOP))
            else:
                folders.append(path)
        elif path.is_file():  # a regular file (or a link to one): stat only, nothing opened
            files.append(path)
        elif path.is_symlink() and not path.exists():
            skipped.append((str(path.relative_to(root)), BROKEN_LINK))
        else:
            skipped.append((str(path.relative_to(root)), NOT_REGULAR))
    return folders, files


def scan_photos(root: Path) -> Photos:
    """Check a photo folder and split it; raise ValueError with one sentence when unusable.

    Files that cannot be used are listed in ``Photos.skipped`` with the reason: not an image,
    undecodable, too many pixels, an image outside any class folder, a link that leads nowhere or
    loops, not a regular file, hidden.
    """
    if not root.is_dir():
        raise FileNotFoundError(
            f"There is no photo folder {root}: create {root}/<class>/ folders with .jpg or .png "
            f"photos, or unset {config.DATASET_VARIABLE} to use the generated dataset."
        )
    skipped: list[tuple[str, str]] = []
    top, loose = _contents(root, root, skipped)
    split_layout = any(p.name in SPLITS for p in top)
    if split_layout:
        skipped += [(str(p.relative_to(root)), NOT_A_SPLIT) for p in top if p.name not in SPLITS]
    skipped += [
        (str(p.relative_to(root)), LOOSE) for p in loose if p.suffix.lower() in IMAGE_SUFFIXES
    ]
    found: dict[str, dict[str, list[Path]]] = {}
    for split_dir in [p for p in top if p.name in SPLITS] if split_layout else [root]:
        split = split_dir.name if split_layout else "all"
        class_dirs, loose_here = (
            (top, []) if split_dir == root else _contents(split_dir, root, skipped)
        )
        skipped += [
            (str(p.relative_to(root)), LOOSE)
            for p in loose_here
            if p.suffix.lower() in IMAGE_SUFFIXES
        ]
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
                    f"photos or remove the folder."
                )
            found.setdefault(split, {})[class_dir.name] = usable
    classes = sorted({c for split in found.values() for c in split})
    if len(classes) < 2:
        raise ValueError(
            f"{root} has {len(classes)} class folder(s) ({', '.join(classes) or 'none'}); a "
            f"classifier needs at least two, e.g. {root}/dog/ and {root}/car/."
        )
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
                "(or remove or rename that folder)."
            )
    pool = found["train"] if split_layout else found["all"]
    files = {
        "train": {},
        "validation": {},
        "test": {},
        **{split: classes for split, classes in found.items() if split not in ("train", "all")},
    }
    carve = [split for split in ("test", "validation") if split not in found]
    for name, paths in pool.items():
        if len(paths) <= len(carve):
            raise ValueError(
                f"The class {name!r} has only {len(paths)} photo(s) to train on; it needs at least "
                f"{len(carve) + 1} to give {', '.join(['train', *carve])} one each: add photos."
            )
        rest = paths
        for split in carve:
            rest, files[split][name] = _hold_out(rest, max(1, round(HELD_OUT * len(paths))))
        files["train"][name] = rest
    return files


def _photos_settings() -> dict:
    root = config.my_images_dir()
    listing = (
        sorted(
            (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")
            if p.is_file()
        )
        if root.is_dir()
        else []
    )
    digest = hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]
    return {"root": str(root.resolve()), "files": digest}


@artifacts.register(
    "data.my_images", settings=_photos_settings, what="links to your photos, split per class"
)
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
        print(
            f"Skipped {len(photos.skipped)} file(s) in {settings['root']} "
            "(left exactly as they are):"
        )
        for name, reason in photos.skipped:
            print(f"  {name}: {reason}")
