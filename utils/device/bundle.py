"""Notebooks 06-08: the device bundle, what a student carries to their own edge device.

``python -m utils device-bundle`` writes a folder (and the same as a ``.zip``) holding the
variant grid's ``.tflite`` models (notebook 05's artifact ``quantization.grid``, every pruning
method, sparsity and format), a few class-balanced validation images (uint8, ``images.npy``) with
their labels (``labels.npy``), ``bundle.json`` (what is where, the class names, the course
version, the grid's recipe key) and one standalone script, ``course_device_benchmark.py``, copied
from this package as it is: it needs only Python, NumPy and ``ai-edge-litert``. On the device it
times every variant and writes ``results.json``; ``python -m utils device-import`` brings it back
(:mod:`utils.device.imported`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zipfile
from pathlib import Path

from utils import artifacts, config
from utils.quantization import variants

SCRIPT = Path(__file__).with_name("course_device_benchmark.py")
IMAGES = 100  # enough for an accuracy within about ±5 points (one standard error), small to carry
GRID_FILE = "grid.json"  # the grid artifact's table (utils.quantization.variants)


def model_file(variant: str) -> str:
    """The ``.tflite`` file name the grid's build gives a variant (``dense int8`` →
    ``dense_int8.tflite``, ``dense int8 (quantizer)`` → ``dense_int8_quantizer.tflite``)."""
    return f"{variants.file_stem(variant)}.tflite"


def default_out() -> Path:
    return config.build_dir() / f"device-bundle-{config.profile_name()}"


def validation_sample(count: int = IMAGES):
    """``count`` class-balanced validation images (uint8) and their labels."""
    import numpy as np

    from utils import decoded

    images, labels = decoded.arrays("validation")
    chosen = np.sort(decoded.capped_indices(labels, count, config.settings().seed))
    return images[chosen], labels[chosen]


def write(out: Path | None = None, count: int = IMAGES) -> Path:
    """Write the bundle folder ``out`` and ``out.zip`` beside it; return the folder.

    A folder already there is refused unless it is an earlier bundle (its ``bundle.json``
    present): a user's own files are never overwritten."""
    import numpy as np

    from utils import bundle as class_bundle
    from utils import data

    out = Path(out) if out else default_out()
    if out.exists() and not (out / "bundle.json").is_file():
        raise ValueError(f"{out} exists and is not a device bundle: name a new folder with --out.")
    grid_folder = artifacts.get("quantization.grid")
    rows = json.loads((grid_folder / GRID_FILE).read_text())
    images, labels = validation_sample(count)
    if out.exists():
        shutil.rmtree(out)
    (out / "models").mkdir(parents=True)
    variants = []
    for row in rows:
        source = grid_folder / model_file(row["variant"])
        if not source.is_file():
            print(f"Left out {row['variant']!r}: {source.name} is not in the grid's folder.")
            continue
        shutil.copyfile(source, out / "models" / source.name)
        variants.append(
            {
                "variant": row["variant"],
                "file": f"models/{source.name}",
                "format": row["format"],
                "method": row["method"],
                "sparsity": row["sparsity"],
            }
        )
    np.save(out / "images.npy", images.astype(np.uint8))
    np.save(out / "labels.npy", labels.astype(np.int64))
    index = {
        "format": "course-device-bundle",
        "course_version": class_bundle.course_version(),
        "grid": grid_folder.name,
        "profile": config.profile_name(),
        "dataset": config.dataset_name(),
        "images": "images.npy",
        "labels": "labels.npy",
        "class_names": list(data.class_names()),
        "variants": variants,
    }
    (out / "bundle.json").write_text(json.dumps(index, indent=1))
    shutil.copyfile(SCRIPT, out / SCRIPT.name)
    archive = out.with_name(out.name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                packed.write(path, Path(out.name) / path.relative_to(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils device-bundle", description=__doc__)
    parser.add_argument("--out", help="the bundle's folder (a .zip is written beside it)")
    parser.add_argument("--images", type=int, default=IMAGES, help="validation images to ship")
    args = parser.parse_args(argv)
    try:
        out = write(Path(args.out) if args.out else None, args.images)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"Wrote {out} and {out.name}.zip: copy either to your device, then there run\n"
        f"  pip install numpy ai-edge-litert\n  python3 {out.name}/{SCRIPT.name}\n"
        f"and bring back {out.name}/results.json: python -m utils device-import results.json"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
