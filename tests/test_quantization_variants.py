"""utils.quantization.variants and references: a grid row found or the choices named, one
row's scores without a novel split, and the published figures with their sources."""

from pathlib import Path

import numpy as np
import pytest
import tf_keras as keras

from utils import quantization
from utils.quantization import variants
from quantization_models import images, model, small_images, small_model


def test_grid_row_finds_a_variant_or_names_the_choices():
    rows = [
        {"method": "magnitude", "sparsity": s, "format": f, "variant": f"{s} {f}"}
        for s in (0.0, 0.5)
        for f in quantization.FORMATS
    ]
    assert quantization.grid_row(rows, 0.5, "int8")["variant"] == "0.5 int8"
    with pytest.raises(ValueError, match=r"no '80% pruned int8' variant.*\[0.0, 0.5\]"):
        quantization.grid_row(rows, 0.8, "int8")


def test_variant_scores_without_a_novel_split(model, images):
    content = quantization.convert(model, "float32")
    reference = model.predict(images, verbose=0)
    labels = reference.argmax(axis=1)
    splits = {"validation": (images[:16], labels[:16]), "test": (images, labels)}
    row = quantization.variant_scores(content, splits, reference)
    assert row["novel_accuracy"] is None
    assert row["validation_accuracy"] == row["test_accuracy"] == row["agreement"] == 1.0
    assert (row["validation_images"], row["test_images"]) == (16, 32)
    assert row["activation_bytes"] == 4 * (12 + 12)  # the reshape's 12 floats in and 12 out
    splits["novel"] = (images[:8], (labels[:8] + 1) % 3)
    assert quantization.variant_scores(content, splits, reference)["novel_accuracy"] == 0.0


def _conv(filters: int, zero: bool = False) -> keras.Model:
    """4 × 4 × 1 in, one 3 × 3 'same' convolution with ``filters`` filters and a bias."""
    model = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Conv2D(filters, 3, padding="same")]
    )
    if zero:  # every weight zeroed (more than any pruning leaves), every shape kept
        model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    return model


def test_variant_flops_count_the_source_model_and_its_zeros_too(monkeypatch):
    # 2 filters: 4 × 4 outputs × 2 filters × 9 multiply-adds × 1 input channel, 2 FLOPs each,
    # plus a bias add per output: 2 × 288 + 32 = 608. One filter (half removed): 2 × 144 + 16 = 304.
    sources = {
        ("magnitude", 0.0): _conv(2),
        ("magnitude", 0.9): _conv(2, zero=True),
        ("filters", 0.5): _conv(1),
    }
    monkeypatch.setattr(
        variants, "_source_model", lambda method, sparsity: sources[method, sparsity]
    )
    monkeypatch.setattr(variants.artifacts, "path", lambda name: Path("/nowhere/grid-test"))
    variants._flops.cache_clear()
    try:
        assert quantization.variant_flops("magnitude", 0.0) == 608
        assert quantization.variant_flops("magnitude", 0.9) == 608  # zeros are multiplied too
        assert quantization.variant_flops("filters", 0.5) == 304
    finally:
        variants._flops.cache_clear()


@pytest.mark.parametrize(
    "load", [quantization.published_latencies, quantization.published_quantization_results]
)
def test_published_figures_carry_a_source_on_every_row(load):
    rows = load()
    assert rows and all(row["source"].strip() for row in rows)


def test_published_latencies_pair_float_and_quant_per_device():
    rows = quantization.published_latencies()
    by_device = {}
    for row in rows:
        by_device.setdefault(row["device"], set()).add(row["format"])
        assert row["latency_ms"] > 0 and row["threads"] >= 1
    assert all(formats == {"float32", "quant"} for formats in by_device.values())
    # benchmarks.md's "(quant)" model is the quantization-aware trained uint8 one, not
    # post-training int8
    quant = {r["precision"] for r in rows if r["format"] == "quant"}
    assert quant == {"uint8 weights and activations"}


def test_published_quantization_rows_say_what_they_measured():
    rows = quantization.published_quantization_results()
    assert {r["technique"] for r in rows} == {
        "float model (no quantization)",
        "post-training weight-only quantization (hybrid)",
        "quantization-aware training (TF 1 contrib/quantize)",
    }
    hybrid = [r for r in rows if "hybrid" in r["technique"]]
    assert hybrid and all(r["precision"] == "int8 weights, float32 activations" for r in hybrid)
    assert all(r["unit"] == "ms" for r in rows if r["measure"] == "latency")
