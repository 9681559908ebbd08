"""Notebooks 00-08: profiles, settings and paths, the one place every notebook reads them from.

The environment variable ``COURSE_PROFILE`` picks a profile: ``full`` (the default, what a
student runs) or ``smoke`` (tiny data and a few short epochs, what the tests run). Only the
settings below differ between the two; the code is the same.

Importing this module also sets ``TF_USE_LEGACY_KERAS=1``. It must happen before TensorFlow
builds ``tf.keras``: tensorflow-model-optimization only works with Keras 2 (tf-keras).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # hide TensorFlow's INFO chatter

PROFILE_VARIABLE = "COURSE_PROFILE"
DATASET_VARIABLE = "COURSE_DATASET"
MY_IMAGES_VARIABLE = "COURSE_MY_IMAGES"
BUILD_VARIABLE = "COURSE_BUILD_DIR"
# at most this many training images for the sweeps' fine-tuning (unset: all of them)
FINETUNE_IMAGES_VARIABLE = "COURSE_FINETUNE_IMAGES"
DEFAULT_PROFILE = "full"
# generated: drawn by utils.imagegen; my_images: your photos; cifar10: a tfds catalogue dataset
DATASETS = ("generated", "my_images", "cifar10")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a profile decides. Notebooks read these instead of hard-coding numbers."""

    profile: str
    image_size: int  # images are image_size x image_size x 3
    train_size: int  # images per split
    validation_size: int
    test_size: int
    novel_size: int
    epochs: int
    batch_size: int
    timing_runs: int  # timed invocations behind every median / p95
    timing_warmup: int  # untimed invocations first (tracing, caches)
    finetune_epochs: int  # of a compressed model (pruning), starting from the trained one
    seed: int = 1234
    # of the generated images, 0 (clean) to 1 (hard); at 0.9 a small CNN gets about 90 % of the
    # test split right (benchmarks/dataset_difficulty.py): hard enough to show trade-offs
    difficulty: float = 0.9

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


PROFILES = {
    "full": Settings(
        profile="full",
        image_size=64,
        train_size=6000,
        validation_size=1000,
        test_size=1000,
        novel_size=600,
        epochs=15,
        batch_size=64,
        timing_runs=50,
        timing_warmup=5,
        finetune_epochs=2,
    ),
    # Small enough for the tests, big enough that the model measurably learns: 57 training
    # steps on easier images give about 50 % accuracy (chance: 33 %) in a few seconds.
    "smoke": Settings(
        profile="smoke",
        image_size=64,
        train_size=600,
        validation_size=60,
        test_size=120,
        novel_size=60,
        epochs=3,
        batch_size=32,
        timing_runs=10,
        timing_warmup=2,
        finetune_epochs=1,
        difficulty=0.5,
    ),
}


def _checked(name: str) -> str:
    if name not in PROFILES:
        valid = ", ".join(repr(p) for p in PROFILES)
        raise ValueError(
            f"Unknown course profile {name!r} in {PROFILE_VARIABLE}; use one of {valid}."
        )
    return name


def profile_name() -> str:
    """The active profile's name, from ``COURSE_PROFILE`` (``full`` when unset)."""
    return _checked(os.environ.get(PROFILE_VARIABLE, "").strip() or DEFAULT_PROFILE)


def settings() -> Settings:
    """The active profile's settings."""
    return PROFILES[profile_name()]


def use_profile(name: str | None = None) -> Settings:
    """Make ``name`` the active profile (None keeps ``COURSE_PROFILE``) and return its settings.

    Notebooks call this in their setup cell with the papermill parameter ``PROFILE``.
    """
    if name is not None:
        os.environ[PROFILE_VARIABLE] = _checked(name)
    return settings()


def _checked_dataset(name: str) -> str:
    if name not in DATASETS:
        valid = ", ".join(repr(d) for d in DATASETS)
        raise ValueError(f"Unknown dataset {name!r} in {DATASET_VARIABLE}; use one of {valid}.")
    return name


def dataset_name() -> str:
    """Which dataset the series runs on, from ``COURSE_DATASET`` (``generated`` when unset)."""
    return _checked_dataset(os.environ.get(DATASET_VARIABLE, "").strip() or DATASETS[0])


def use_dataset(name: str) -> str:
    """Make ``name`` the active dataset for this process (and the helpers it calls)."""
    os.environ[DATASET_VARIABLE] = _checked_dataset(name)
    return name


def my_images_dir() -> Path:
    """The folder of your own photos: ``data/my_images`` (or ``COURSE_MY_IMAGES``)."""
    return Path(os.environ.get(MY_IMAGES_VARIABLE) or DATA_DIR / "my_images")


def finetune_images() -> int | None:
    """The cap on the training images the pruning sweeps fine-tune on, from
    ``COURSE_FINETUNE_IMAGES`` (None when unset: all of them). With many photos of your own, a
    cap keeps notebook 04's sweeps to minutes; the verdicts on fine-tuned accuracy say so."""
    text = os.environ.get(FINETUNE_IMAGES_VARIABLE, "").strip()
    if not text:
        return None
    try:
        cap = int(text)
    except ValueError:
        cap = 0
    if cap < 1 or str(cap) != text.lstrip("+"):
        raise ValueError(
            f"{FINETUNE_IMAGES_VARIABLE}={text!r} is not a whole number of images above 0: "
            f"give one, e.g. {FINETUNE_IMAGES_VARIABLE}=3000, or unset it to fine-tune on all."
        )
    return cap


class BuildDirError(RuntimeError):
    """The build folder cannot be used: it is a file, lies under a file, or is not writable."""


_USABLE: set[Path] = set()  # build folders already checked in this process


def build_dir() -> Path:
    """Where everything generated goes: ``build/`` (or ``COURSE_BUILD_DIR``), created if missing.

    A folder that cannot be used raises :class:`BuildDirError`, one sentence naming
    ``COURSE_BUILD_DIR`` and the fix, instead of an operating-system error later.
    """
    path = Path(os.environ.get(BUILD_VARIABLE) or ROOT / "build")
    if path not in _USABLE or not path.is_dir():
        _check_build_dir(path)
        _USABLE.add(path)
    return path


def _check_build_dir(path: Path) -> None:
    if os.environ.get(BUILD_VARIABLE):
        named = f"{BUILD_VARIABLE}={path}"
        fix = f"point {BUILD_VARIABLE} at a folder you can write to (or unset it to use build/)"
    else:
        named = f"The build folder {path}"
        fix = f"set {BUILD_VARIABLE} to a folder you can write to"
    existing = next((p for p in (path, *path.parents) if os.path.lexists(p)), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"lies under {existing}, which is a file"
        raise BuildDirError(f"{named} {where}, not a folder: {fix}.")
    probe = path / f".write-test-{os.getpid()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise BuildDirError(
            f"{named} cannot be written to ({error.strerror or error}): {fix}."
        ) from None


def artifacts_dir() -> Path:
    """Cached upstream artifacts (datasets, models), one folder per profile inside."""
    return build_dir() / "artifacts"


def results_path() -> Path:
    """The file every measured number is recorded in."""
    return build_dir() / "results.json"
