"""Tooling: a folder of "own photos" for testing the series on data it was not written on.

    python -m tools.make_photos build/test-photos [--train 120] [--test 30] [--difficulty 1.0]

The photos are the course's generated dogs, cars and bicycles at the hardest difficulty, drawn at
varied, non-square sizes and saved as JPEG files, laid out the way a student's folder often is:
``train/<class>/`` and ``test/<class>/`` only, with no ``validation/`` and no ``novel/``. The
tests run every notebook on them (``make test-photos``) to show that the notebooks state
verdicts instead of asserting what only holds on the course's own dataset.

An existing folder is reused when it was written with the same options (a marker file says so);
otherwise the tool refuses to touch it, so a student's real photos are never overwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from utils import imagegen

MARKER = ".made-by-tools-make_photos.json"
SEED = 2026
SIZES = ((96, 72), (80, 80), (120, 90), (72, 96))  # width x height, as cameras give them


def make(folder: Path, train: int, test: int, difficulty: float) -> int:
    """Write the photos (or reuse them); return how many the folder holds."""
    options = {"train": train, "test": test, "difficulty": difficulty, "seed": SEED}
    marker = folder / MARKER
    if folder.exists() and any(folder.iterdir()):
        if marker.exists() and json.loads(marker.read_text()) == options:
            return sum(1 for p in folder.rglob("*.jpg"))
        raise SystemExit(
            f"{folder} already holds other files: give an empty or new folder "
            "(this tool never overwrites photos it did not write)."
        )
    count = 0
    for split, per_class in (("train", train), ("test", test)):
        for index in range(per_class * len(imagegen.CLASSES)):
            label = index % len(imagegen.CLASSES)
            rng = np.random.default_rng([SEED, len(split), index])
            width, height = SIZES[index % len(SIZES)]
            side = max(width, height)
            pixels = imagegen.draw(label, rng, size=side, difficulty=difficulty)
            top, left = (side - height) // 2, (side - width) // 2
            photo = Image.fromarray(pixels[top : top + height, left : left + width])
            target = folder / split / imagegen.CLASSES[label] / f"{split}_{index:05d}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            photo.save(target, quality=85)
            count += 1
    marker.write_text(json.dumps(options))
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.make_photos", description=__doc__.splitlines()[0]
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--train", type=int, default=120, help="training photos per class")
    parser.add_argument("--test", type=int, default=30, help="test photos per class")
    parser.add_argument("--difficulty", type=float, default=1.0, help="0 (easy) to 1 (hard)")
    args = parser.parse_args(argv)
    count = make(args.folder, args.train, args.test, args.difficulty)
    print(
        f"{count} JPEG photos in {args.folder} (train/ and test/ only, difficulty "
        f"{args.difficulty})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
