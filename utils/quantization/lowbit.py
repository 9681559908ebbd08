"""Appendix A7 (of notebook 05): how low the bits can go, weights fake-quantized to 8, 6, 4, 3 and
2 bits, one scale per tensor against one per output channel, and the trained model's validation
accuracy at each width (cached).

Fake quantization rounds a float kernel to the grid of a ``bits``-bit symmetric integer and turns
it back into float32, so the Keras model runs unchanged and only the rounding's effect is seen.
Only the kernels of convolutions and dense layers are rounded (biases and BatchNorm stay float32,
activations stay float32). The Keras kernels are rounded before BatchNorm is folded into them as
TFLite does: per output channel that gives the same grid (folding scales a whole channel), per
tensor it does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tf_keras as keras

from utils import artifacts, figures, training, validate
from utils.quantization.conversion import round_half_away
from utils.quantization.litert import split_arrays
from utils.verdicts.accuracy import difference_error, standard_error
from utils.verdicts.base import AGREES, NO_FIGURE, _on_reference, verdict

LOWBIT_BITS = (8, 6, 4, 3, 2)
GRANULARITIES = ("per tensor", "per channel")
LOWBIT_FILE = "lowbit.json"
NOISE_SE = 2  # a loss counts beyond two standard errors of the difference, as accuracy_gap does


def levels(bits: int) -> int:
    """The largest integer of a symmetric ``bits``-bit grid, 2^(bits-1) - 1 (the most negative
    code is left out so that the grid is symmetric, as TFLite's int8 weights are: -127..127)."""
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 16:
        raise ValueError(f"bits={bits!r}: give a whole number of bits from 2 to 16.")
    return 2 ** (int(bits) - 1) - 1


def fake_quantize(kernel, bits: int, per_channel: bool) -> np.ndarray:
    """``kernel`` (output channels last) rounded to a symmetric ``bits``-bit integer grid and
    turned back into float32: scale = max|w| / (2^(bits-1) - 1), of the whole tensor or of each
    output channel; q = round(w / scale), half away from zero; w' = q · scale. A channel (or a
    tensor) of zeros keeps its zeros."""
    qmax = levels(bits)
    w = np.asarray(kernel, np.float32)
    if w.ndim == 0 or w.size == 0:
        raise ValueError(
            "The kernel is empty or a scalar: give a weight array, output channels last."
        )
    validate.finite(kernel=float(np.abs(w).max()))
    if per_channel:
        amax = np.abs(w).reshape(-1, w.shape[-1]).max(axis=0)
    else:
        amax = np.float32(np.abs(w).max())
    scale = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    q = np.clip(round_half_away(w / scale), -qmax, qmax)
    return (q * scale).astype(np.float32)


def quantized_weights_model(model: keras.Model, bits: int, per_channel: bool) -> keras.Model:
    """A copy of ``model`` whose Conv2D and Dense kernels are fake-quantized (the original is
    left unchanged)."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for layer in copy.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            layer.kernel.assign(fake_quantize(layer.kernel.numpy(), bits, per_channel))
    return copy


def sweep(model: keras.Model, images, labels, bits=LOWBIT_BITS) -> list[dict]:
    """Validation accuracy of ``model`` with float32 weights (``bits`` None) and at each width
    in ``bits``, per tensor and per channel: one row each, with the image count."""
    labels = np.asarray(labels)

    def scored(m, width, granularity):
        predicted = m.predict(images, batch_size=256, verbose=0).argmax(axis=1)
        accuracy = float(np.mean(predicted == labels))
        return {"bits": width, "granularity": granularity, "accuracy": accuracy,
                "images": int(len(labels))}  # fmt: skip

    rows = [scored(model, None, "float32")]
    for width in bits:
        for granularity in GRANULARITIES:
            copy = quantized_weights_model(model, width, granularity == "per channel")
            rows.append(scored(copy, width, granularity))
    return rows


def _lowbit_settings() -> dict:
    return {
        "model": artifacts.path("training.model").name,
        "bits": LOWBIT_BITS,
        "granularities": GRANULARITIES,
        "split": "validation",
        "recipe": "lowbit/1",
    }


@artifacts.register("quantization.lowbit", settings=_lowbit_settings)
def _build_lowbit(folder: Path, settings: dict) -> None:
    model, _ = training.trained_model()
    images, labels = split_arrays(settings["split"])
    rows = sweep(model, images, labels, settings["bits"])
    (folder / LOWBIT_FILE).write_text(json.dumps(rows, indent=1))


def lowbit_sweep() -> list[dict]:
    """The trained model's low-bit sweep on the validation split (built and cached the first
    time): rows of ``bits`` (None for float32), ``granularity``, ``accuracy`` and ``images``."""
    return json.loads((artifacts.get("quantization.lowbit") / LOWBIT_FILE).read_text())


def lowbit_row(rows: list[dict], bits, granularity: str) -> dict:
    """The row of ``rows`` for one width and granularity (``bits`` None: float32)."""
    for row in rows:
        if row["bits"] == bits and row["granularity"] == granularity:
            return row
    raise ValueError(
        f"The sweep has no {bits}-bit {granularity!r} row: choose bits from "
        f"{sorted({r['bits'] for r in rows if r['bits']})} and one of {', '.join(GRANULARITIES)}."
    )


def cliff(rows: list[dict], granularity: str) -> int | None:
    """The cliff: the widest bit width whose accuracy is below float32's by more than
    :data:`NOISE_SE` standard errors of the difference (None when no width is)."""
    base = lowbit_row(rows, None, "float32")
    for row in sorted(
        (r for r in rows if r["granularity"] == granularity), key=lambda r: -r["bits"]
    ):
        noise = difference_error(base["accuracy"], base["images"], row["accuracy"], row["images"])
        if base["accuracy"] - row["accuracy"] > NOISE_SE * noise:
            return row["bits"]
    return None


def _by_width(rows: list[dict], granularity: str) -> list[dict]:
    """The rows of one granularity, widest first."""
    return sorted((r for r in rows if r["granularity"] == granularity), key=lambda r: -r["bits"])


def near_chance(accuracy: float, n: int, chance: float) -> bool:
    """Within :data:`NOISE_SE` standard errors of chance (or below it)."""
    return accuracy - chance <= NOISE_SE * standard_error(chance, n)


def cliff_verdict(rows: list[dict], chance: float, reference=(None, None)):
    """The verdict on where the cliff is, per tensor and per channel, and whether one scale per
    channel moves it. ``reference``: the reference machine's cliffs ``(per tensor, per channel)``
    as numbers or Figures (0 for "none down to 2 bits"), when it has them."""
    found = {g: cliff(rows, g) for g in GRANULARITIES}

    def widest(test) -> dict:
        return {g: next((r["bits"] for r in _by_width(rows, g) if test(r)), None)
                for g in GRANULARITIES}  # fmt: skip

    def bits(found_bits: dict, none: str) -> str:
        return ", ".join(
            f"{found_bits[g]} bits {g}" if found_bits[g] else f"{none} {g}" for g in GRANULARITIES
        )

    at_chance = widest(lambda r: near_chance(r["accuracy"], r["images"], chance))
    moves = "moves" if found["per tensor"] != found["per channel"] else "does not move"
    gaps = []
    for width in LOWBIT_BITS:
        t, c = (lowbit_row(rows, width, g) for g in GRANULARITIES)
        noise = difference_error(t["accuracy"], t["images"], c["accuracy"], c["images"])
        if abs(c["accuracy"] - t["accuracy"]) > NOISE_SE * noise:
            higher = "per channel" if c["accuracy"] > t["accuracy"] else "per tensor"
            gaps.append(f"{higher} at {width} bits ({c['accuracy']:.3f} per channel, "
                        f"{t['accuracy']:.3f} per tensor)")  # fmt: skip
    headline = (
        f"The cliff: {bits(found, 'none down to 2 bits')}, so one scale per channel {moves} it; "
        f"at chance: {bits(at_chance, 'above chance down to 2 bits')}; higher beyond noise: "
        f"{'; '.join(gaps) or 'neither, at any width'}"
    )
    base = lowbit_row(rows, None, "float32")
    noise = (
        f"Float32 weights score {base['accuracy']:.3f} ± "
        f"{standard_error(base['accuracy'], base['images']):.3f} on {base['images']:,} validation "
        f"images; a width has fallen when it is below that by more than {NOISE_SE} standard "
        f"errors of the difference; at chance is the widest width within {NOISE_SE} "
        f"standard errors of chance, {chance:.3f}."
    )
    ref = [figures.reference_of(r) if isinstance(r, figures.Figure) else r for r in reference]
    if None in ref:
        return verdict(headline + ".", None, noise, NO_FIGURE)
    ref_found = {g: (int(r) or None) for g, r in zip(GRANULARITIES, ref)}
    same = ref_found == found
    shown = "; ".join(f"{g}, {ref_found[g] or 'none'}" for g in GRANULARITIES)
    return verdict(
        f"{headline}, {AGREES[same]}.",
        same,
        noise,
        _on_reference(f"the cliff (bits): {shown}."),
    )
